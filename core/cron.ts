// The one cron dialect: node-cron's. Five fields (minute hour day month
// weekday) or six with seconds first; names (mon, jan), ranges that wrap
// (22-2), steps (*/15, 1-5/2), `?`, `L`, `15W`, `L-3`, `1#2`, `5L` and
// @daily-style nicknames. When both day fields are restricted, both must
// match (node-cron's rule: "0 9 13 * 5" is Friday the 13th).
//
// node-cron validates and expands the expression and decides whether an
// instant matches; this module adds what a scheduler driven by any clock
// needs: the next occurrence after an instant in a zone, the shortest gap
// between two firings, and errors that name the wrong field in Korean.
// Used by the schedule bot; ingest and the notebook scheduler run node-cron
// itself on the same expressions.
import { createTask, validateDetailed, type ParsedFields } from 'node-cron';
import { InputError } from './errors.ts';
import { pickJosa } from './korean/josa.ts';
import { localParts, zonedTime } from './time.ts';

export interface CronSpec {
  /** the expression as written, whitespace collapsed */
  expr: string;
  seconds: number[];
  minutes: number[];
  hours: number[];
  /** numbers and node-cron's day tokens (L, 15W, L-3) */
  days: (number | string)[];
  months: Set<number>;
  /** 0 = Sunday … 6 = Saturday, and tokens (1#2, 5L) */
  weekdays: (number | string)[];
  /** every day of the month / every weekday */
  dayStar: boolean;
  weekdayStar: boolean;
  /** a valid expression whose day never comes (31 2 → 31 February) */
  never: boolean;
}

const FIELD_LABEL: Record<string, { name: string; min: number; max: number }> = {
  second: { name: '초(second)', min: 0, max: 59 },
  minute: { name: '분(minute)', min: 0, max: 59 },
  hour: { name: '시(hour)', min: 0, max: 23 },
  dayOfMonth: { name: '일(day of month)', min: 1, max: 31 },
  month: { name: '월(month)', min: 1, max: 12 },
  dayOfWeek: { name: '요일(day of week)', min: 0, max: 7 },
};

const badCron = (message: string, expr: string) => new InputError('bad_cron', message, { details: { cron: expr } });

/** Parse with node-cron; an invalid expression throws InputError('bad_cron') naming the field in Korean. */
export function parseCron(input: string): CronSpec {
  const expr = input.trim().replace(/\s+/g, ' ');
  const r = validateDetailed(expr);
  if (r.valid && r.fields) return spec(expr, r.fields, false);
  const e = r.errors[0];
  if (e.field === 'expression') {
    const n = expr === '' ? 0 : expr.split(' ').length;
    if (n !== 5 && n !== 6) throw badCron(`cron 식은 5개 필드(분 시 일 월 요일), 초를 앞에 붙이면 6개여야 합니다: "${expr}"에는 ${n}개가 있습니다`, expr);
    throw badCron(`cron 식 "${expr}"에 쓸 수 없는 문자가 있습니다 (숫자, 영문 이름, * , - / # ? 만 쓸 수 있어요)`, expr);
  }
  const f = FIELD_LABEL[e.field] ?? { name: e.field, min: 0, max: 0 };
  if (/impossible/.test(e.message)) {
    // Valid syntax, but the day never comes: keep it so callers can say "never fires" instead of "invalid".
    const loose = validateDetailed(expr.split(' ').map((p, i, all) => (i === all.length - 2 ? '*' : p)).join(' '));
    if (loose.valid && loose.fields) return spec(expr, loose.fields, true);
  }
  const value = e.value ?? '';
  const number = value.split(',').find((v) => /^\d+$/.test(v) && (Number(v) < f.min || Number(v) > f.max));
  if (number !== undefined) throw badCron(`cron ${f.name} 값 ${Number(number)}${pickJosa(number, '은/는')} ${f.min}~${f.max} 범위를 벗어납니다`, expr);
  throw badCron(`cron ${f.name} 필드의 '${value}'${pickJosa(value, '을/를', { foreign: 'both' })} 읽을 수 없습니다`, expr);
}

/** Is this a valid expression in the one dialect? */
export function isCron(expr: string): boolean {
  return validateDetailed(expr.trim().replace(/\s+/g, ' ')).valid;
}

function spec(expr: string, f: ParsedFields, never: boolean): CronSpec {
  const asc = (xs: number[]) => [...xs].sort((a, b) => a - b);
  return {
    expr,
    seconds: asc(f.second),
    minutes: asc(f.minute),
    hours: asc(f.hour),
    days: f.dayOfMonth,
    months: new Set(f.month),
    weekdays: f.dayOfWeek,
    dayStar: f.dayOfMonth.length === 31 && f.dayOfMonth.every((d) => typeof d === 'number'),
    weekdayStar: f.dayOfWeek.length === 7 && f.dayOfWeek.every((d) => typeof d === 'number'),
    never,
  };
}

type Matcher = (ts: number) => boolean;
const matchers = new WeakMap<CronSpec, Map<string, { day: Matcher; instant: Matcher }>>();

/**
 * node-cron's own matching, as a function. A task that is created and at once
 * destroyed never runs; its match() is node-cron's check of an instant.
 */
function nodeCronMatcher(expr: string, tz: string): Matcher {
  const task = createTask(expr, () => undefined, { timezone: tz, name: `kchat-cron-matcher:${expr}` });
  void task.destroy();
  return (ts) => task.match(new Date(ts));
}

function matchersFor(s: CronSpec, tz: string): { day: Matcher; instant: Matcher } {
  let byTz = matchers.get(s);
  if (!byTz) matchers.set(s, (byTz = new Map()));
  let m = byTz.get(tz);
  if (!m) {
    // The day fields alone, every second of the day: is this local day one the expression fires on?
    const dayOnly = `* * * ${s.days.join(',')} ${[...s.months].join(',')} ${s.weekdays.join(',')}`;
    m = { day: nodeCronMatcher(dayOnly, tz), instant: nodeCronMatcher(s.expr, tz) };
    byTz.set(tz, m);
  }
  return m;
}

/** The first occurrence strictly after `after` (ms) in zone `tz`, or null when none comes within five years. */
export function nextOccurrence(s: CronSpec, after: number, tz: string): number | null {
  if (s.never) return null;
  const { day, instant } = matchersFor(s, tz);
  const start = localParts(after, tz);
  for (let i = 0; i < 366 * 5; i++) {
    const date = new Date(Date.UTC(start.y, start.mo - 1, start.d + i));
    const y = date.getUTCFullYear();
    const mo = date.getUTCMonth() + 1;
    const d = date.getUTCDate();
    if (!s.months.has(mo) || !day(zonedTime(y, mo, d, 12, 0, 0, tz))) continue;
    for (const h of s.hours) {
      // Day 0 starts at `after`: skip the hours and minutes already past (DST days are rechecked by `t > after`).
      if (i === 0 && h < start.h) continue;
      for (const mi of s.minutes) {
        if (i === 0 && h === start.h && mi < start.mi) continue;
        for (const sec of s.seconds) {
          const t = zonedTime(y, mo, d, h, mi, sec, tz);
          if (t > after && instant(t)) return t;
        }
      }
    }
  }
  return null;
}

/**
 * The shortest time between two firings, in ms (null when it never fires).
 * From the times of day alone: consecutive times within a day, and the last
 * time of a day to the first of the next, as if every day fired — so this is
 * never longer than the real shortest gap.
 */
export function shortestIntervalMs(s: CronSpec): number | null {
  if (s.never) return null;
  const times: number[] = [];
  for (const h of s.hours) for (const m of s.minutes) for (const sec of s.seconds) times.push(h * 3600 + m * 60 + sec);
  let shortest = times[0] + 86_400 - times[times.length - 1];
  for (let i = 1; i < times.length; i++) shortest = Math.min(shortest, times[i] - times[i - 1]);
  return shortest * 1000;
}
