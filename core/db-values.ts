// Values between JavaScript and DuckDB, in one place (used by core/db.ts
// only). Reading: every result value comes back the same way, whichever API
// read it (rows, streamed chunks, the sandbox's prepared statements):
//   BIGINT/HUGEINT → number when it is a safe integer, else its decimal string;
//   TIMESTAMP/TIMESTAMPTZ/DATE → Date (an instant; a DATE is its UTC midnight);
//   BLOB → Uint8Array; LIST → array; STRUCT → object; the rest as DuckDB's JS conversion gives them.
// Writing: a table layout names each column's type once, and `toDuckDB` turns
// a plain JS value into the DuckDB value of that type.
import {
  BIGINT,
  BLOB,
  BOOLEAN,
  DATE,
  DOUBLE,
  INTEGER,
  JSDuckDBValueConverter,
  LIST,
  TIMESTAMPTZ,
  VARCHAR,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  listValue,
  type DuckDBAppender,
  type DuckDBDataChunk,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';

/** Column types a feature can declare for typed inserts and scalar functions (JSON is stored from a string). */
export type ColumnType = 'VARCHAR' | 'JSON' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'BLOB' | 'TIMESTAMPTZ' | 'DATE' | 'VARCHAR[]';

/**
 * An instant for a TIMESTAMPTZ column: a bigint is microseconds since the
 * epoch, a number is milliseconds since the epoch, or a Date.
 */
export type Instant = bigint | number | Date;

/** bigint → number where safe, so COUNT(*) and friends read as plain numbers. */
export function plain(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

/** A chunk's columns as JS values (the one reading convention above), column-major. */
export function chunkColumns(chunk: DuckDBDataChunk): unknown[][] {
  const columns = chunk.convertColumns(JSDuckDBValueConverter) as unknown[][];
  for (const column of columns) {
    // only columns that hold bigints or nested values need a pass
    const sample = column.find((v) => v !== null && v !== undefined);
    if (typeof sample === 'bigint' || (typeof sample === 'object' && !(sample instanceof Date) && !(sample instanceof Uint8Array))) {
      for (let i = 0; i < column.length; i++) column[i] = plain(column[i]);
    }
  }
  return columns;
}

/** Microseconds since the epoch of an Instant. */
export function instantUs(v: Instant): bigint {
  if (typeof v === 'bigint') return v;
  if (v instanceof Date) return BigInt(v.getTime()) * 1000n;
  // ms below 9e12 (year 2255) × 1000 stays exact in a double
  return Number.isInteger(v) && Math.abs(v) < 9e12 ? BigInt(v * 1000) : BigInt(Math.round(v * 1000));
}

function dateDays(v: string | Date): number {
  if (v instanceof Date) return Math.floor(v.getTime() / 86_400_000);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) throw new TypeError(`not a date YYYY-MM-DD: "${v}"`);
  return Date.UTC(+m[1], +m[2] - 1, +m[3]) / 86_400_000;
}

export function duckType(t: ColumnType): DuckDBType {
  switch (t) {
    case 'VARCHAR':
    case 'JSON':
      return VARCHAR;
    case 'INTEGER':
      return INTEGER;
    case 'BIGINT':
      return BIGINT;
    case 'DOUBLE':
      return DOUBLE;
    case 'BOOLEAN':
      return BOOLEAN;
    case 'BLOB':
      return BLOB;
    case 'TIMESTAMPTZ':
      return TIMESTAMPTZ;
    case 'DATE':
      return DATE;
    case 'VARCHAR[]':
      return LIST(VARCHAR);
  }
}

/** A JS value as the DuckDB value of a column type (null/undefined → NULL). */
export function toDuckDB(t: ColumnType, v: unknown): DuckDBValue {
  if (v === null || v === undefined) return null;
  switch (t) {
    case 'VARCHAR':
      return String(v);
    case 'JSON':
      return typeof v === 'string' ? v : JSON.stringify(v);
    case 'INTEGER':
    case 'DOUBLE':
      return Number(v);
    case 'BIGINT':
      return typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
    case 'BOOLEAN':
      return Boolean(v);
    case 'BLOB':
      return new DuckDBBlobValue(blob(v));
    case 'TIMESTAMPTZ':
      return new DuckDBTimestampTZValue(instantUs(v as Instant));
    case 'DATE':
      return new DuckDBDateValue(dateDays(v as string | Date));
    case 'VARCHAR[]':
      return listValue((v as unknown[]).map((x) => String(x)));
  }
}

type Append = (a: DuckDBAppender, v: unknown) => void;
const blob = (v: unknown) => (v instanceof Uint8Array ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : new TextEncoder().encode(String(v)));
const APPEND: Record<ColumnType, Append> = {
  VARCHAR: (a, v) => a.appendVarchar(v as string),
  JSON: (a, v) => a.appendVarchar(typeof v === 'string' ? v : JSON.stringify(v)),
  INTEGER: (a, v) => a.appendInteger(v as number),
  DOUBLE: (a, v) => a.appendDouble(v as number),
  BIGINT: (a, v) => a.appendBigInt(typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)))),
  BOOLEAN: (a, v) => a.appendBoolean(Boolean(v)),
  BLOB: (a, v) => a.appendBlob(blob(v)),
  // appendTimestamp takes the same int64 µs on a TIMESTAMPTZ column; appendTimestampTZ boxes a value per call (seen in profiles)
  TIMESTAMPTZ: (a, v) => a.appendTimestamp(new DuckDBTimestampValue(instantUs(v as Instant))),
  DATE: (a, v) => a.appendDate(new DuckDBDateValue(dateDays(v as string | Date))),
  'VARCHAR[]': (a, v) => a.appendList(listValue((v as unknown[]).map((x) => String(x))), LIST(VARCHAR)),
};

/** The appender call for a column type (looked up once per column, not per value); null/undefined append NULL. */
export function appenderFor(t: ColumnType): Append {
  const put = APPEND[t];
  return (a, v) => (v === null || v === undefined ? a.appendNull() : put(a, v));
}

/** A JS value bound to a prepared statement parameter, typed from its JS type (auditors' parameters). */
export function inferred(v: unknown): { value: DuckDBValue; type: DuckDBType } | null {
  if (v === null || v === undefined) return { value: null, type: VARCHAR };
  if (Array.isArray(v)) return { value: listValue(v.map((x) => String(x))), type: LIST(VARCHAR) };
  if (typeof v === 'number' && Number.isInteger(v)) return { value: BigInt(v), type: BIGINT };
  if (typeof v === 'number') return { value: v, type: DOUBLE };
  if (typeof v === 'bigint') return { value: v, type: BIGINT };
  if (typeof v === 'boolean') return { value: v, type: BOOLEAN };
  if (typeof v === 'string') return { value: v, type: VARCHAR };
  if (v instanceof Date) return { value: new DuckDBTimestampTZValue(instantUs(v)), type: TIMESTAMPTZ };
  return null;
}
