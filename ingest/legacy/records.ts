// One legacy record → one envelope: field aliases, time, event kind
// (join/leave/nick/bot/system lines as the teams' clients wrote them) and a
// deterministic id from the file name and the record's content (its position
// only when it has neither time nor offset), so re-importing a file finds its
// records already there.
import { hash } from 'node:crypto';
import { channelName } from '../../core/envelope.ts';
import type { Envelope } from '../../core/envelope.ts';
import { cleanText } from '../../core/text.ts';
import type { LegacyFormat, RawRecord } from './formats.ts';
import { parseLegacyTime } from './times.ts';

const ALIASES = {
  user: ['user', 'sender', 'nickname', 'username', 'nick', 'name', 'user_name', 'author', 'from'],
  text: ['message', 'msg', 'text', 'content', 'body'],
  time: ['time', 'timestamp', 'received_time', 'ts', 'date', 'datetime', 'created_at', 'sent_at'],
  channel: ['channel', 'room', 'topic', 'chat_room', 'chatroom', 'room_name'],
  offset: ['offset', 'kafka_offset'],
  end: ['end'],
} as const;

type Field = keyof typeof ALIASES;

/** A record's keys by their lower-cased, trimmed form (built once per record). */
function keysOf(fields: Record<string, unknown>): Map<string, string> {
  const lower = new Map<string, string>();
  for (const k of Object.keys(fields)) lower.set(k.toLowerCase().trim(), k);
  return lower;
}

function pick(fields: Record<string, unknown>, field: Field, lower: Map<string, string>): { key: string; value: unknown } | null {
  for (const alias of ALIASES[field]) {
    const key = lower.get(alias);
    if (key !== undefined) return { key, value: fields[key] };
  }
  return null;
}

export interface Classified {
  type: 'message' | 'join' | 'leave' | 'nick' | 'bot' | 'system';
  nick: string;
  old_nick?: string;
}

const JOIN_PATTERNS = [
  /^User \[(.+?)\] has (?:entered|joined) the chat(?:room)?!?\.?$/i,
  /^\[?([^\]]+?)\]?\s*님이\s*(?:채팅방에\s*|방에\s*)?(?:입장|들어왔|참여)\s*(?:하였습니다|했습니다|합니다|습니다|하셨습니다)?[.!]*$/,
];
const LEAVE_PATTERNS = [
  /^User \[(.+?)\] has (?:exited|left) the chat(?:room)?\.?!?$/i,
  /^\[?([^\]]+?)\]?\s*님이\s*(?:채팅방에서\s*|방에서\s*)?(?:퇴장|방을\s*떠났|나갔|떠났)\s*(?:하였습니다|했습니다|습니다|하셨습니다)?[.!]*$/,
];
const NICK_PATTERNS = [
  /^User \[(.+?)\] (?:changed (?:the )?(?:nick|name|nickname) to|is now known as) \[?(.+?)\]?\.?$/i,
  /^\[?([^\]]+?)\]?\s*님이\s*(?:닉네임|이름|대화명)을\s*\[?([^\]]+?)\]?\s*(?:으로|로)\s*(?:변경|바꾸|바꿨)/,
];
const SYSTEM_SENDERS = /^(?:\[?(?:info|system|sys|notice|server)\]?|시스템|알림)$/i;
const BOT_SENDERS = /(?:bot|봇)$|^airflow$/i;

/** What kind of event a legacy line was: the chat clients announced joins and leaves as text. */
export function classify(sender: string, text: string, end: boolean): Classified {
  const t = text
    .trim()
    .replace(/^-{2,}\s*/, '')
    .replace(/\s*-{2,}$/, '');
  // An announcement counts when the system wrote it or a client announced its own user;
  // "민수님이 입장하셨네요" typed by someone else is just chat.
  const announced = (named: string) => SYSTEM_SENDERS.test(sender) || end || named.trim() === sender;
  for (const re of JOIN_PATTERNS) {
    const m = re.exec(t);
    if (m && announced(m[1])) return { type: 'join', nick: m[1].trim() };
  }
  for (const re of LEAVE_PATTERNS) {
    const m = re.exec(t);
    if (m && announced(m[1])) return { type: 'leave', nick: m[1].trim() };
  }
  for (const re of NICK_PATTERNS) {
    const m = re.exec(t);
    if (m && announced(m[1])) return { type: 'nick', nick: m[2].trim(), old_nick: m[1].trim() };
  }
  if (end) return { type: 'leave', nick: sender };
  const bare = sender.replace(/^@/, '');
  if (SYSTEM_SENDERS.test(sender)) return { type: 'system', nick: sender };
  if (BOT_SENDERS.test(bare)) return { type: 'bot', nick: sender };
  return { type: 'message', nick: sender };
}

export type Normalised = { ok: true; envelope: Envelope; identity: string } | { ok: false; reason: string };

export interface NormaliseOptions {
  file: string; // basename
  format: LegacyFormat;
  channel: string;
  tz: string;
  /** the envelope time of records without one (ms) */
  importedAt: number;
}

/** `meta.legacy` of an imported envelope: where the record came from, as written. */
export interface LegacyMeta {
  file: string;
  format: LegacyFormat;
  line: number;
  original: string;
  sender: string;
  offset?: number;
  end?: boolean;
  /** the record had no time (ts is stored NULL) */
  no_time?: true;
  /** the record's time in µs since the epoch (the envelope's ts has ms) */
  time_us?: string;
  channel?: string;
  extra?: Record<string, unknown>;
}

/** Cut to at most `max` UTF-16 units (the envelope schema's measure) without splitting a character. */
function fitUnits(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = '';
  for (const ch of s) {
    if (out.length + ch.length > max) break;
    out += ch;
  }
  return out;
}

function scalarText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return null;
}

export function normalise(rec: RawRecord, o: NormaliseOptions): Normalised {
  if (rec.error) return { ok: false, reason: rec.error };
  const f = rec.fields!;
  const lower = keysOf(f);
  const user = pick(f, 'user', lower);
  if (!user) return { ok: false, reason: `no user field (expected one of ${ALIASES.user.join('/')})` };
  const sender = cleanText(scalarText(user.value) ?? '', 64).trim();
  if (!sender) return { ok: false, reason: `empty user in field "${user.key}"` };
  const msg = pick(f, 'text', lower);
  if (!msg) return { ok: false, reason: `no message field (expected one of ${ALIASES.text.join('/')})` };
  if (msg.value !== null && msg.value !== undefined && scalarText(msg.value) === null) return { ok: false, reason: `field "${msg.key}" is not text` };
  const text = cleanText(scalarText(msg.value) ?? '');

  const time = pick(f, 'time', lower);
  let tsUs: bigint | null = null;
  if (time && time.value !== null && time.value !== undefined) {
    const t = parseLegacyTime(time.value, o.tz);
    if (!t.ok) return { ok: false, reason: `field "${time.key}": ${t.reason}` };
    if (t.us < 0n) return { ok: false, reason: `field "${time.key}": time before 1970 is not supported` };
    tsUs = t.us;
  }
  const off = pick(f, 'offset', lower);
  let offset: number | null = null;
  if (off && off.value !== null && off.value !== undefined && off.value !== '') {
    const n = Number(off.value);
    if (!Number.isInteger(n) || n < 0) return { ok: false, reason: `field "${off.key}" is not an offset: ${String(off.value).slice(0, 40)}` };
    offset = n;
  }
  const endField = pick(f, 'end', lower);
  const end = endField?.value === true || endField?.value === 'True' || endField?.value === 'true';

  const ch = pick(f, 'channel', lower);
  let channel = o.channel;
  let originalChannel: string | undefined;
  if (ch && ch.value !== null && ch.value !== undefined && ch.value !== '') {
    const c = channelName(scalarText(ch.value) ?? '');
    if (c) channel = c;
    else originalChannel = String(ch.value);
  }

  const kind = classify(sender, text, end);
  const nick = cleanText(kind.nick, 64).trim() || sender;

  // Exact duplicates: same user, time, text and offset. Without time and
  // offset a record has nothing to tell a repeat from a new line, so its
  // position is part of its identity (repeated "hi"s are real messages).
  const identity = JSON.stringify([sender, tsUs?.toString() ?? null, text, offset, tsUs === null && offset === null ? rec.index : null]);
  const id = 'lg_' + hash('sha256', `${o.file}\n${identity}`).slice(0, 32);

  const known = new Set([user.key, msg.key, time?.key, off?.key, endField?.key, ch?.key]);
  const extra = Object.fromEntries(Object.entries(f).filter(([k]) => !known.has(k)));
  const legacy: LegacyMeta = {
    file: o.file,
    format: o.format,
    line: rec.line,
    original: rec.original,
    sender,
    ...(offset !== null ? { offset } : {}),
    ...(endField ? { end } : {}),
    ...(tsUs === null ? { no_time: true } : { time_us: tsUs.toString() }),
    ...(originalChannel ? { channel: originalChannel } : {}),
    ...(Object.keys(extra).length ? { extra } : {}),
  };
  // serialize() (core/envelope.ts) cleans text and meta once, on the way to Kafka.
  return {
    ok: true,
    identity,
    envelope: {
      v: 1,
      id,
      type: kind.type,
      channel,
      user: { id: fitUnits(`legacy:${nick}`, 128), nick: fitUnits(nick, 64) },
      text,
      // no time in the file: the envelope carries the import time, ingest stores ts NULL (meta.legacy.no_time)
      ts: tsUs === null ? o.importedAt : Number(tsUs / 1000n),
      reply_to: null,
      meta: { legacy, ...(kind.old_nick ? { old_nick: kind.old_nick } : {}) },
    },
  };
}
