// Times and days as a Korean team reads them: HH:mm and
// "2026년 11월 24일 화요일", always in Asia/Seoul whatever the browser's zone.
import { josa } from '../../core/korean/josa.ts';
import type { Envelope } from './protocol.ts';

/** Nicknames are often Latin (kim, Bob): their sound is unknown, so both particle forms are written (kim(으)로). */
export const NICK_JOSA = { foreign: 'both' } as const;

export const ZONE = 'Asia/Seoul';

const timeFmt = new Intl.DateTimeFormat('ko-KR', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const dayFmt = new Intl.DateTimeFormat('ko-KR', { timeZone: ZONE, year: 'numeric', month: 'long', day: 'numeric', weekday: 'long' });
const keyFmt = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
const fullFmt = new Intl.DateTimeFormat('ko-KR', { timeZone: ZONE, dateStyle: 'full', timeStyle: 'medium' });

/** "09:05" */
export function formatTime(ts: number): string {
  const parts = timeFmt.formatToParts(ts);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '00';
  return `${get('hour').padStart(2, '0')}:${get('minute').padStart(2, '0')}`;
}

/** "2026년 11월 24일 화요일" */
export function formatDay(ts: number): string {
  return dayFmt.format(ts);
}

/** Tooltip text: the full date and time. */
export function formatFull(ts: number): string {
  return fullFmt.format(ts);
}

/** YYYY-MM-DD in Seoul: two events are on the same day when their keys match. */
export function dayKey(ts: number): string {
  return keyFmt.format(ts);
}

/** Consecutive messages of one author closer than this share one header. */
export const GROUP_WINDOW_MS = 5 * 60 * 1000;

export type Delivery = 'sent' | 'queued' | 'sending' | 'failed';

/** What the timeline shows: confirmed events plus our own not-yet-confirmed sends. */
export interface TimelineEvent extends Envelope {
  delivery?: Delivery;
  /** why a send failed (server error message), shown beside the retry button */
  failure?: string;
}

export type TimelineItem =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'notice'; key: string; event: TimelineEvent }
  | { kind: 'message'; key: string; event: TimelineEvent; continued: boolean };

const CHAT_TYPES = new Set(['message', 'bot']);

/** Day separators, notices apart from messages, and grouping of one author's run of messages. */
export function buildTimeline(events: TimelineEvent[]): TimelineItem[] {
  const items: TimelineItem[] = [];
  let lastDay = '';
  let prev: TimelineEvent | null = null;
  for (const e of events) {
    const day = dayKey(e.ts);
    if (day !== lastDay) {
      items.push({ kind: 'day', key: `day-${day}`, label: formatDay(e.ts) });
      lastDay = day;
      prev = null;
    }
    if (!CHAT_TYPES.has(e.type)) {
      items.push({ kind: 'notice', key: e.id, event: e });
      prev = null;
      continue;
    }
    const continued =
      prev !== null &&
      prev.type === e.type &&
      prev.user.id === e.user.id &&
      prev.user.nick === e.user.nick &&
      e.ts - prev.ts < GROUP_WINDOW_MS &&
      e.ts >= prev.ts &&
      // a reply shows its header under the line that names what it answers
      !e.reply_to;
    items.push({ kind: 'message', key: e.id, event: e, continued });
    prev = e;
  }
  return items;
}

/** The sentence a join/leave/nick/system notice shows. */
export function noticeText(e: Envelope): string {
  const nick = e.user.nick;
  switch (e.type) {
    case 'join':
      return `${nick}님이 채널에 들어왔습니다`;
    case 'leave':
      return `${nick}님이 채널에서 나갔습니다`;
    case 'nick': {
      const from = typeof e.meta?.old === 'string' ? e.meta.old : null;
      const to = typeof e.meta?.new === 'string' ? e.meta.new : nick;
      if (from) return `${from}님의 닉네임이 ${josa(to, '으로/로', NICK_JOSA)} 바뀌었습니다`;
      return e.text || `닉네임이 ${josa(to, '으로/로', NICK_JOSA)} 바뀌었습니다`;
    }
    default:
      return e.text;
  }
}

/** Insert or replace events by id, keeping them ordered by time (stable for equal ts). */
export function mergeEvents<T extends Envelope>(current: T[], incoming: T[]): T[] {
  if (incoming.length === 0) return current;
  const byId = new Map(current.map((e) => [e.id, e] as const));
  for (const e of incoming) byId.set(e.id, e);
  const all = [...byId.values()];
  // Fast path: appending newer events in order needs no sort.
  return all.sort((a, b) => a.ts - b.ts);
}
