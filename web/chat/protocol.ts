// The websocket contract (../shared/design.md "Public contract"), as the
// browser sees it. Kept free of server imports: web/ bundles for the browser.

export type EventType = 'message' | 'join' | 'leave' | 'nick' | 'bot' | 'system';

export interface User {
  id: string;
  nick: string;
}

export interface Envelope {
  v: 1;
  id: string;
  type: EventType;
  channel: string;
  user: User;
  text: string;
  ts: number;
  reply_to: string | null;
  meta: Record<string, unknown>;
}

export type ClientFrame =
  | { type: 'join'; channel: string; ref?: string }
  | { type: 'leave'; channel: string; ref?: string }
  | { type: 'message'; channel: string; text: string; reply_to?: string; ref?: string }
  | { type: 'nick'; nick: string; ref?: string }
  | { type: 'history'; channel: string; before: number; ref?: string };

export interface PresenceFrame {
  type: 'presence';
  channel: string;
  users: string[];
}
export interface HistoryFrame {
  type: 'history';
  channel: string;
  events: Envelope[];
  before?: number | null;
  ref?: string;
}
export interface ErrorFrame {
  type: 'error';
  code: string;
  message: string;
  ref?: string;
}

/** Who this connection is (sent on open and after a nick change). */
export interface SelfFrame {
  type: 'self';
  user: User & { role?: string };
}

export type ServerFrame = Envelope | PresenceFrame | HistoryFrame | ErrorFrame | SelfFrame;

const EVENT_TYPES = new Set<string>(['message', 'join', 'leave', 'nick', 'bot', 'system']);

export function isEnvelope(f: unknown): f is Envelope {
  const e = f as Envelope;
  return (
    typeof e === 'object' &&
    e !== null &&
    EVENT_TYPES.has(e.type) &&
    typeof e.id === 'string' &&
    typeof e.channel === 'string' &&
    typeof e.ts === 'number' &&
    typeof e.user === 'object' &&
    e.user !== null &&
    typeof e.user.nick === 'string'
  );
}

/** Parse one server frame; null for anything that is not a frame we know. */
export function parseServerFrame(data: string): ServerFrame | null {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const f = raw as { type?: unknown; channel?: unknown };
  if (f.type === 'presence') return Array.isArray((raw as PresenceFrame).users) && typeof f.channel === 'string' ? (raw as PresenceFrame) : null;
  if (f.type === 'history') {
    const h = raw as HistoryFrame;
    return Array.isArray(h.events) && typeof f.channel === 'string' ? { ...h, events: h.events.filter(isEnvelope) } : null;
  }
  if (f.type === 'self') {
    const u = (raw as SelfFrame).user;
    return u && typeof u.id === 'string' && typeof u.nick === 'string' ? (raw as SelfFrame) : null;
  }
  if (f.type === 'error') {
    const e = raw as ErrorFrame;
    return { type: 'error', code: String(e.code ?? 'error'), message: String(e.message ?? ''), ref: typeof e.ref === 'string' ? e.ref : undefined };
  }
  return isEnvelope(raw) ? raw : null;
}

/** Channel names as users type them (`#General` → `general`), mirroring core/envelope.ts channelName. */
export const MAX_CHANNEL = 40;
const CHANNEL_RE = /^[\p{L}\p{N}][\p{L}\p{N}_.-]*$/u;

export function channelName(input: string): string | null {
  const s = input.trim().replace(/^#/, '').normalize('NFKC').toLowerCase();
  if (s.length === 0 || s.length > MAX_CHANNEL || !CHANNEL_RE.test(s)) return null;
  return s;
}
