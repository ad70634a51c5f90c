// Dates in the reporting zone (Asia/Seoul by default): daily partitions,
// "today"/"yesterday" in bot answers, and times shown to users.

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** YYYY-MM-DD of an instant in a zone. */
export function localDate(ts: number | Date, tz = 'Asia/Seoul'): string {
  let f = dateFormats.get(tz);
  if (!f) dateFormats.set(tz, (f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return f.format(ts);
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export interface LocalParts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  /** 0 = Sunday … 6 = Saturday */
  wd: number;
}

// Building an Intl.DateTimeFormat costs far more than using one; schedules and importers call this in loops.
const partsFormats = new Map<string, Intl.DateTimeFormat>();
function partsFormat(tz: string): Intl.DateTimeFormat {
  let f = partsFormats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short' });
    partsFormats.set(tz, f);
  }
  return f;
}

/** Wall-clock calendar parts of an instant in a zone. */
export function localParts(ts: number, tz = 'Asia/Seoul'): LocalParts {
  const parts = partsFormat(tz).formatToParts(ts);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return {
    y: +get('year'),
    mo: +get('month'),
    d: +get('day'),
    h: +get('hour'),
    mi: +get('minute'),
    s: +get('second'),
    wd: WEEKDAYS.indexOf(get('weekday').toLowerCase().slice(0, 3)),
  };
}

/** Offset of a zone from UTC at an instant, in minutes (Seoul: +540). */
export function zoneOffsetMinutes(ts: number, tz = 'Asia/Seoul'): number {
  const p = localParts(ts, tz);
  const asUtc = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s);
  return Math.round((asUtc - Math.floor(ts / 1000) * 1000) / 60000);
}

/** The UTC instant of a wall-clock time in a zone (handles the zone's offset at that date). */
export function zonedTime(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, tz = 'Asia/Seoul'): number {
  const guess = Date.UTC(y, mo - 1, d, h, mi, s);
  const first = guess - zoneOffsetMinutes(guess, tz) * 60000;
  return guess - zoneOffsetMinutes(first, tz) * 60000;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Is this a real calendar date written YYYY-MM-DD? */
export function isDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

/** [start, end) instants of a local day. */
export function dayRange(date: string, tz = 'Asia/Seoul'): { start: number; end: number } {
  const m = DATE_RE.exec(date);
  if (!m || !isDate(date)) throw new Error(`not a date (YYYY-MM-DD): "${date}"`);
  const start = zonedTime(+m[1], +m[2], +m[3], 0, 0, 0, tz);
  const next = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3] + 1));
  const end = zonedTime(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, 0, tz);
  return { start, end };
}

/** The local date `days` after `date` (negative for before). */
export function addDays(date: string, days: number): string {
  const m = DATE_RE.exec(date);
  if (!m) throw new Error(`not a date (YYYY-MM-DD): "${date}"`);
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3] + days));
  return d.toISOString().slice(0, 10);
}

/** An instant as ISO 8601 with the zone's offset (`2024-08-29T11:30:00.000+09:00`), never local time written with `Z`. */
export function isoInstant(ts: number, tz = 'Asia/Seoul'): string {
  const off = zoneOffsetMinutes(ts, tz);
  const local = new Date(ts + off * 60000).toISOString().slice(0, 23);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/**
 * The instant of a naive (zone-less) timestamp read as wall-clock time in a
 * zone. DuckDB hands a TIMESTAMP over as a Date whose UTC fields are the wall
 * clock (`timezone('Asia/Seoul', ts)` → 16:46 for an event at 07:46Z); read as
 * a Seoul wall time it is the instant 07:46Z again.
 */
export function wallTimeInstant(wall: Date | number, tz = 'Asia/Seoul'): number {
  const guess = new Date(wall).getTime();
  const first = guess - zoneOffsetMinutes(guess, tz) * 60000;
  return guess - zoneOffsetMinutes(first, tz) * 60000;
}
