// How a SQL result value is written into an answer (POST /api/sql, notebook
// results, CSV downloads): the one place where DuckDB's time types become text.
//
// The rule (design: "Times … are instants; never local time written with Z"):
//   TIMESTAMP WITH TIME ZONE  → the instant, ISO 8601 with TZ_REPORTS' offset
//                               (2026-12-01T16:46:41.905+09:00 for 07:46:41.905Z)
//   TIMESTAMP (naive, also _S/_MS/_NS)
//                             → a wall-clock time in TZ_REPORTS, written as that
//                               instant with its offset: timezone('Asia/Seoul', ts)
//                               gives 2026-12-01T16:46:41.905+09:00 too, never …Z.
//                               (The database's own TimeZone is TZ_REPORTS as well,
//                               so ts::TIMESTAMP, hour(ts) and ts::DATE agree.)
//   DATE                      → YYYY-MM-DD (a calendar day, not an instant)
//   TIME / TIME WITH TIME ZONE→ HH:MM:SS[.ffffff][±HH:MM]
//   lists of these            → element by element
// Everything else goes through jsonSafe (bigints, text cleaning, blobs).
import { isoInstant, wallTimeInstant } from '../../core/time.ts';
import { jsonSafe } from '../../core/text.ts';

const NAIVE = /^TIMESTAMP(_S|_MS|_NS)?$/;
const ZONED = 'TIMESTAMP WITH TIME ZONE';

function clock(micros: number): string {
  const us = ((Math.trunc(micros) % 86_400_000_000) + 86_400_000_000) % 86_400_000_000;
  const s = Math.floor(us / 1_000_000);
  const frac = us % 1_000_000;
  const hms = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((n) => String(n).padStart(2, '0')).join(':');
  return frac ? `${hms}.${String(frac).padStart(6, '0').replace(/0+$/, '')}` : hms;
}

function offset(seconds: number): string {
  const a = Math.abs(seconds);
  return `${seconds < 0 ? '-' : '+'}${String(Math.floor(a / 3600)).padStart(2, '0')}:${String(Math.floor(a / 60) % 60).padStart(2, '0')}`;
}

/** One result value of a column of DuckDB type `type`, as it goes into JSON or CSV. */
export function resultValue(v: unknown, type: string, tz: string): unknown {
  if (v === null || v === undefined) return null;
  if (type.endsWith('[]') && Array.isArray(v)) {
    const inner = type.slice(0, -2);
    return v.map((x) => resultValue(x, inner, tz));
  }
  if (v instanceof Date) {
    const ms = v.getTime();
    if (Number.isNaN(ms)) return null;
    if (type === 'DATE') return v.toISOString().slice(0, 10);
    if (type === ZONED) return isoInstant(ms, tz);
    if (NAIVE.test(type)) return isoInstant(wallTimeInstant(ms, tz), tz);
    return v.toISOString();
  }
  if (type === 'TIME' && typeof v === 'number') return clock(v);
  if (type === 'TIME WITH TIME ZONE' && v && typeof v === 'object' && 'micros' in v && 'offset' in v) {
    const t = v as { micros: unknown; offset: unknown };
    return `${clock(Number(t.micros))}${offset(Number(t.offset))}`;
  }
  return jsonSafe(v);
}

/** A result row, column by column. */
export function resultRow(row: readonly unknown[], types: readonly string[], tz: string): unknown[] {
  return row.map((v, i) => resultValue(v, types[i] ?? '', tz));
}
