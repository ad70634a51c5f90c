// The chat contract (../shared/design.md "Public contract") in one module that
// the server AND the browser import: the envelope type, event and frame types,
// limits, error codes, and pure validators. No Node imports and no zod (the
// browser bundle stays small); the zod schema of the envelope lives in
// core/envelope.ts and is checked against these types at compile time.
// The second edition adds frame and event types (create, invite, dm, edit,
// delete): add them to the lists below, and every user of the lists follows.
import { InputError } from './errors.ts';
import { nickProblem } from './nick.ts';
import { cleanText, codePointLength, MAX_TEXT } from './text.ts';

export { MAX_TEXT };

// ── limits ───────────────────────────────────────────────────────────────
// The nickname rule (length, invisible characters, look-alikes of reserved and bot names) is core/nick.ts.
export { MAX_NICK, nickProblem, nickSkeleton } from './nick.ts';
/** Longest channel name, in UTF-16 units after normalising. */
export const MAX_CHANNEL = 40;
/** Frames larger than this (UTF-8 bytes) are answered with `frame_too_large` and the connection is closed. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Longest `ref` a client may attach to a frame (echoed on errors). */
export const MAX_REF = 64;
/** Most events one `history` answer carries. */
export const HISTORY_PAGE = 50;
/** Longest event id (`id`, `reply_to`). */
export const MAX_ID = 128;
/** Most nicks one `create` frame may name as members. */
export const MAX_CREATE_MEMBERS = 100;
/**
 * Every send is answered within this long: its envelope comes back, or an error
 * frame with its ref. Sized from a broker failover, not a network round trip: a
 * crashed partition leader is fenced after Kafka's broker session timeout (9 s by
 * default), a new one elected, and the producer's back-off finds it; a starved
 * machine needs more. (Kafka's own producer allows 120 s, `delivery.timeout.ms`.)
 */
export const SEND_DEADLINE_MS = 30_000;
/** Channel names starting with this are direct conversations, named by the server (`dm` frame). */
export const DM_PREFIX = 'dm.';

// ── the envelope ─────────────────────────────────────────────────────────
export const EVENT_TYPES = ['message', 'join', 'leave', 'nick', 'bot', 'system', 'edit', 'delete'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** Events that change an earlier message (`meta.target` = its id); the rules are core/conversation.ts. */
export const CHANGE_TYPES = ['edit', 'delete'] as const satisfies readonly EventType[];
export type ChangeType = (typeof CHANGE_TYPES)[number];

export interface User {
  id: string;
  nick: string;
}

/** One chat event, on Kafka (`chat.events`, key = channel) and over the websocket. */
export interface Envelope {
  v: 1;
  id: string;
  type: EventType;
  channel: string;
  user: User;
  text: string;
  /** epoch milliseconds */
  ts: number;
  reply_to: string | null;
  /**
   * extensions, e.g. `role` (stamped by the gateway), `visible_to` (ephemeral answers: user ids),
   * `target` (edit/delete: the id of the message changed); in history pages `edited` (ts of the
   * latest edit), `deleted` ({ts, by}) and `replies` (how many replies the message has)
   */
  meta: Record<string, unknown>;
}

// ── frames ───────────────────────────────────────────────────────────────
/** Client → server frame types (the one list; the parser and the docs use it). */
export const CLIENT_FRAME_TYPES = ['join', 'leave', 'message', 'nick', 'history', 'create', 'invite', 'dm', 'read', 'edit', 'delete', 'thread'] as const;
export type ClientFrameType = (typeof CLIENT_FRAME_TYPES)[number];

/** A client frame as a client sends it (optional fields may be left out). */
export type ClientFrame =
  | { type: 'join'; channel: string; ref?: string }
  | { type: 'leave'; channel: string; ref?: string }
  | { type: 'message'; channel: string; text: string; reply_to?: string | null; ref?: string }
  | { type: 'nick'; nick: string; ref?: string }
  | { type: 'history'; channel: string; before?: number | string | null; limit?: number; ref?: string }
  | { type: 'create'; channel: string; private?: boolean; members?: string[]; ref?: string }
  | { type: 'invite'; channel: string; nick: string; ref?: string }
  | { type: 'dm'; nick: string; ref?: string }
  | { type: 'read'; channel: string; ts?: number; ref?: string }
  | { type: 'edit'; id: string; text: string; ref?: string }
  | { type: 'delete'; id: string; ref?: string }
  | { type: 'thread'; id: string; ref?: string };

/** A client frame after `parseClientFrame`: normalised, every optional field filled in. */
export type ParsedClientFrame =
  | { type: 'join'; channel: string; ref?: string }
  | { type: 'leave'; channel: string; ref?: string }
  | { type: 'message'; channel: string; text: string; reply_to: string | null; ref?: string }
  | { type: 'nick'; nick: string; ref?: string }
  | { type: 'history'; channel: string; before: number | string | null; limit: number; ref?: string }
  | { type: 'create'; channel: string; private: boolean; members: string[]; ref?: string }
  | { type: 'invite'; channel: string; nick: string; ref?: string }
  | { type: 'dm'; nick: string; ref?: string }
  | { type: 'read'; channel: string; ts: number | null; ref?: string }
  | { type: 'edit'; id: string; text: string; ref?: string }
  | { type: 'delete'; id: string; ref?: string }
  | { type: 'thread'; id: string; ref?: string };

/** Codes of `{"type":"error"}` frames (docs/gateway.md says when each is sent). */
export const ERROR_CODES = [
  'bad_json',
  'bad_frame',
  'unknown_type',
  'missing_field',
  'bad_field',
  'empty_text',
  'text_too_long',
  'bad_channel',
  'bad_nick',
  'nick_taken',
  'not_joined',
  'forbidden',
  'unknown_nick',
  'channel_exists',
  'unknown_mention',
  // edit/delete refusals (core/conversation.ts)
  'unknown_message',
  'not_editable',
  'message_deleted',
  'edit_window_closed',
  'rate_limited',
  'too_many_connections',
  'too_many_channels',
  'too_many_joined',
  'frame_too_large',
  'kafka_unavailable',
  'unauthorized',
  'slow_consumer',
  'shutting_down',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface PresenceFrame {
  type: 'presence';
  channel: string;
  /** nicks of the members online now */
  users: string[];
  /** extension: nicks of every member (online or not) */
  members?: string[];
}
/** One channel of a person's list (the `channels` frame) or of the directory (`GET /api/channels`). */
export interface ChannelInfo {
  name: string;
  private: boolean;
  /** number of members */
  members: number;
  /** time of the channel's last event (epoch ms), null when unknown */
  last_ts: number | null;
  /** a direct conversation: `with` names the other people in it */
  dm?: boolean;
  with?: string[];
  /** for your own channels: what you read up to (epoch ms), events after it, of them mentioning you */
  last_read?: number | null;
  unread?: number;
  mentions?: number;
  /** directory only: are you a member */
  joined?: boolean;
}
/** Extension: the channels you belong to, sent on connect and whenever your memberships change. */
export interface ChannelsFrame {
  type: 'channels';
  channels: ChannelInfo[];
}
/** The answer to a `dm` frame: the direct conversation's channel and who is in it besides you. */
export interface DmFrame {
  type: 'dm';
  channel: string;
  with: string[];
  ref?: string;
}
/** Extension: you read a channel up to `ts` (sent to your other connections, so their unread counts follow). */
export interface ReadFrame {
  type: 'read';
  channel: string;
  ts: number;
}
export interface HistoryFrame {
  type: 'history';
  channel: string;
  events: Envelope[];
  /** where the next older page starts (null: nothing older) */
  before?: number | string | null;
  ref?: string;
}
/** The answer to a `thread` frame: the message and its replies (oldest first), in their latest state. */
export interface ThreadFrame {
  type: 'thread';
  id: string;
  channel: string;
  parent: Envelope;
  replies: Envelope[];
  /** more replies exist than were sent */
  more: boolean;
  ref?: string;
}
export interface ErrorFrame {
  type: 'error';
  code: ErrorCode | (string & {});
  message: string;
  ref?: string;
}
/** Who this connection is (sent on open and after a nick change). */
export interface SelfFrame {
  type: 'self';
  user: User & { role?: string };
  /** the gateway this connection is on (the id in its envelopes' meta.gateway): for operators and fault tests */
  gateway?: string;
}
export type ServerFrame = Envelope | PresenceFrame | HistoryFrame | ErrorFrame | SelfFrame | ChannelsFrame | DmFrame | ReadFrame | ThreadFrame;

/** A refused client frame: an input error with a frame error code and the client's `ref`. */
export class FrameError extends InputError {
  declare readonly code: ErrorCode;
  constructor(
    code: ErrorCode,
    message: string,
    readonly ref?: string,
  ) {
    super(code, message, ref === undefined ? {} : { details: { ref } });
    this.name = 'FrameError';
  }
}

export function errorFrame(code: ErrorCode, message: string, ref?: string): ErrorFrame {
  return ref === undefined ? { type: 'error', code, message } : { type: 'error', code, message, ref };
}

// ── validators (pure; the same rules on both sides) ──────────────────────
/** Channel names: letters of any script, digits, `-`, `_`, `.`; Latin is lower-cased. */
export const CHANNEL_RE = /^[\p{L}\p{N}][\p{L}\p{N}_.-]*$/u;

/** Normalise a channel name as users type it (`#General` → `general`); null when invalid. */
export function channelName(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const s = cleanText(input.trim().replace(/^#/, ''), 1000).normalize('NFKC').toLowerCase();
  if (s.length === 0 || s.length > MAX_CHANNEL || !CHANNEL_RE.test(s)) return null;
  return s;
}

const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);
/** A nick in someone else's frame may carry a leading @ (`@민수`): one more character than MAX_NICK. */
const MAX_NICK_SHOWN = 33;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A shallow check that a value has the envelope's shape (what the browser needs before rendering it). */
export function isEnvelope(f: unknown): f is Envelope {
  if (!isObject(f)) return false;
  const u = f.user;
  return EVENT_TYPE_SET.has(f.type as string) && typeof f.id === 'string' && typeof f.channel === 'string' && typeof f.ts === 'number' && isObject(u) && typeof u.nick === 'string';
}

/** The client's `ref` (echoed on errors), when it is a short string or number. */
function refOf(raw: Record<string, unknown>): string | undefined {
  const r = raw.ref;
  if (typeof r === 'number' && Number.isFinite(r)) return String(r);
  if (typeof r === 'string') return cleanText(r, MAX_REF);
  return undefined;
}

/** The ref of a frame refused before it is parsed (the rate limit), so its error can still carry it. */
export function refOfFrame(data: string): string | undefined {
  try {
    const raw: unknown = JSON.parse(data);
    return isObject(raw) ? refOf(raw) : undefined;
  } catch {
    return undefined;
  }
}

function need(raw: Record<string, unknown>, field: string, ref: string | undefined): unknown {
  if (raw[field] === undefined || raw[field] === null) throw new FrameError('missing_field', `'${String(raw.type)}' 프레임에 '${field}' 필드가 필요합니다 ('${String(raw.type)}' frame needs field '${field}')`, ref);
  return raw[field];
}

function channelOf(raw: Record<string, unknown>, ref: string | undefined): string {
  const value = need(raw, 'channel', ref);
  const channel = channelName(value);
  if (!channel) {
    const shown = typeof value === 'string' ? `"${cleanText(value, 60)}"` : `a ${typeof value}`;
    throw new FrameError('bad_channel', `채널 이름 ${shown}을(를) 쓸 수 없습니다: 글자, 숫자, - _ . 로 ${MAX_CHANNEL}자까지 (channel ${shown} is not a valid channel name: letters, digits, - _ . ; at most ${MAX_CHANNEL} characters)`, ref);
  }
  return channel;
}

/** Message text as sent: cleaned, refused (never truncated) when over MAX_TEXT or empty. */
export function messageText(text: unknown, ref?: string): string {
  if (typeof text !== 'string') throw new FrameError('bad_field', `'text' 필드는 문자열이어야 합니다 (field 'text' must be a string, got a ${typeof text})`, ref);
  const cleaned = cleanText(text, Number.MAX_SAFE_INTEGER);
  const length = codePointLength(cleaned);
  if (length > MAX_TEXT) throw new FrameError('text_too_long', `글이 ${length}자로 너무 깁니다: 최대 ${MAX_TEXT}자 (text is ${length} characters; the limit is ${MAX_TEXT})`, ref);
  if (cleaned.trim().length === 0) throw new FrameError('empty_text', '글이 비어 있습니다 (text is empty after removing control characters and spaces)', ref);
  return cleaned;
}

/** Parse one text frame into a ParsedClientFrame, or throw a FrameError naming the problem. */
export function parseClientFrame(data: string): ParsedClientFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch (err) {
    throw new FrameError('bad_json', `프레임이 올바른 JSON이 아닙니다 (frame is not valid JSON: ${(err as Error).message})`);
  }
  if (!isObject(raw)) throw new FrameError('bad_frame', '프레임은 "type" 필드가 있는 JSON 객체여야 합니다 (frame must be a JSON object with a "type" field)');
  const ref = refOf(raw);
  if (raw.type === undefined) throw new FrameError('missing_field', "프레임에 'type' 필드가 필요합니다 (frame needs field 'type')", ref);
  if (typeof raw.type !== 'string' || !(CLIENT_FRAME_TYPES as readonly string[]).includes(raw.type)) {
    const shown = typeof raw.type === 'string' ? `"${cleanText(raw.type, 40)}"` : `a ${typeof raw.type}`;
    throw new FrameError('unknown_type', `알 수 없는 프레임 종류 ${shown} (unknown frame type ${shown}; expected one of ${CLIENT_FRAME_TYPES.join(', ')})`, ref);
  }
  const type = raw.type as ClientFrameType;
  switch (type) {
    case 'join':
    case 'leave':
      return { type, channel: channelOf(raw, ref), ref };
    case 'message': {
      const channel = channelOf(raw, ref);
      const text = messageText(need(raw, 'text', ref), ref);
      const replyTo = raw.reply_to ?? null;
      if (replyTo !== null && (typeof replyTo !== 'string' || replyTo.length === 0 || replyTo.length > MAX_ID)) {
        throw new FrameError('bad_field', `'reply_to' 필드는 메시지 id이거나 null이어야 합니다 (field 'reply_to' must be an event id, a string of 1–${MAX_ID} characters, or null)`, ref);
      }
      return { type: 'message', channel, text, reply_to: replyTo, ref };
    }
    case 'nick': {
      const nick = need(raw, 'nick', ref);
      const problem = nickProblem(nick);
      if (problem) throw new FrameError('bad_nick', problem, ref);
      return { type: 'nick', nick: cleanText(nick as string).trim(), ref };
    }
    case 'history': {
      const channel = channelOf(raw, ref);
      const before = raw.before ?? null;
      if (before !== null && !(typeof before === 'number' && Number.isFinite(before)) && !(typeof before === 'string' && before.length > 0 && before.length <= MAX_ID)) {
        throw new FrameError('bad_field', "'before' 필드는 시각(ms)이나 메시지 id여야 합니다 (field 'before' must be a timestamp in ms, an event id, or absent)", ref);
      }
      const limit = raw.limit ?? HISTORY_PAGE;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > HISTORY_PAGE) {
        throw new FrameError('bad_field', `'limit' 필드는 1부터 ${HISTORY_PAGE}까지의 정수여야 합니다 (field 'limit' must be an integer from 1 to ${HISTORY_PAGE})`, ref);
      }
      return { type: 'history', channel, before: before as number | string | null, limit, ref };
    }
    case 'create': {
      const channel = channelOf(raw, ref);
      if (raw.private !== undefined && typeof raw.private !== 'boolean') throw new FrameError('bad_field', "'private' 필드는 true 또는 false여야 합니다 (field 'private' must be true or false)", ref);
      const members = raw.members ?? [];
      if (!Array.isArray(members) || members.length > MAX_CREATE_MEMBERS) throw new FrameError('bad_field', `'members' 필드는 닉네임 ${MAX_CREATE_MEMBERS}개까지의 목록이어야 합니다 (field 'members' must be a list of at most ${MAX_CREATE_MEMBERS} nicks)`, ref);
      return { type: 'create', channel, private: raw.private === true, members: members.map((m) => nickOf(m, 'members', ref)), ref };
    }
    case 'invite':
      return { type: 'invite', channel: channelOf(raw, ref), nick: nickOf(need(raw, 'nick', ref), 'nick', ref), ref };
    case 'dm':
      return { type: 'dm', nick: nickOf(need(raw, 'nick', ref), 'nick', ref), ref };
    case 'read': {
      const channel = channelOf(raw, ref);
      const ts = raw.ts ?? null;
      if (ts !== null && !(typeof ts === 'number' && Number.isSafeInteger(ts) && ts >= 0)) throw new FrameError('bad_field', "'ts' 필드는 epoch 밀리초 시각이어야 합니다, 없으면 지금 (field 'ts' must be a time in epoch milliseconds, or absent for now)", ref);
      return { type: 'read', channel, ts: ts as number | null, ref };
    }
    case 'edit':
      return { type: 'edit', id: idOf(raw, ref), text: messageText(need(raw, 'text', ref), ref), ref };
    case 'delete':
    case 'thread':
      return { type, id: idOf(raw, ref), ref };
  }
}

/** The `id` of the message an edit/delete frame changes (or a thread frame opens). */
function idOf(raw: Record<string, unknown>, ref: string | undefined): string {
  const id = need(raw, 'id', ref);
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID) {
    throw new FrameError('bad_field', `'id'는 메시지의 id여야 합니다 (field 'id' must be a message id: a string of 1–${MAX_ID} characters)`, ref);
  }
  return id;
}

/** Someone else's nick named in a frame (invite, dm, create members): a string, trimmed; any account may be named. */
function nickOf(value: unknown, field: string, ref: string | undefined): string {
  if (typeof value !== 'string' || value.trim().length === 0 || [...value.trim()].length > MAX_NICK_SHOWN) {
    throw new FrameError('bad_field', `'${field}' 필드는 사람을 닉네임으로 가리켜야 합니다: ${MAX_NICK_SHOWN}자까지, 비어 있지 않게 (field '${field}' must name people by nick: non-empty strings of at most ${MAX_NICK_SHOWN} characters)`, ref);
  }
  return cleanText(value, MAX_NICK_SHOWN * 2).trim().replace(/^@/, '');
}

/** Parse one server frame (browser side); null for anything that is not a frame we know. */
export function parseServerFrame(data: string): ServerFrame | null {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return null;
  }
  if (!isObject(raw)) return null;
  switch (raw.type) {
    case 'presence':
      return Array.isArray(raw.users) && typeof raw.channel === 'string' ? (raw as unknown as PresenceFrame) : null;
    case 'history':
      return Array.isArray(raw.events) && typeof raw.channel === 'string' ? { ...(raw as unknown as HistoryFrame), events: (raw.events as unknown[]).filter(isEnvelope) } : null;
    case 'self': {
      const u = raw.user;
      return isObject(u) && typeof u.id === 'string' && typeof u.nick === 'string' ? (raw as unknown as SelfFrame) : null;
    }
    case 'channels':
      return Array.isArray(raw.channels) ? { type: 'channels', channels: (raw.channels as unknown[]).filter((c): c is ChannelInfo => isObject(c) && typeof c.name === 'string') } : null;
    case 'dm':
      return typeof raw.channel === 'string' && Array.isArray(raw.with) ? (raw as unknown as DmFrame) : null;
    case 'read':
      return typeof raw.channel === 'string' && typeof raw.ts === 'number' ? (raw as unknown as ReadFrame) : null;
    case 'thread':
      return typeof raw.channel === 'string' && isEnvelope(raw.parent) && Array.isArray(raw.replies)
        ? { ...(raw as unknown as ThreadFrame), replies: (raw.replies as unknown[]).filter(isEnvelope), more: raw.more === true }
        : null;
    case 'error':
      return { type: 'error', code: String(raw.code ?? 'error'), message: String(raw.message ?? ''), ref: typeof raw.ref === 'string' ? raw.ref : undefined };
  }
  return isEnvelope(raw) ? raw : null;
}
