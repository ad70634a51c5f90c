// The one DuckDB access layer: no other file imports the DuckDB client.
// One process owns the database file (DuckDB allows a single writer process);
// inside it, writes are serialised on one connection and reads use a small
// pool, so a long audit query never blocks ingest and a transaction never
// interleaves with another caller's statements. A lane (the audit log) is a
// second writer for small writes a request waits for.
//
//   db.all / db.one                 a read on the reader pool, rows as objects
//   db.run / db.transaction(tx => …) writes, serialised on the writer connection
//   db.lane(name).run(sql)           small writes on a writer of their own (the audit log): not queued behind the above
//   tx.insert(layout, rows)          typed bulk insert (INSERTs off the event loop, or the appender for big batches)
//   db.stream(sql) → chunks          a large result read chunk by chunk on a connection of its own
//   db.pool(name, {size})            connections lent to one feature (the SQL sandbox) for its own statements
//   db.registerFunction({...})       a scalar SQL function (ko_tokens)
//
// Values come back one way (core/db-values.ts): safe bigints as numbers,
// timestamps and dates as Date.
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createTableSql, type TableLayout } from './db-layout.ts';
import { ConnectionPool, Session, type Chunk, type Params, type Row, type ScalarFunction } from './db-session.ts';
import { logger } from './log.ts';

const log = logger('db');

/**
 * DuckDB could not pin a page in its buffer pool (KCHAT_DUCKDB_MEMORY) because
 * pages other transactions hold pinned filled it: the statement was rolled back,
 * and the same statement succeeds once those commit.
 */
export function isOutOfMemory(err: unknown): boolean {
  return /Out of Memory Error|failed to pin block|could not allocate block/i.test(err instanceof Error ? err.message : String(err));
}

export { defineTable, createTableSql, columnIndex, type TableLayout, type LayoutRow } from './db-layout.ts';
export type { ColumnType, Instant } from './db-values.ts';
export { ConnectionPool, Prepared, Session, chunkRows, SMALL_BATCH_ROWS, type Chunk, type InsertOptions, type Params, type ResultStream, type Row, type ScalarFunction } from './db-session.ts';

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

/**
 * A second writer, with its own connection and its own queue, for small
 * writes a person waits for that must not queue behind the main writer's
 * transactions: an audited request waits for its audit_log row, while ingest
 * stores a bulk or the topic count merges a window for seconds. DuckDB runs
 * the transactions of its connections side by side and serialises only their
 * commits, so a lane's write waits at most for a commit in progress (during a
 * 2M-message import, GET /api/search took 134–229 ms at the median this way,
 * 1,043–1,591 ms queued on the one writer: a one-off measurement, docs/audit.md). A lane owns its tables: rows
 * written by two writers would conflict at the later commit.
 */
/** DuckDB's buffer pool by what holds it (MiB; duckdb_memory()), or the error that reading it gave. */
async function poolUsage(session: Session): Promise<Record<string, number> | string> {
  try {
    const rows = await session.all<{ tag: string; mib: number }>('SELECT tag, round(memory_usage_bytes / 2^20, 1) AS mib FROM duckdb_memory() WHERE memory_usage_bytes > 0');
    return Object.fromEntries(rows.map((r) => [r.tag, Number(r.mib)]));
  } catch (err) {
    return (err as Error).message;
  }
}

/** a write lane's waits before trying a statement again that DuckDB refused for want of buffer memory: ~6 s in all */
const OUT_OF_MEMORY_RETRY_MS = [50, 100, 200, 400, 800, 1600, 3000];

export class WriteLane {
  private readonly lock = new Mutex();
  private session: Session | null = null;
  private closed = false;

  /**
   * `retryMs`: the waits before each new try of a statement DuckDB refused for
   * want of buffer memory ({@link isOutOfMemory}); the last refusal is thrown.
   */
  constructor(
    private readonly connect: () => Promise<Session>,
    readonly name: string,
    private readonly retryMs: readonly number[] = OUT_OF_MEMORY_RETRY_MS,
  ) {}

  /**
   * One auto-commit write statement on this lane; rows changed. Running beside
   * the main writer's transactions, a lane's commit can find the buffer pool
   * full of their pinned pages (a 10M-message topic count did so once in the
   * search benchmark: the audit row was refused, so was the search): such a
   * statement was rolled back whole, and is tried again when they may have
   * committed, for a few seconds at most.
   */
  run(sql: string, params?: Params): Promise<number> {
    return this.lock.lock(async () => {
      for (let attempt = 0; ; attempt++) {
        if (this.closed) throw new Error('database is closed');
        this.session ??= await this.connect();
        try {
          return await this.session.run(sql, params);
        } catch (err) {
          if (!isOutOfMemory(err) || attempt >= this.retryMs.length) throw err;
          // what holds the pool, once per statement (the log is where a too small KCHAT_DUCKDB_MEMORY shows)
          const pool = attempt === 0 ? await poolUsage(this.session) : undefined;
          log.warn({ lane: this.name, attempt: attempt + 1, waitMs: this.retryMs[attempt], err: (err as Error).message, pool }, 'DuckDB had no buffer memory for a write lane: trying again');
          await new Promise((r) => setTimeout(r, this.retryMs[attempt]));
        }
      }
    });
  }

  /** Resolves once the writes queued on this lane so far are done (a reader in this process sees them). */
  settled(): Promise<void> {
    return this.lock.lock(async () => undefined);
  }

  /** @internal (Database.injectFault; a session opened later copies the writer's fault) */
  setFault(fault: Session['fault']): void {
    if (this.session) this.session.fault = fault;
  }

  /** @internal (Database.close): after the writes queued on it */
  close(): Promise<void> {
    return this.lock.lock(async () => {
      this.closed = true;
      this.session?.close();
      this.session = null;
    });
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
   * The instance's TimeZone (TZ_REPORTS): what ts::TIMESTAMP, ts::DATE and
   * hour(ts) mean in SQL, so a naive timestamp is always a wall time in this
   * zone (audit/sql/values.ts writes it with this zone's offset). Unset: the
   * machine's zone.
   */
  timeZone?: string;
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
  private readonly lanes = new Map<string, WriteLane>();
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
    // fromCache may hand back an instance this process already set up: a locked configuration cannot be set twice.
    const locked = (await writer.one<{ v: boolean }>("SELECT current_setting('lock_configuration') AS v"))?.v;
    // GLOBAL: every connection made from now on (readers, the sandbox's) has it; cannot be given at creation (ICU loads later)
    if (options.timeZone && !locked) await writer.run(`SET GLOBAL TimeZone = '${options.timeZone.replace(/'/g, "''")}'`);
    if (harden) {
      if (!locked) {
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

  /** The write lane called `name` (made on first use, with `options`; see WriteLane). */
  lane(name: string, options: { retryMs?: readonly number[] } = {}): WriteLane {
    let l = this.lanes.get(name);
    if (!l) this.lanes.set(name, (l = new WriteLane(() => this.connect(), name, options.retryMs)));
    return l;
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
    for (const l of this.lanes.values()) l.setFault(fault);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.lanes.values()].map((l) => l.close()));
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
