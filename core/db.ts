// The one DuckDB access layer. One process owns the database file (DuckDB
// allows a single writer process); inside it, writes are serialised on one
// connection and reads use a small pool, so a long audit query never blocks
// ingest and a transaction never interleaves with another caller's statements.
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBConnection, DuckDBInstance, type DuckDBAppender, type DuckDBValue } from '@duckdb/node-api';

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

/** bigint → number where safe, so COUNT(*) and friends read as plain numbers. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    const out: Row = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
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

/** Statements on one connection: what a transaction callback receives. */
export class Session {
  constructor(readonly connection: DuckDBConnection) {}

  async run(sql: string, params?: Params): Promise<number> {
    const result = await this.connection.run(sql, bind(params));
    return Number(result.rowsChanged ?? 0);
  }

  async all<T = Row>(sql: string, params?: Params): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, bind(params));
    return reader.getRowObjectsJS().map((r) => plain(r) as T);
  }

  async one<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  /** DuckDB's appender: the fast path for bulk inserts (call closeSync()/flushSync() when done). */
  appender(table: string): Promise<DuckDBAppender> {
    return this.connection.createAppender(table);
  }
}

export interface OpenOptions {
  readOnly?: boolean;
  /** extra DuckDB settings, e.g. { threads: '2' } */
  settings?: Record<string, string>;
  readers?: number;
  /**
   * Lock the instance down at open (default for database files): no file
   * access outside these directories (default: the database file's directory,
   * i.e. $DATA_DIR), no extension install/autoload, configuration locked.
   * Auditors' SQL runs on this same instance, and DuckDB settings are
   * instance-wide, so this is what keeps read_csv('/etc/passwd') out.
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
  private readonly idle: Session[] = [];
  private readonly waiting: ((s: Session) => void)[] = [];
  private closed = false;

  private constructor(
    readonly file: string,
    readonly instance: DuckDBInstance,
    private readonly writer: Session,
    readers: Session[],
  ) {
    this.idle.push(...readers);
  }

  static async open(file: string, options: OpenOptions = {}): Promise<Database> {
    const memory = file === ':memory:';
    if (!memory) fs.mkdirSync(path.dirname(file), { recursive: true });
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
    const readers: Session[] = [];
    for (let i = 0; i < (options.readers ?? 3); i++) readers.push(new Session(await instance.connect()));
    return new Database(file, instance, writer, readers);
  }

  private async withReader<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('database is closed');
    const session = this.idle.pop() ?? (await new Promise<Session>((resolve) => this.waiting.push(resolve)));
    try {
      return await fn(session);
    } finally {
      const next = this.waiting.shift();
      if (next) next(session);
      else this.idle.push(session);
    }
  }

  /** A read query on a pooled connection; rows as plain objects. */
  all<T = Row>(sql: string, params?: Params): Promise<T[]> {
    return this.withReader((s) => s.all<T>(sql, params));
  }

  async one<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
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
        await this.writer.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  /** Apply idempotent DDL (CREATE … IF NOT EXISTS) for a feature's tables. */
  async ensureSchema(statements: readonly string[]): Promise<void> {
    await this.writeLock.lock(async () => {
      for (const sql of statements) await this.writer.run(sql);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.writeLock.lock(async () => {
      this.closed = true;
      await this.writer.run('CHECKPOINT').catch(() => undefined);
      this.writer.connection.closeSync();
      for (const s of this.idle) s.connection.closeSync();
      this.instance.closeSync();
    });
  }
}
