// The time formats the bootcamp logs used, all in one place. Times without a
// zone are wall-clock times in Asia/Seoul (the zone the teams ran in).
import { zonedTime } from '../../core/time.ts';

export type TimeResult = { ok: true; us: bigint } | { ok: false; reason: string };

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };

// A log's lines share their hours: the zone offset of a wall-clock hour is looked up once.
const offsets = new Map<string, number>();

/** zonedTime() with the offset of the wall-clock hour remembered (zones change offset on whole hours). */
function wallMs(y: number, mo: number, d: number, h: number, mi: number, s: number, tz: string): number {
  const key = `${tz} ${y} ${mo} ${d} ${h}`;
  let off = offsets.get(key);
  if (off === undefined) {
    if (offsets.size > 50_000) offsets.clear();
    off = Date.UTC(y, mo - 1, d, h) - zonedTime(y, mo, d, h, 0, 0, tz);
    offsets.set(key, off);
  }
  return Date.UTC(y, mo - 1, d, h, mi, s) - off;
}

/** Fractional seconds text ("979985", "5") → microseconds. */
function fracUs(frac: string | undefined): bigint {
  if (!frac) return 0n;
  return BigInt((frac + '000000').slice(0, 6));
}

function wall(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string | undefined, tz: string): TimeResult {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return { ok: false, reason: 'time out of range' };
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCDate() !== d) return { ok: false, reason: 'no such calendar date' };
  return { ok: true, us: BigInt(wallMs(y, mo, d, h, mi, s, tz)) * 1000n + fracUs(frac) };
}

/** Epoch seconds, milliseconds or microseconds by magnitude (plausible 2001–2286). */
function epoch(n: number, text?: string): TimeResult {
  if (!Number.isFinite(n) || n <= 0) return { ok: false, reason: `not a valid epoch time: ${text ?? n}` };
  if (n < 1e11) {
    // seconds, keep the decimal digits exactly when we have the text
    const m = text ? /^(\d+)(?:\.(\d+))?$/.exec(text) : null;
    if (m) return { ok: true, us: BigInt(m[1]) * 1_000_000n + fracUs(m[2]) };
    return { ok: true, us: BigInt(Math.round(n * 1e6)) };
  }
  if (n < 1e14) return { ok: true, us: BigInt(Math.round(n * 1000)) };
  if (n < 1e17) return { ok: true, us: BigInt(Math.round(n)) };
  return { ok: false, reason: `epoch time out of range: ${text ?? n}` };
}

/**
 * A legacy time value → microseconds since the epoch. Accepts:
 * `2024-08-27 09:14:35[.ffffff]`, ISO 8601 with or without zone (`T`, `Z`, `+09:00`),
 * ctime `Tue Aug 27 11:39:02 2024`, `240827 10:27:24` (YYMMDD), epoch
 * seconds/ms/µs as numbers or digit strings, and Date objects (Parquet).
 */
export function parseLegacyTime(value: unknown, tz = 'Asia/Seoul'): TimeResult {
  if (value instanceof Date) {
    const t = value.getTime();
    return Number.isNaN(t) ? { ok: false, reason: 'invalid date' } : { ok: true, us: BigInt(t) * 1000n };
  }
  if (typeof value === 'bigint') return epoch(Number(value));
  if (typeof value === 'number') return epoch(value);
  if (typeof value !== 'string') return { ok: false, reason: `time must be text or a number, got ${value === null ? 'null' : typeof value}` };
  const s = value.trim();
  if (s === '') return { ok: false, reason: 'empty time' };
  if (/^\d+(\.\d+)?$/.test(s) && s.length >= 9 && !/^\d{6}$/.test(s) && !/^\d{8}$/.test(s)) return epoch(Number(s), s);
  let m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}:?\d{2}|[+-]\d{2})?$/i.exec(s);
  if (m) {
    const [, y, mo, d, h, mi, sec, frac, zone] = m;
    if (!zone) return wall(+y, +mo, +d, +h, +mi, +(sec ?? 0), frac, tz);
    const check = wall(+y, +mo, +d, +h, +mi, +(sec ?? 0), frac, 'UTC');
    if (!check.ok) return check;
    let offsetMin = 0;
    if (zone.toUpperCase() !== 'Z') {
      const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
      offsetMin = (z[1] === '-' ? -1 : 1) * (+z[2] * 60 + +(z[3] ?? 0));
    }
    return { ok: true, us: check.us - BigInt(offsetMin) * 60_000_000n };
  }
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m) return wall(+m[1], +m[2], +m[3], 0, 0, 0, undefined, tz);
  // ctime: "Tue Aug 27 11:39:02 2024" (weekday optional, day may be space-padded)
  m = /^(?:[A-Za-z]{3},?\s+)?([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?\s+(\d{4})$/.exec(s);
  if (m && MONTHS[m[1].toLowerCase()]) return wall(+m[7], MONTHS[m[1].toLowerCase()], +m[2], +m[3], +m[4], +m[5], m[6], tz);
  // "240827 10:27:24": YYMMDD HH:MM:SS as one team's client printed it
  m = /^(\d{2})(\d{2})(\d{2})[ T](\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(s);
  if (m) return wall(2000 + +m[1], +m[2], +m[3], +m[4], +m[5], +m[6], m[7], tz);
  // "2024/08/27 09:14:35" and "2024.08.27 09:14:35"
  m = /^(\d{4})[/.](\d{1,2})[/.](\d{1,2})\.?\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/.exec(s);
  if (m) return wall(+m[1], +m[2], +m[3], +m[4], +m[5], +(m[6] ?? 0), m[7], tz);
  return { ok: false, reason: `unrecognised time format "${s.length > 40 ? s.slice(0, 40) + '…' : s}"` };
}
