// The one DuckDB access layer: no other file imports the DuckDB client.
// One process owns the database file (DuckDB allows a single writer process);
// inside it, writes are serialised on one connection and reads use a small
// pool, so a long audit query never blocks ingest and a transaction never
// interleaves with another caller's statements.
//
//   db.all / db.one                 a read on the reader pool, rows as objects
//   db.run / db.transaction(tx => …) writes, serialised on the writer connection
//   tx.insert(layout, rows)          typed bulk insert (INSERTs off the event loop, or the appender for big batches)
//   db.stream(sql) → chunks          a large result read chunk by chunk on a connection of its own
//   db.pool(name, {size})            connections lent to one feature (the SQL sandbox) for its own statements
//   db.registerFunction({...})       a scalar SQL function (ko_tokens)
//
// Values come back one way (core/db-values.ts): safe bigints as numbers,
// timestamps and dates as Date.
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBConnection, DuckDBInstance, DuckDBScalarFunction, StatementType, type DuckDBPreparedStatement, type DuckDBValue } from '@duckdb/node-api';
import { appendValue, chunkColumns, duckType, inferred, plain, toDuckDB, type ColumnType } from './db-values.ts';
import { createTableSql, type TableLayout } from './db-layout.ts';

export { defineTable, createTableSql, columnIndex, type TableLayout, type LayoutRow } from './db-layout.ts';
export type { ColumnType, Instant } from './db-values.ts';

export type Params = readonly unknown[] | Record<string, unknown>;
export type Row = Record<string, unknown>;

/** Thrown when another process holds the database file (usually a running `npm start`). */
export class DatabaseLockedError extends Error {
  constructor(readonly file: string, cause: unknown) {
    super(`the database ${file} is in use by another kchat process (${(cause as Error).message.split('\n')[0]})`);
    this.name = 'DatabaseLockedError';
  }
}

class Mutex {
  private tail: Promise<void> = Promise.resolve();
  lock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

function bind(params?: Params): DuckDBValue[] | Record<string, DuckDBValue> | undefined {
  if (!params) return undefined;
  const conv = (v: unknown): DuckDBValue => {
    if (v === undefined) return null;
    if (v instanceof Date) return v.toISOString();
    if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) > 2 ** 31 - 1) return BigInt(v);
    return v as DuckDBValue;
  };
  if (Array.isArray(params)) return params.map(conv);
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, conv(v)]));
}

/** One chunk of a streamed result (DuckDB's vectors: up to 2,048 rows), values converted the one way. */
export interface Chunk {
  rowCount: number;
  names: readonly string[];
  /** DuckDB type names, e.g. VARCHAR, BIGINT, DATE, TIMESTAMP WITH TIME ZONE */
  types: readonly string[];
  /** column-major: columns[c][r] */
  columns: unknown[][];
}

/** A running statement's result: its columns, then its chunks. */
export interface ResultStream extends AsyncIterable<Chunk> {
  readonly names: readonly string[];
  readonly types: readonly string[];
}

/** The chunk's rows, row-major. */
export function chunkRows(chunk: Chunk): unknown[][] {
  const out: unknown[][] = new Array(chunk.rowCount);
  for (let r = 0; r < chunk.rowCount; r++) out[r] = chunk.columns.map((c) => c[r]);
  return out;
}

/** Batches up to this many rows are inserted with async INSERTs (off the event loop); larger ones with the appender. */
export const SMALL_BATCH_ROWS = 1000;
/** Rows per INSERT statement on the small-batch path. */
const INSERT_CHUNK_ROWS = 250;

export interface InsertOptions {
  /**
   * `insert`: multi-row parameterised INSERTs, which DuckDB prepares and runs
   * on the libuv thread pool (the event loop stays free for the websocket
   * gateway sharing the process); `appender`: DuckDB's appender, the fastest
   * per row, whose flush runs on the calling thread. Default: by size
   * (SMALL_BATCH_ROWS).
   */
  via?: 'insert' | 'appender';
}

/** A prepared statement of a leased session (the SQL sandbox checks, binds and streams it). */
export class Prepared {
  constructor(private readonly statement: DuckDBPreparedStatement) {}

  /** SELECT, EXPLAIN, INSERT, … (DuckDB's own classification, the authority on what a statement does) */
  get statementType(): string {
    return StatementType[this.statement.statementType] ?? String(this.statement.statementType);
  }
  get parameterCount(): number {
    return this.statement.parameterCount;
  }
  /** the name of parameter i (1-based): `name` for $name, `1` for $1 or ? */
  parameterName(i: number): string {
    return this.statement.parameterName(i);
  }
  /**
   * Bind parameter i (1-based), typed from its JS type: null, string,
   * integer (BIGINT), other number (DOUBLE), boolean, Date (TIMESTAMPTZ),
   * array (VARCHAR[]). Returns false for anything else.
   */
  bind(i: number, value: unknown): boolean {
    const v = inferred(value);
    if (!v) return false;
    if (v.value === null) this.statement.bindNull(i);
    else this.statement.bindValue(i, v.value, v.type);
    return true;
  }
  /** Run it; the result's columns are known at once, its rows are read chunk by chunk. */
  async stream(): Promise<ResultStream> {
    const result = await this.statement.stream();
    const names = result.deduplicatedColumnNames();
    const types = result.columnTypes().map((t) => t.toString());
    return { names, types, [Symbol.asyncIterator]: () => readChunks(result) };
  }
  destroy(): void {
    this.statement.destroySync();
  }
}

async function* readChunks(result: Awaited<ReturnType<DuckDBConnection['stream']>>): AsyncGenerator<Chunk> {
  const names = result.deduplicatedColumnNames();
  const types = result.columnTypes().map((t) => t.toString());
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return;
    yield { rowCount: chunk.rowCount, names, types, columns: chunkColumns(chunk) };
  }
}

/** Statements on one connection: what a transaction callback, a pool or a stream works with. */
export class Session {
  #connection: DuckDBConnection;
  /** a fault to raise before each statement (tests of write failures; set through Database.injectFault) */
  fault: ((sql: string) => Error | null) | null = null;

  constructor(connection: DuckDBConnection) {
    this.#connection = connection;
  }

  async run(sql: string, params?: Params): Promise<number> {
    this.checkFault(sql);
    const result = await this.#connection.run(sql, bind(params));
    return Number(result.rowsChanged ?? 0);
  }

  async all<T = Row>(sql: string, params?: Params): Promise<T[]> {
    this.checkFault(sql);
    const reader = await this.#connection.runAndReadAll(sql, bind(params));
    return reader.getRowObjectsJS().map((r) => plain(r) as T);
  }

  async one<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  /**
   * A result read chunk by chunk, without materialising it. Another statement
   * on this session ends the stream: read it to the end (or break) first.
   */
  async *stream(sql: string, params?: Params): AsyncGenerator<Chunk> {
    this.checkFault(sql);
    yield* readChunks(await this.#connection.stream(sql, bind(params)));
  }

  /**
   * Rows into a table whose layout (column names and types, in table order)
   * was declared once with defineTable(). Each row is an array in layout order.
   */
  async insert(layout: TableLayout, rows: readonly (readonly unknown[])[], options: InsertOptions = {}): Promise<void> {
    if (rows.length === 0) return;
    const via = options.via ?? (rows.length <= SMALL_BATCH_ROWS ? 'insert' : 'appender');
    this.checkFault(`INSERT INTO ${layout.table}`);
    if (via === 'insert') return this.insertStatements(layout, rows);
    const a = await this.#connection.createAppender(layout.table);
    try {
      const types = layout.columns.map((c) => c.type);
      if (a.columnCount !== types.length) throw new Error(`table ${layout.table} has ${a.columnCount} columns, its layout declares ${types.length} (${layout.columns.map((c) => c.name).join(', ')})`);
      for (const row of rows) {
        for (let c = 0; c < types.length; c++) appendValue(a, types[c], row[c]);
        a.endRow();
      }
      a.flushSync();
    } finally {
      a.closeSync();
    }
  }

  private async insertStatements(layout: TableLayout, rows: readonly (readonly unknown[])[]): Promise<void> {
    const types = layout.columns.map((c) => c.type);
    const duck = types.map(duckType);
    const tuple = `(${types.map(() => '?').join(', ')})`;
    const names = layout.columns.map((c) => `"${c.name}"`).join(', ');
    for (let i = 0; i < rows.length; i += INSERT_CHUNK_ROWS) {
      const chunk = rows.slice(i, i + INSERT_CHUNK_ROWS);
      const values: DuckDBValue[] = [];
      const valueTypes = [];
      for (const r of chunk) {
        for (let c = 0; c < types.length; c++) {
          values.push(toDuckDB(types[c], r[c]));
          valueTypes.push(duck[c]);
        }
      }
      await this.#connection.run(`INSERT INTO ${layout.table} (${names}) VALUES ${Array(chunk.length).fill(tuple).join(', ')}`, values, valueTypes);
    }
  }

  /** Split a text into its statements; prepare the one you want (the SQL sandbox). */
  async statements(sql: string): Promise<{ count: number; prepare(index: number): Promise<Prepared> }> {
    const extracted = await this.#connection.extractStatements(sql);
    return { count: extracted.count, prepare: async (i) => new Prepared(await extracted.prepare(i)) };
  }

  /** Stop the statement running on this session (it fails with an "interrupted" error). */
  interrupt(): void {
    this.#connection.interrupt();
  }

  registerFunction(fn: ScalarFunction): void {
    const ret = fn.returns;
    this.#connection.registerScalarFunction(
      DuckDBScalarFunction.create({
        name: fn.name,
        returnType: duckType(ret),
        parameterTypes: fn.parameters.map(duckType),
        mainFunction: (_info, input, output) => {
          const columns = fn.parameters.map((_, c) => input.getColumnVector(c));
          for (let row = 0; row < input.rowCount; row++) {
            const args = columns.map((v) => plain(v.getItem(row)));
            output.setItem(row, toDuckDB(ret, fn.fn(...args)));
          }
          output.flush();
        },
      }),
    );
  }

  /** @internal */
  close(): void {
    this.#connection.closeSync();
  }

  private checkFault(sql: string): void {
    const err = this.fault?.(sql);
    if (err) throw err;
  }
}

/** A scalar SQL function implemented in TypeScript (called once per row; NULL arguments arrive as null). */
export interface ScalarFunction {
  name: string;
  parameters: readonly ColumnType[];
  returns: ColumnType;
  fn: (...args: unknown[]) => unknown;
}

/** Connections lent one at a time; callers wait when all are busy. */
export class ConnectionPool {
  private readonly idle: Session[] = [];
  private readonly all: Session[] = [];
  private readonly waiting: ((s: Session) => void)[] = [];
  private opened = 0;
  private closed = false;

  constructor(
    private readonly connect: () => Promise<Session>,
    private readonly size: number,
  ) {}

  /** Lend a session to fn for as long as it runs. */
  async use<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    const session = await this.take();
    try {
      return await fn(session);
    } finally {
      this.give(session);
    }
  }

  /** @internal take/give for streams that outlive a callback */
  async take(): Promise<Session> {
    if (this.closed) throw new Error('database is closed');
    const free = this.idle.pop();
    if (free) return free;
    if (this.opened < this.size) {
      this.opened++; // counted before the await, so concurrent callers never open more than `size`
      try {
        const s = await this.connect();
        this.all.push(s);
        return s;
      } catch (err) {
        this.opened--;
        throw err;
      }
    }
    return new Promise<Session>((resolve) => this.waiting.push(resolve));
  }

  /** @internal */
  give(session: Session): void {
    const next = this.waiting.shift();
    if (next) next(session);
    else if (this.closed) session.close();
    else this.idle.push(session);
  }

  /** @internal (Database.injectFault) */
  setFault(fault: Session['fault']): void {
    for (const s of this.all) s.fault = fault;
  }

  close(): void {
    this.closed = true;
    for (const s of this.idle.splice(0)) s.close();
  }
}

export interface PoolOptions {
  /** connections at most (default 2) */
  size?: number;
}

export interface OpenOptions {
  readOnly?: boolean;
  /** instance-wide DuckDB settings given at creation, e.g. { threads: '2', memory_limit: '1GB' } */
  settings?: Record<string, string>;
  readers?: number;
  /**
   * Lock the instance down at open (default for database files): no file
   * access outside these directories (default: the database file's directory,
   * i.e. $DATA_DIR), no extension install/autoload, configuration locked.
   * Auditors' SQL runs on this same instance, and DuckDB settings are
   * instance-wide, so this is what keeps read_csv('/etc/passwd') out. Once
   * locked, no connection can change a setting (not even SET SESSION):
   * limits go in `settings`.
   * `false` leaves the instance open (only for tools that must read elsewhere).
   */
  harden?: boolean | { allowedDirectories: string[] };
}

/** The instance-wide hardening statements (order matters: directories before access is cut, lock last). */
export function hardeningStatements(allowedDirectories: string[]): string[] {
  const list = allowedDirectories.map((d) => `'${path.resolve(d).replace(/'/g, "''")}'`).join(', ');
  return [
    `SET allowed_directories = [${list}]`,
    'SET enable_external_access = false',
    'SET autoinstall_known_extensions = false',
    'SET autoload_known_extensions = false',
    'SET lock_configuration = true',
  ];
}

export class Database {
  private readonly writeLock = new Mutex();
  private readonly readers: ConnectionPool;
  /** connections held by streams (a catch-up of millions of rows must not hold a reader) */
  private readonly streams: ConnectionPool;
  private readonly pools = new Map<string, ConnectionPool>();
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly instance: DuckDBInstance,
    private readonly writer: Session,
    readers: number,
  ) {
    this.readers = new ConnectionPool(() => this.connect(), readers);
    this.streams = new ConnectionPool(() => this.connect(), 4);
  }

  static async open(file: string, options: OpenOptions = {}): Promise<Database> {
    const memory = file === ':memory:';
    if (!memory) fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const settings: Record<string, string> = { ...(options.settings ?? {}) };
    if (options.readOnly) settings.access_mode = 'READ_ONLY';
    let instance: DuckDBInstance;
    try {
      instance = memory ? await DuckDBInstance.create(':memory:', settings) : await DuckDBInstance.fromCache(file, settings);
    } catch (err) {
      if (/lock/i.test((err as Error).message)) throw new DatabaseLockedError(file, err);
      throw err;
    }
    const writer = new Session(await instance.connect());
    const harden = options.harden ?? !memory;
    if (harden) {
      // fromCache may hand back an instance this process already hardened: a locked configuration cannot be set twice.
      const locked = await writer.one<{ v: boolean }>("SELECT current_setting('lock_configuration') AS v");
      if (!locked?.v) {
        const dirs = harden === true ? [path.dirname(path.resolve(file))] : harden.allowedDirectories;
        for (const sql of hardeningStatements(dirs)) await writer.run(sql);
      }
    }
    return new Database(file, instance, writer, options.readers ?? 3);
  }

  private async connect(): Promise<Session> {
    if (this.closed) throw new Error('database is closed');
    const s = new Session(await this.instance.connect());
    s.fault = this.writer.fault;
    return s;
  }

  /** A read query on a pooled connection; rows as plain objects. */
  all<T = Row>(sql: string, params?: Params): Promise<T[]> {
    return this.readers.use((s) => s.all<T>(sql, params));
  }

  async one<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  /**
   * A large result read chunk by chunk on a connection of its own (returned
   * when the loop ends or breaks). Sees what was committed when it started.
   */
  async *stream(sql: string, params?: Params): AsyncGenerator<Chunk> {
    const session = await this.streams.take();
    try {
      yield* session.stream(sql, params);
    } finally {
      this.streams.give(session);
    }
  }

  /**
   * A feature's own connections (the SQL sandbox: its statements, timeouts
   * and read-only transactions never touch the reader pool). One pool per
   * name; `size` is read the first time.
   */
  pool(name: string, options: PoolOptions = {}): ConnectionPool {
    let p = this.pools.get(name);
    if (!p) this.pools.set(name, (p = new ConnectionPool(() => this.connect(), options.size ?? 2)));
    return p;
  }

  /** A single write statement (auto-commit), serialised with other writes. Returns rows changed. */
  run(sql: string, params?: Params): Promise<number> {
    return this.writeLock.lock(() => this.writer.run(sql, params));
  }

  /** Several writes that commit together or not at all. */
  transaction<T>(fn: (tx: Session) => Promise<T>): Promise<T> {
    return this.writeLock.lock(async () => {
      await this.writer.run('BEGIN TRANSACTION');
      try {
        const result = await fn(this.writer);
        await this.writer.run('COMMIT');
        return result;
      } catch (err) {
        await this.rollback();
        throw err;
      }
    });
  }

  private async rollback(): Promise<void> {
    const fault = this.writer.fault;
    this.writer.fault = null; // an injected fault must not also block the rollback
    try {
      await this.writer.run('ROLLBACK');
    } catch {
      // nothing was open (BEGIN failed) or the connection is gone
    } finally {
      this.writer.fault = fault;
    }
  }

  /** Apply idempotent DDL (CREATE … IF NOT EXISTS) for a feature's tables. */
  async ensureSchema(statements: readonly string[]): Promise<void> {
    await this.writeLock.lock(async () => {
      for (const sql of statements) await this.writer.run(sql);
    });
  }

  /** CREATE TABLE IF NOT EXISTS for each layout (plus its constraints). */
  ensureTables(layouts: readonly TableLayout[]): Promise<void> {
    return this.ensureSchema(layouts.map(createTableSql));
  }

  /** Register a scalar SQL function on the instance (every connection sees it); a name already there is left alone. */
  registerFunction(fn: ScalarFunction): Promise<void> {
    return this.writeLock.lock(async () => {
      const exists = await this.writer.one<{ n: number }>('SELECT count(*) AS n FROM duckdb_functions() WHERE function_name = ?', [fn.name]);
      if (Number(exists?.n ?? 0) > 0) return;
      this.writer.registerFunction(fn);
    });
  }

  /**
   * Test hook (never driven by the environment): `fault(sql)` is consulted
   * before every statement and insert on every connection of this Database;
   * an Error it returns is thrown as if DuckDB had failed (e.g. "No space left
   * on device"). null removes it.
   */
  injectFault(fault: ((sql: string) => Error | null) | null): void {
    this.writer.fault = fault;
    for (const p of [this.readers, this.streams, ...this.pools.values()]) p.setFault(fault);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.writeLock.lock(async () => {
      this.closed = true;
      this.writer.fault = null;
      await this.writer.run('CHECKPOINT').catch(() => undefined);
      this.writer.close();
      for (const p of [this.readers, this.streams, ...this.pools.values()]) p.close();
      this.instance.closeSync();
    });
  }
}
