// Five-field cron (minute hour day-of-month month day-of-week) evaluated in
// a time zone. We compute next occurrences ourselves so tests can drive the
// scheduler with any clock, and errors name the field that is wrong.
import { localParts, zonedTime } from '../../core/time.ts';

export interface CronSpec {
  expr: string;
  minutes: number[];
  hours: number[];
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  dayStar: boolean;
  weekdayStar: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FIELDS = [
  { name: '분(minute)', min: 0, max: 59, names: null },
  { name: '시(hour)', min: 0, max: 23, names: null },
  { name: '일(day of month)', min: 1, max: 31, names: null },
  { name: '월(month)', min: 1, max: 12, names: MONTHS },
  { name: '요일(day of week)', min: 0, max: 7, names: DAYS },
] as const;

export class CronError extends Error {}

function value(token: string, f: (typeof FIELDS)[number]): number {
  const lower = token.toLowerCase();
  if (f.names) {
    const i = (f.names as readonly string[]).indexOf(lower);
    if (i >= 0) return f === FIELDS[3] ? i + 1 : i;
  }
  if (!/^\d+$/.test(token)) throw new CronError(`cron ${f.name} 필드의 '${token}'은(는) 숫자가 아닙니다`);
  const n = Number(token);
  if (n < f.min || n > f.max) throw new CronError(`cron ${f.name} 값 ${n}은(는) ${f.min}~${f.max} 범위를 벗어납니다`);
  return n;
}

function field(text: string, f: (typeof FIELDS)[number]): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new CronError(`cron ${f.name} 필드의 '${part}'을(를) 읽을 수 없습니다`);
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) throw new CronError(`cron ${f.name} 필드의 간격은 1 이상이어야 합니다`);
    let lo: number;
    let hi: number;
    if (m[1] === '*') [lo, hi] = [f.min, f.max];
    else if (m[1].includes('-')) {
      const [a, b] = m[1].split('-');
      [lo, hi] = [value(a, f), value(b, f)];
      if (lo > hi) throw new CronError(`cron ${f.name} 범위 ${m[1]}의 시작이 끝보다 큽니다`);
    } else {
      lo = value(m[1], f);
      hi = m[2] === undefined ? lo : f.max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

export function parseCron(expr: string): CronSpec {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5 || parts[0] === '') {
    throw new CronError(`cron 식은 5개 필드(분 시 일 월 요일)여야 합니다: "${expr.trim()}"에는 ${parts[0] === '' ? 0 : parts.length}개가 있습니다`);
  }
  const sets = parts.map((p, i) => field(p, FIELDS[i]));
  const weekdays = new Set([...sets[4]].map((d) => (d === 7 ? 0 : d)));
  return {
    expr: parts.join(' '),
    minutes: [...sets[0]].sort((a, b) => a - b),
    hours: [...sets[1]].sort((a, b) => a - b),
    days: sets[2],
    months: sets[3],
    weekdays,
    dayStar: parts[2] === '*',
    weekdayStar: parts[4] === '*',
  };
}

function dayMatches(spec: CronSpec, mo: number, d: number, wd: number): boolean {
  if (!spec.months.has(mo)) return false;
  // Classic cron: when both day fields are restricted, either may match.
  if (!spec.dayStar && !spec.weekdayStar) return spec.days.has(d) || spec.weekdays.has(wd);
  return spec.days.has(d) && spec.weekdays.has(wd);
}

/** The first occurrence strictly after `after` (ms), or null when the expression never fires. */
export function nextOccurrence(spec: CronSpec, after: number, tz: string): number | null {
  const start = localParts(after, tz);
  for (let i = 0; i < 366 * 5; i++) {
    const day = new Date(Date.UTC(start.y, start.mo - 1, start.d + i));
    const y = day.getUTCFullYear();
    const mo = day.getUTCMonth() + 1;
    const d = day.getUTCDate();
    if (!dayMatches(spec, mo, d, day.getUTCDay())) continue;
    for (const h of spec.hours) {
      for (const mi of spec.minutes) {
        const t = zonedTime(y, mo, d, h, mi, 0, tz);
        if (t > after) return t;
      }
    }
  }
  return null;
}
