// The SQL sandbox: auditors' SQL (notebook cells, POST /api/sql) runs here.
// Layers, outermost first:
//   1. the DuckDB instance itself is hardened at open (core/db.ts): no file
//      access outside $DATA_DIR, no extension install/autoload, settings locked;
//   2. exactly one statement, and its prepared type must be SELECT or EXPLAIN;
//   3. its syntax tree (json_serialize_sql) is walked: table functions come
//      from an allowlist, scalar functions that touch env/settings/sequences
//      are refused, file paths as table names are refused, read_parquet only
//      reads *.parquet under $DATA_DIR (never the tokens that live there);
//   4. it runs inside a READ ONLY transaction that is always rolled back, on
//      the sandbox's own connections (db.pool('sql-sandbox')), with a
//      statement timeout (session.interrupt()) and a row cap;
//   5. parameters are bound as real SQL parameters ($name), never pasted in.
import path from 'node:path';
import { chunkRows, type ConnectionPool, type Database, type Prepared, type Session } from '../../core/db.ts';
import { InputError } from '../../core/errors.ts';
import { logger } from '../../core/log.ts';
import { prepareKorean, registerKoreanFunctions } from './korean.ts';
import { resultRow } from './values.ts';

const log = logger('audit.sql');

/** A refused or failed statement (an input error: 400, 408 when it ran past the timeout, 413 when its result is too large). */
export class SqlError extends InputError {
  constructor(message: string, status: 400 | 408 | 413 | 422 = 400, code = status === 408 ? 'sql_timeout' : status === 413 ? 'sql_result_too_large' : status === 422 ? 'sql_out_of_memory' : 'bad_sql') {
    super(code, message, { status });
    this.name = 'SqlError';
  }
}

export interface SandboxOptions {
  dataDir: string;
  /** statement timeout (default 15 s) */
  timeoutMs?: number;
  /** rows returned at most (default 10 000); CSV export streams without it */
  rowCap?: number;
  /** most bytes (roughly, as JSON) one answer may hold (default 32 MiB); CSV export streams without it */
  maxResultBytes?: number;
  /** sandbox connections (default 2) */
  connections?: number;
  /** TZ_REPORTS: the zone naive TIMESTAMPs are wall times of, and the offset instants are written with (default Asia/Seoul; audit/sql/values.ts) */
  tz?: string;
}

export interface SqlResult {
  columns: string[];
  /** DuckDB type names, e.g. VARCHAR, BIGINT, TIMESTAMP WITH TIME ZONE */
  types: string[];
  rows: unknown[][];
  /** true when the row cap cut the result */
  truncated: boolean;
}

export type SqlParams = Record<string, unknown> | readonly unknown[];

/** Table functions auditors may call (anything else — read_csv, read_text, glob, query… — is refused). */
const TABLE_FUNCTIONS = new Set([
  'range',
  'generate_series',
  'unnest',
  'read_parquet',
  'parquet_scan',
  'json_each',
  'json_tree',
  'duckdb_tables',
  'duckdb_columns',
  'duckdb_views',
  'duckdb_schemas',
  'duckdb_types',
  'duckdb_constraints',
  'duckdb_indexes',
  'pragma_table_info',
  'pragma_show',
  'pragma_version',
  'pragma_database_size',
]);

/** Scalar functions with effects outside the query, or that read environment or settings. */
const SCALAR_DENY = new Set([
  'getenv',
  'current_setting',
  'nextval',
  'currval',
  'setseed',
  'read_text',
  'read_blob',
  'sniff_csv',
  'query',
  'query_table',
  'glob',
  'file_exists',
  'make_secret',
  'which_secret',
  'system',
]);

const FILE_LIKE = /[/\\]|\.(csv|tsv|parquet|json|jsonl|ndjson|txt|gz|zst|duckdb|db|sqlite|xlsx)$/i;

interface Walked {
  tableFunctions: { name: string; args: unknown[] }[];
  functions: string[];
  tables: string[];
}

function walk(node: unknown, out: Walked): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, out);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (o.type === 'TABLE_FUNCTION' && o.function && typeof o.function === 'object') {
    const f = o.function as Record<string, unknown>;
    out.tableFunctions.push({ name: String(f.function_name ?? '').toLowerCase(), args: (f.children as unknown[]) ?? [] });
    for (const child of (f.children as unknown[]) ?? []) walk(child, out);
    for (const [k, v] of Object.entries(o)) if (k !== 'function') walk(v, out);
    return;
  }
  if (o.class === 'FUNCTION' && typeof o.function_name === 'string') out.functions.push(o.function_name.toLowerCase());
  if (o.type === 'BASE_TABLE' && typeof o.table_name === 'string') out.tables.push(o.table_name);
  for (const v of Object.values(o)) walk(v, out);
}

/** Constant string arguments of a table function call (a path or a list of paths). */
function constantStrings(arg: unknown): string[] | null {
  const a = arg as Record<string, unknown> | undefined;
  if (!a) return null;
  if (a.class === 'CONSTANT') {
    const v = (a.value as { value?: unknown; type?: { id?: string } }) ?? {};
    if (typeof v.value === 'string') return [v.value];
    if (Array.isArray(v.value)) {
      const all = v.value.map((x) => (x && typeof x === 'object' ? (x as { value?: unknown }).value : x));
      return all.every((x) => typeof x === 'string') ? (all as string[]) : null;
    }
    return null;
  }
  if (a.class === 'FUNCTION' && (a.function_name === 'list_value' || a.function_name === 'list_pack')) {
    const parts = ((a.children as unknown[]) ?? []).map(constantStrings);
    return parts.every(Boolean) ? parts.flat() as string[] : null;
  }
  return null;
}

export class SqlSandbox {
  private pool!: ConnectionPool;
  private readonly dataDir: string;
  readonly timeoutMs: number;
  readonly rowCap: number;
  readonly maxResultBytes: number;
  readonly tz: string;

  private constructor(opts: SandboxOptions) {
    this.dataDir = path.resolve(opts.dataDir);
    this.tz = opts.tz ?? 'Asia/Seoul';
    this.timeoutMs = opts.timeoutMs ?? 15000;
    this.rowCap = opts.rowCap ?? 10000;
    this.maxResultBytes = opts.maxResultBytes ?? 32 * 1024 * 1024;
  }

  static async open(db: Database, opts: SandboxOptions): Promise<SqlSandbox> {
    const box = new SqlSandbox(opts);
    // every sandbox on this database shares one pool: auditors' statements never take the readers ingest and the API use
    box.pool = db.pool('sql-sandbox', { size: opts.connections ?? 2 });
    await registerKoreanFunctions(db).catch((err) => log.warn({ err }, 'Korean SQL functions not registered'));
    return box;
  }

  /** The connections belong to the database's pool and close with it. */
  close(): void {}

  private withConnection<T>(fn: (c: Session) => Promise<T>): Promise<T> {
    return this.pool.use(fn);
  }

  /** Why this statement may not run, or null. Runs on `conn` (parsing only). */
  private async refusal(conn: Session, sql: string, type: string): Promise<string | null> {
    if (type !== 'SELECT' && type !== 'EXPLAIN') {
      return `only SELECT (and EXPLAIN) statements may run here; this is a ${type} statement`;
    }
    let body = sql;
    if (type === 'EXPLAIN') body = sql.replace(/^\s*explain\s+(analy[sz]e\s+)?/i, '');
    const ast = await this.serialize(conn, body);
    if (!ast) {
      // DESCRIBE/SHOW/SUMMARIZE/PRAGMA table_info parse as SELECT but do not serialise
      const m = /^\s*(describe|show|summarize)\s+(select\b[\s\S]*|from\b[\s\S]*|with\b[\s\S]*)$/i.exec(body);
      if (m) return this.refusal(conn, m[2], 'SELECT');
      if (/^\s*(describe|show|summarize)\s+("?[\p{L}\p{N}_]+"?(\."?[\p{L}\p{N}_]+"?)?|tables|all\s+tables)?\s*;?\s*$/iu.test(body)) return null;
      if (/^\s*pragma\s+(table_info|show|version|database_size|show_tables|storage_info)\b/i.test(body)) return null;
      return 'this statement form is not allowed in the sandbox (use SELECT)';
    }
    const seen: Walked = { tableFunctions: [], functions: [], tables: [] };
    walk(ast, seen);
    for (const t of seen.tables) {
      if (FILE_LIKE.test(t)) return `reading files by path ("${t}") is not allowed; query the tables, or read_parquet('<DATA_DIR>/parquet/…')`;
    }
    for (const f of seen.functions) {
      if (SCALAR_DENY.has(f)) return `function ${f}() is not allowed in the sandbox (it reads the environment, settings or files, or changes state)`;
    }
    for (const tf of seen.tableFunctions) {
      if (!TABLE_FUNCTIONS.has(tf.name)) return `table function ${tf.name}() is not allowed in the sandbox (only ${[...TABLE_FUNCTIONS].slice(0, 4).join(', ')}, … may be used)`;
      if (tf.name === 'read_parquet' || tf.name === 'parquet_scan') {
        const paths = constantStrings(tf.args[0]);
        if (!paths) return `${tf.name}() needs a constant path (or list of paths) under the data directory`;
        for (const p of paths) {
          const resolved = path.resolve(this.dataDir, p);
          if (p.split(/[/\\]/).includes('..') || !resolved.startsWith(this.dataDir + path.sep) || !/\.parquet$/i.test(resolved)) {
            return `${tf.name}('${p}') is refused: only *.parquet files under the data directory may be read`;
          }
        }
      }
    }
    return null;
  }

  private async serialize(conn: Session, sql: string): Promise<unknown | null> {
    const text = (await conn.one<{ ast: unknown }>('SELECT json_serialize_sql($1::VARCHAR) AS ast', [sql]))?.ast;
    if (typeof text !== 'string') return null;
    const parsed = JSON.parse(text) as { error?: boolean };
    return parsed.error ? null : parsed;
  }

  /** Check, prepare and bind one statement; `fn` runs it inside a read-only transaction. */
  private async guarded<T>(sql: string, params: SqlParams | undefined, fn: (p: Prepared, conn: Session) => Promise<T>): Promise<T> {
    if (typeof sql !== 'string' || !sql.trim()) throw new SqlError('sql must be a non-empty string');
    if (sql.length > 100_000) throw new SqlError('sql is too long (over 100 000 characters)');
    const lead = leadingKeyword(sql);
    if (lead && !READ_KEYWORDS.has(lead)) throw new SqlError(`refused: only SELECT (and EXPLAIN) statements may run here; this is a ${lead.toUpperCase()} statement`);
    return this.withConnection(async (conn) => {
      let prepared: Prepared;
      try {
        const extracted = await conn.statements(sql);
        if (extracted.count === 0) throw new SqlError('sql holds no statement');
        if (extracted.count > 1) throw new SqlError(`only one statement per request is allowed; this text holds ${extracted.count}`);
        // the syntax tree is checked before DuckDB binds anything (binding already opens files)
        const why = await this.refusal(conn, sql, lead === 'explain' ? 'EXPLAIN' : 'SELECT');
        if (why) {
          log.warn({ reason: why }, 'sandbox refused a statement');
          throw new SqlError(`refused: ${why}`);
        }
        await prepareKorean(sql);
        prepared = await extracted.prepare(0);
      } catch (err) {
        if (err instanceof SqlError) throw err;
        throw new SqlError(cleanMessage(err));
      }
      try {
        // the prepared statement's own type is the authority (the keyword and tree checks are early outs)
        const type = prepared.statementType;
        if (type !== 'SELECT' && type !== 'EXPLAIN') {
          throw new SqlError(`refused: only SELECT (and EXPLAIN) statements may run here; this is a ${type} statement`);
        }
        bindParams(prepared, params);
        await conn.run('BEGIN TRANSACTION READ ONLY');
        const timer = setTimeout(() => conn.interrupt(), this.timeoutMs);
        try {
          return await fn(prepared, conn);
        } catch (err) {
          if (err instanceof SqlError) throw err;
          const msg = cleanMessage(err);
          if (/interrupt/i.test(msg)) throw new SqlError(`the statement ran longer than ${this.timeoutMs} ms and was stopped`, 408);
          // DuckDB's memory_limit / max_temp_directory_size (KCHAT_DUCKDB_MEMORY, KCHAT_DUCKDB_TEMP_MAX) are the sandbox's memory bound
          if (/out of memory|max_temp_directory_size|failed to offload/i.test(msg)) {
            throw new SqlError(`이 문장은 허용된 메모리보다 많이 필요해 중단했습니다 (${msg}). 조건이나 LIMIT으로 줄여 주세요`, 422);
          }
          throw new SqlError(msg);
        } finally {
          clearTimeout(timer);
          await conn.run('ROLLBACK').catch(() => undefined);
        }
      } finally {
        prepared.destroy();
      }
    });
  }

  /** Run one statement; at most `rowCap` rows come back. */
  query(sql: string, params?: SqlParams, rowCap = this.rowCap): Promise<SqlResult> {
    return this.guarded(sql, params, async (prepared) => {
      const result = await prepared.stream();
      const columns = [...result.names];
      const types = [...result.types];
      const rows: unknown[][] = [];
      let truncated = false;
      let bytes = 0;
      for await (const chunk of result) {
        for (const row of chunkRows(chunk)) {
          if (rows.length >= rowCap) {
            truncated = true;
            break;
          }
          const converted = resultRow(row, types, this.tz);
          // the answer is held in memory and sent as one JSON document: bound it, whatever the row count
          bytes += approxJsonBytes(converted);
          if (bytes > this.maxResultBytes) {
            throw new SqlError(`결과가 ${Math.round(this.maxResultBytes / 1048576)} MiB를 넘습니다 (${rows.length}행까지 읽음). 열이나 행을 줄이거나 CSV로 내려받으세요`, 413);
          }
          rows.push(converted);
        }
        if (truncated) break;
      }
      return { columns, types, rows, truncated };
    });
  }

  /** Run one statement and hand its rows over in batches, without a row cap (CSV download). */
  stream(sql: string, params: SqlParams | undefined, onColumns: (columns: string[]) => Promise<void> | void, onRows: (rows: unknown[][]) => Promise<void> | void): Promise<number> {
    return this.guarded(sql, params, async (prepared) => {
      const result = await prepared.stream();
      const types = result.types;
      await onColumns([...result.names]);
      let n = 0;
      for await (const chunk of result) {
        await onRows(chunkRows(chunk).map((r) => resultRow(r, types, this.tz)));
        n += chunk.rowCount;
      }
      return n;
    });
  }
}

/** Statements may start with these; anything else (COPY, ATTACH, SET, INSTALL…) is refused before DuckDB even binds it. */
const READ_KEYWORDS = new Set(['select', 'with', 'from', 'explain', 'describe', 'show', 'summarize', 'pragma', 'values', 'table', '(']);

function leadingKeyword(sql: string): string | null {
  const s = sql.replace(/^(\s+|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*/, '');
  const m = /^(\(|[A-Za-z_]+)/.exec(s);
  return m ? m[1].toLowerCase() : null;
}

/** A cheap upper estimate of a row's JSON size (strings count 3 bytes a character). */
function approxJsonBytes(row: unknown[]): number {
  let n = 2;
  for (const v of row) n += typeof v === 'string' ? v.length * 3 + 3 : v !== null && typeof v === 'object' ? JSON.stringify(v).length + 1 : 24;
  return n;
}

function cleanMessage(err: unknown): string {
  return String((err as Error)?.message ?? err)
    .split('\n')[0]
    .slice(0, 500);
}

/** Bind parameters by name ($name) or position ($1/?); values a statement does not use are ignored. */
function bindParams(prepared: Prepared, params: SqlParams | undefined): void {
  const count = prepared.parameterCount;
  if (count === 0) return;
  if (!params) throw new SqlError(`the statement needs ${count} parameter(s) but none were given`);
  for (let i = 1; i <= count; i++) {
    const name = prepared.parameterName(i);
    let value: unknown;
    if (Array.isArray(params)) {
      const idx = /^\d+$/.test(name) ? Number(name) - 1 : i - 1;
      if (idx >= params.length) throw new SqlError(`parameter $${name} has no value`);
      value = params[idx];
    } else {
      const record = params as Record<string, unknown>;
      if (!Object.hasOwn(record, name)) throw new SqlError(`parameter $${name} has no value`);
      value = record[name];
    }
    const bindable = value === null || value === undefined || Array.isArray(value) || ['number', 'boolean', 'string'].includes(typeof value);
    if (!bindable || !prepared.bind(i, value)) throw new SqlError(`parameter $${name} must be a string, number, boolean or list`);
  }
}
