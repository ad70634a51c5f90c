// "<when> <text>" in Korean or as a quoted cron expression → a cron spec.
// 매일 09:30 · 평일 9시 30분 · 주말 10:00 · 매주 월 10:00 · 매주 월·수 / 월,수 / 월수 ·
// 오전 9시 · 오후 3시 반 · 정오 · 자정 · HH:MM (daily) · "30 9 * * 1-5".
import { parseCron, type CronSpec } from '../../core/cron.ts';
import { isInputError } from '../../core/errors.ts';

export type WhenResult = { ok: true; cron: string; text: string } | { ok: false; error: string };

const DAY_CHARS = '일월화수목금토'; // index = cron weekday (0 = Sunday)
const EN_DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
export const WHEN_EXAMPLES = '예: `매일 09:30`, `평일 오전 9시 30분`, `매주 월·수 10:00`, `주말 오후 3시 반`, `"30 9 * * 1-5"`';

/** A day set in words ("평일", "월·수", "월~금", "mon,wed") → cron weekdays, or null. */
export function parseDays(s: string): number[] | null {
  const t = s.trim().toLowerCase();
  if (/^(매일|날마다|everyday|daily|every ?day)$/.test(t)) return [0, 1, 2, 3, 4, 5, 6];
  if (/^(평일|주중|weekdays?)$/.test(t)) return [1, 2, 3, 4, 5];
  if (/^(주말|weekends?)$/.test(t)) return [0, 6];
  const range = /^([일월화수목금토])(?:요일)?\s*[~\-–]\s*([일월화수목금토])(?:요일)?$/.exec(t);
  if (range) {
    const out: number[] = [];
    for (let d = DAY_CHARS.indexOf(range[1]); ; d = (d + 1) % 7) {
      out.push(d);
      if (d === DAY_CHARS.indexOf(range[2])) break;
    }
    return out;
  }
  const korean = t.replace(/요일/g, '').replace(/[\s·,、/]|및|와|과|랑/g, '');
  if (korean && [...korean].every((c) => DAY_CHARS.includes(c))) return [...new Set([...korean].map((c) => DAY_CHARS.indexOf(c)))];
  const en = t.split(/[\s,/]+/).filter(Boolean);
  if (en.length && en.every((w) => EN_DAYS.includes(w.slice(0, 3)) && /^[a-z]+$/.test(w))) return [...new Set(en.map((w) => EN_DAYS.indexOf(w.slice(0, 3))))];
  return null;
}

// The day part at the start of the text. A day list must end at a space or a
// time so "월간 회의" is not read as Monday.
const DAY_PART =
  /^(?:(매일|날마다|평일|주중|주말|everyday|daily|every ?day|weekdays?|weekends?)|(?:매주\s*|every\s+)?((?:[일월화수목금토](?:요일)?(?:\s*(?:[·,、/~\-–]|및|와|과|랑)\s*|\s+)?)+)(?:마다)?|(매주|every\s+week))(?=\s|\d|오전|오후|아침|저녁|밤|새벽|낮|정오|자정|$)/i;

const TIME_PART =
  /^(?:(오전|오후|아침|저녁|밤|새벽|낮|am|pm)\s*)?(?:(정오|자정|noon|midnight)|(\d{1,2}):(\d{2})|(\d{1,2})\s*시(?:\s*(\d{1,2})\s*분|\s*(반))?)(?:\s*(am|pm))?(?:에는|에|마다)?(?=\s|$)/i;

export function parseWhen(input: string): WhenResult {
  const s = input.trim();
  const quoted = /^["'“”‘’`]([^"'“”‘’`]*)["'“”‘’`]\s*([\s\S]*)$/.exec(s);
  if (quoted) {
    try {
      const spec = parseCron(quoted[1]);
      return withText(spec.expr, quoted[2]);
    } catch (err) {
      if (isInputError(err)) return { ok: false, error: err.message };
      throw err;
    }
  }
  let rest = s;
  let days: number[] = [0, 1, 2, 3, 4, 5, 6];
  const d = DAY_PART.exec(rest);
  if (d) {
    if (d[3]) return { ok: false, error: `'매주' 뒤에 요일을 적어 주세요. ${WHEN_EXAMPLES}` };
    const parsed = parseDays((d[1] ?? d[2]).trim());
    if (!parsed) return { ok: false, error: `요일을 읽을 수 없습니다: '${d[0].trim()}'. ${WHEN_EXAMPLES}` };
    days = parsed;
    rest = rest.slice(d[0].length).trimStart();
  }
  const t = TIME_PART.exec(rest);
  if (!t) {
    const bad = /^\d{1,2}:\d{2}|^\d+\s*시/.exec(rest);
    if (bad) return { ok: false, error: `시간을 읽을 수 없습니다: '${rest.split(/\s+/)[0]}'. ${WHEN_EXAMPLES}` };
    return { ok: false, error: d ? `시간을 적어 주세요 (예: 09:30, 오전 9시, 오후 3시 반).` : `언제 알릴지 알 수 없습니다. ${WHEN_EXAMPLES}` };
  }
  const half = (t[1] ?? t[8] ?? '').toLowerCase();
  let hour: number;
  let minute = 0;
  if (t[2]) {
    hour = /정오|noon/i.test(t[2]) ? 12 : 0;
  } else {
    hour = Number(t[3] ?? t[5]);
    minute = t[4] !== undefined ? Number(t[4]) : t[6] !== undefined ? Number(t[6]) : t[7] ? 30 : 0;
    const pm = ['오후', '저녁', '밤', 'pm'].includes(half) || (half === '낮' && hour < 6);
    const am = ['오전', '아침', '새벽', 'am'].includes(half);
    if ((pm || am) && (hour < 1 || hour > 12)) {
      if (!(pm && hour >= 13 && hour <= 23)) return { ok: false, error: `${t[1] ?? t[8]} ${hour}시는 없는 시간입니다 (1~12시로 적어 주세요).` };
    }
    if (pm && hour < 12) hour += 12;
    if (am && hour === 12) hour = 0;
  }
  if (hour > 23 || minute > 59) return { ok: false, error: `시간이 올바르지 않습니다: ${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')} (00:00~23:59)` };
  rest = rest.slice(t[0].length);
  const dow = days.length === 7 ? '*' : [...days].sort((a, b) => a - b).join(',');
  return withText(`${minute} ${hour} * * ${dow}`, rest);
}

function withText(cron: string, text: string): WhenResult {
  const body = text.trim().replace(/^[:,\-–]\s*/, '');
  if (!body) return { ok: false, error: '알림 내용을 적어 주세요. 예: `@bot 일정 추가 평일 09:30 스탠드업 시간입니다`' };
  return { ok: true, cron, text: body };
}

function dayLabel(spec: CronSpec): string | null {
  if (!spec.dayStar || spec.months.size !== 12 || spec.weekdays.some((d) => typeof d !== 'number')) return null;
  const wd = (spec.weekdays as number[]).slice().sort((a, b) => a - b);
  if (spec.weekdayStar || wd.length === 7) return '매일';
  if (wd.join(',') === '1,2,3,4,5') return '평일';
  if (wd.join(',') === '0,6') return '주말';
  // Monday first, as Korean calendars read.
  return '매주 ' + [...wd.filter((d) => d !== 0), ...wd.filter((d) => d === 0)].map((d) => DAY_CHARS[d]).join('·');
}

export function timeLabel(h: number, m: number): string {
  if (h === 12 && m === 0) return '정오';
  if (h === 0 && m === 0) return '자정';
  const ampm = h < 12 ? '오전' : '오후';
  const h12 = h % 12 === 0 ? 12 : h % 12;
  return `${ampm} ${h12}:${String(m).padStart(2, '0')}`;
}

/** "평일 오전 9:30" for simple specs, the cron expression otherwise. */
export function describeCron(expr: string): string {
  const spec = parseCron(expr);
  const days = dayLabel(spec);
  if (days && spec.hours.length === 1 && spec.minutes.length === 1 && spec.seconds.join() === '0') return `${days} ${timeLabel(spec.hours[0], spec.minutes[0])}`;
  return `cron "${spec.expr}"`;
}

const WEEKDAY_KO = '일월화수목금토';
export function formatLocal(ts: number, tz: string): string {
  const p = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short' }).formatToParts(ts);
  const get = (t: string) => p.find((x) => x.type === t)?.value ?? '';
  const wd = EN_DAYS.indexOf(get('weekday').toLowerCase().slice(0, 3));
  return `${get('month')}월 ${get('day')}일(${WEEKDAY_KO[wd]}) ${timeLabel(+get('hour'), +get('minute'))}`;
}
