// Spooled bulk inserts: whoever has the rows (a worker thread) writes them as
// JSON lines to a file under the data directory; the writer inserts the whole
// file with one statement that DuckDB's own reader runs on its own threads.
// The thread that holds the database does no per-row work (no boxing, no
// binding), which keeps an ingest burst off the event loop that serves the
// websockets. This module never loads DuckDB, so worker threads can use it.
import fs from 'node:fs';
import type { TableLayout } from './db-layout.ts';
import type { ColumnType, Instant } from './db-values.ts';

/** How each column travels: JSON has no int64, blob or instant, so those go as exact strings. */
const JSON_TYPE: Record<ColumnType, string> = {
  VARCHAR: 'VARCHAR',
  JSON: 'VARCHAR',
  INTEGER: 'INTEGER',
  DOUBLE: 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  BIGINT: 'VARCHAR',
  TIMESTAMPTZ: 'VARCHAR',
  BLOB: 'VARCHAR',
  DATE: 'VARCHAR',
  'VARCHAR[]': 'VARCHAR[]',
};

function readBack(type: ColumnType, col: string): string {
  switch (type) {
    case 'JSON':
      return `CAST(${col} AS JSON)`;
    case 'BIGINT':
      return `CAST(${col} AS BIGINT)`;
    case 'TIMESTAMPTZ':
      return `make_timestamptz(CAST(${col} AS BIGINT))`;
    case 'BLOB':
      return `from_base64(${col})`;
    case 'DATE':
      return `CAST(${col} AS DATE)`;
    default:
      return col;
  }
}

/** µs since the epoch, exact: bigint µs as is, number ms, or a Date. */
function micros(v: Instant): string {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return (BigInt(v.getTime()) * 1000n).toString();
  return Number.isInteger(v) && Math.abs(v) < 9e12 ? String(v * 1000) : BigInt(Math.round(v * 1000)).toString();
}

function encode(type: ColumnType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    // well-formed: a lone surrogate becomes U+FFFD, as on the other write paths (DuckDB stores UTF-8)
    case 'VARCHAR':
      return String(v).toWellFormed();
    case 'JSON':
      return (typeof v === 'string' ? v : JSON.stringify(v)).toWellFormed();
    case 'INTEGER':
    case 'DOUBLE':
      return Number(v);
    case 'BOOLEAN':
      return Boolean(v);
    case 'BIGINT':
      return typeof v === 'bigint' ? v.toString() : String(Math.trunc(Number(v)));
    case 'TIMESTAMPTZ':
      return micros(v as Instant);
    case 'BLOB':
      return Buffer.from(v as Uint8Array).toString('base64');
    case 'DATE':
      return v instanceof Date ? v.toISOString().slice(0, 10) : String(v);
    case 'VARCHAR[]':
      return (v as unknown[]).map((x) => String(x).toWellFormed());
  }
}

function decode(type: ColumnType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'BIGINT':
    case 'TIMESTAMPTZ':
      return BigInt(v as string);
    case 'BLOB':
      return Buffer.from(v as string, 'base64');
    default:
      return v;
  }
}

/** What a spool writer buffers before it writes (one write per this much, not per row). */
const SPOOL_BUFFER = 1 << 20;

/** A file of rows for one table, written line by line (rows in layout order, as Session.insert takes them). */
export class SpoolWriter {
  private readonly fd: number;
  private buf = Buffer.allocUnsafe(SPOOL_BUFFER);
  private pos = 0;
  private closed = false;
  rows = 0;

  constructor(
    private readonly layout: TableLayout,
    readonly file: string,
  ) {
    this.fd = fs.openSync(file, 'w', 0o600);
  }

  add(row: readonly unknown[]): void {
    const o: Record<string, unknown> = {};
    const cols = this.layout.columns;
    for (let c = 0; c < cols.length; c++) o[`c${c}`] = encode(cols[c].type, row[c]);
    this.text(JSON.stringify(o) + '\n');
    this.rows++;
  }

  /**
   * A line of another shape (the caller's `SpoolShape`): `head`, the bytes of
   * one JSON value as they are, `tail`. The caller vouches that `body` is one
   * valid UTF-8 JSON value without a line break (e.g. a record's own bytes),
   * so nothing is parsed or encoded again here.
   */
  addBytes(head: string, body: Uint8Array, tail: string): void {
    this.text(head);
    this.room(body.length);
    if (body.length > this.buf.length) this.writeAll(body);
    else {
      this.buf.set(body, this.pos);
      this.pos += body.length;
    }
    this.text(tail + '\n');
    this.rows++;
  }

  private text(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit
    const most = s.length * 3;
    this.room(most);
    if (most > this.buf.length) this.writeAll(Buffer.from(s));
    else this.pos += this.buf.write(s, this.pos);
  }

  /** Make room for `n` more bytes: write what is buffered when they would not fit. */
  private room(n: number): void {
    if (this.pos + n > this.buf.length) this.flush();
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.writeAll(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  private writeAll(bytes: Uint8Array): void {
    // writeSync may write less than asked (a disk filling up): go on until all is written or it throws (ENOSPC)
    for (let done = 0; done < bytes.length; ) done += fs.writeSync(this.fd, bytes, done);
  }

  /** Write what is buffered and close; the file is complete when this returns (or it throws). */
  close(): void {
    this.flush();
    fs.closeSync(this.fd);
    this.closed = true;
  }

  /** After a failed write: close and remove the file (a half-written spool is never handed on). */
  discard(): void {
    if (!this.closed) fs.closeSync(this.fd);
    this.closed = true;
    fs.rmSync(this.file, { force: true });
  }
}

/**
 * A second line shape a spool file may mix with the layout's rows: its own
 * fields, how to tell its lines apart, and each column's value from its
 * fields, in SQL (for DuckDB's reader) and in JavaScript (for `readSpool`).
 */
export interface SpoolShape {
  /** field → read_json type */
  fields: Record<string, string>;
  /** SQL, true on lines of this shape (e.g. `r IS NOT NULL`) */
  when: string;
  /** column name → SQL expression over the fields */
  values: Record<string, string>;
  /** a parsed line of this shape → the row in layout order (instants as bigint µs), or undefined when it is not one */
  row(line: Record<string, unknown>): unknown[] | undefined;
}

/**
 * The rows of a spool file, in layout order (instants as bigint µs, blobs as
 * Buffers): for the rare statement DuckDB's reader refuses, so the caller can
 * store them the ordinary way and say which line was at fault.
 */
export function readSpool(layout: TableLayout, file: string, shape?: SpoolShape): unknown[][] {
  const cols = layout.columns;
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const o = JSON.parse(line) as Record<string, unknown>;
      if (shape && !('c0' in o)) {
        const row = shape.row(o);
        if (!row) throw new Error(`${file}: a line that is neither a row nor of the spool's other shape`);
        return row;
      }
      return cols.map((c, i) => decode(c.type, o[`c${i}`]));
    });
}

// The longest spool line read_json accepts: a row carries a Kafka record (≤ 1 MiB) in a few columns,
// JSON-escaped (quotes and backslashes double) — 16 MiB is far above that. DuckDB reads in buffers of
// twice this size from its memory limit, so 64 MiB here made each read take 128 MiB of a 256 MB pool.
const MAX_SPOOL_LINE = 16 << 20;

/** INSERT INTO the layout's table every row of the spool files, in file and line order (one statement); lines of `shape` too. */
export function spoolInsertSql(layout: TableLayout, files: readonly string[], shape?: SpoolShape): string {
  if (!files.length) throw new Error('spoolInsertSql: no files');
  const cols = layout.columns;
  const spec = [...cols.map((c, i) => `c${i}: '${JSON_TYPE[c.type]}'`), ...Object.entries(shape?.fields ?? {}).map(([f, t]) => `${f}: '${t.replace(/'/g, "''")}'`)].join(', ');
  const list = files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ');
  const value = (c: TableLayout['columns'][number], i: number) => {
    const row = readBack(c.type, `c${i}`);
    const other = shape?.values[c.name];
    return other ? `CASE WHEN ${shape!.when} THEN ${other} ELSE ${row} END` : row;
  };
  return (
    `INSERT INTO ${layout.table} (${cols.map((c) => `"${c.name}"`).join(', ')}) ` +
    `SELECT ${cols.map(value).join(', ')} ` +
    `FROM read_json([${list}], format = 'newline_delimited', columns = {${spec}}, maximum_object_size = ${MAX_SPOOL_LINE})`
  );
}
