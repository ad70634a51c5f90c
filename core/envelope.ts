// The envelope: the one shape of every chat event, on Kafka and over the
// websocket. `serialize()` and `parse()` are the only ways in and out.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { cleanText, jsonSafe, MAX_TEXT } from './text.ts';

export const EVENT_TYPES = ['message', 'join', 'leave', 'nick', 'bot', 'system'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const MAX_NICK = 32;
export const MAX_CHANNEL = 40;

/** Channel names: letters of any script, digits, `-`, `_`, `.`; Latin is lower-cased. */
export const CHANNEL_RE = /^[\p{L}\p{N}][\p{L}\p{N}_.-]*$/u;

export const userSchema = z.object({
  id: z.string().min(1).max(128),
  nick: z.string().min(1).max(64),
});

export const envelopeSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1).max(128),
  type: z.enum(EVENT_TYPES),
  channel: z.string().min(1).max(MAX_CHANNEL).regex(CHANNEL_RE, 'not a valid channel name'),
  user: userSchema,
  text: z.string(),
  ts: z.number().int().nonnegative(),
  reply_to: z.string().max(128).nullable().default(null),
  meta: z.record(z.string(), z.unknown()).default({}),
});

export type Envelope = z.infer<typeof envelopeSchema>;
export type User = z.infer<typeof userSchema>;

export type ParseResult = { ok: true; envelope: Envelope } | { ok: false; reason: string };

/** Normalise a channel name as users type it (`#General` → `general`); null when invalid. */
export function channelName(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const s = cleanText(input.trim().replace(/^#/, ''), 1000).normalize('NFKC').toLowerCase();
  if (s.length === 0 || s.length > MAX_CHANNEL || !CHANNEL_RE.test(s)) return null;
  return s;
}

// Names only the system may wear; compared after folding case, width and
// punctuation so "B.O.T", "Ｂｏｔ" and "시스템 " are caught too.
const RESERVED_NICKS = new Set(['bot', '봇', 'system', '시스템', 'admin', '관리자', 'kchat', 'root', 'server', '운영자']);

/** Why a nickname is not allowed, or null when it is fine. */
export function nickProblem(input: unknown): string | null {
  if (typeof input !== 'string') return 'nick must be a string';
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  if (/[\u0000-\u001F\u007F-\u009F]/.test(input)) return 'nick must not contain control characters';
  const nick = cleanText(input).trim();
  if (nick.length === 0) return 'nick must not be empty';
  if ([...nick].length > MAX_NICK) return `nick must be at most ${MAX_NICK} characters`;
  if (/[\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/.test(nick)) return 'nick must not contain invisible or direction characters';
  if (/[@#\s]/.test(nick.replace(/ /g, '')) || nick.startsWith('/')) return 'nick must not contain @, #, line breaks or start with /';
  const folded = nick.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
  if (RESERVED_NICKS.has(folded) || /^(bot|봇)\d*$/.test(folded)) return `nick "${nick}" is reserved`;
  return null;
}

export interface EnvelopeInit {
  type: EventType;
  channel: string;
  user: User;
  text?: string;
  reply_to?: string | null;
  meta?: Record<string, unknown>;
  id?: string;
  ts?: number;
}

/** Build a complete, clean envelope (new id and timestamp unless given). */
export function createEnvelope(init: EnvelopeInit): Envelope {
  return clean({
    v: 1,
    id: init.id ?? randomUUID(),
    type: init.type,
    channel: init.channel,
    user: init.user,
    text: init.text ?? '',
    ts: init.ts ?? Date.now(),
    reply_to: init.reply_to ?? null,
    meta: init.meta ?? {},
  });
}

function clean(e: Envelope): Envelope {
  return {
    v: 1,
    id: e.id,
    type: e.type,
    channel: e.channel,
    user: { id: cleanText(e.user.id, 128), nick: cleanText(e.user.nick, 64) },
    text: cleanText(e.text, MAX_TEXT),
    ts: e.ts,
    reply_to: e.reply_to ?? null,
    meta: jsonSafe(e.meta ?? {}) as Record<string, unknown>,
  };
}

/** The one serializer: clean text and meta, emit JSON (UTF-8 safe). */
export function serialize(e: Envelope): string {
  return JSON.stringify(clean(e));
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `field '${i.path.join('.')}': ${i.message}` : i.message))
    .join('; ');
}

/** The one parser: bytes or text → a clean envelope, or the reason it is not one. */
export function parse(input: string | Uint8Array | null | undefined): ParseResult {
  if (input === null || input === undefined) return { ok: false, reason: 'empty record' };
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: 'envelope must be a JSON object' };
  const result = envelopeSchema.safeParse(raw);
  if (!result.success) return { ok: false, reason: describe(result.error) };
  return { ok: true, envelope: clean(result.data) };
}

/** The Kafka key of an envelope: its channel, so a channel's events stay ordered. */
export function envelopeKey(e: Pick<Envelope, 'channel'>): string {
  return e.channel;
}
