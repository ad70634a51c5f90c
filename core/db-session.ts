// Statements on one DuckDB connection (core/db.ts hands them out): reads,
// streamed results, typed bulk inserts, prepared statements, scalar
// functions, and the pool that lends sessions. Only core/ imports this.
import { DuckDBScalarFunction, StatementType, type DuckDBConnection, type DuckDBPreparedStatement, type DuckDBValue } from '@duckdb/node-api';
import { Turns } from './turns.ts';
import { appenderFor, chunkColumns, duckType, inferred, plain, toDuckDB, type ColumnType } from './db-values.ts';
import type { TableLayout } from './db-layout.ts';

export type Params = readonly unknown[] | Record<string, unknown>;
export type Row = Record<string, unknown>;

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
   * was declared once with defineTable(). Each row is an array in layout order;
   * `rows` an array of them, or any iterable (a generator: rows made as they are appended).
   */
  async insert(layout: TableLayout, rows: readonly (readonly unknown[])[] | Iterable<readonly unknown[]>, options: InsertOptions = {}): Promise<void> {
    const list = Array.isArray(rows) ? (rows as readonly (readonly unknown[])[]) : null;
    if (list?.length === 0) return;
    const via = options.via ?? (list && list.length <= SMALL_BATCH_ROWS ? 'insert' : 'appender');
    this.checkFault(`INSERT INTO ${layout.table}`);
    if (via === 'insert') return this.insertStatements(layout, list ?? [...rows]);
    const a = await this.#connection.createAppender(layout.table);
    try {
      const put = layout.columns.map((c) => appenderFor(c.type));
      if (a.columnCount !== put.length) throw new Error(`table ${layout.table} has ${a.columnCount} columns, its layout declares ${put.length} (${layout.columns.map((c) => c.name).join(', ')})`);
      const n = put.length;
      // the appender runs on this thread: in turns, so a bulk of 100,000 rows does not hold the event loop
      const turns = new Turns();
      let i = 0;
      for (const row of rows) {
        for (let c = 0; c < n; c++) put[c](a, row[c]);
        a.endRow();
        if ((++i & 255) === 0 && turns.due) await turns.pause();
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
