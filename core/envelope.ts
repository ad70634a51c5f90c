// The envelope: the one shape of every chat event, on Kafka and over the
// websocket. `serialize()` and `parse()` are the only ways in and out.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isPlainText } from './korean/plain.ts';
import { CHANGE_TYPES, CHANNEL_RE, EVENT_TYPES, MAX_CHANNEL, MAX_ID, type Envelope, type EventType, type User } from './protocol.ts';
import { cleanText, codePointLength, jsonSafe, MAX_TEXT } from './text.ts';

// The contract's types, limits and validators live in core/protocol.ts (shared with the browser).
export { CHANNEL_RE, EVENT_TYPES, MAX_CHANNEL, MAX_NICK, channelName, nickProblem } from './protocol.ts';
export type { Envelope, EventType, User } from './protocol.ts';

const CHANGE_SET: ReadonlySet<string> = new Set(CHANGE_TYPES);

export const userSchema = z.object({
  id: z.string().min(1).max(MAX_ID),
  nick: z.string().min(1).max(64),
});

export const envelopeSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1).max(MAX_ID),
  type: z.enum(EVENT_TYPES),
  channel: z.string().min(1).max(MAX_CHANNEL).regex(CHANNEL_RE, 'not a valid channel name'),
  user: userSchema,
  text: z.string(),
  ts: z.number().int().nonnegative(),
  reply_to: z.string().max(MAX_ID).nullable().default(null),
  meta: z.record(z.string(), z.unknown()).default({}),
}).superRefine((e, ctx) => {
  // an edit or delete names the message it changes (core/conversation.ts)
  if (!CHANGE_SET.has(e.type)) return;
  const t = e.meta.target;
  if (typeof t !== 'string' || t.length === 0 || t.length > MAX_ID) ctx.addIssue({ code: 'custom', path: ['meta', 'target'], message: `an ${e.type} must name the id of the message it changes (1–${MAX_ID} characters)` });
});

// The schema and the protocol's Envelope type must describe the same thing: this fails to compile when they drift.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _schemaMatchesProtocol: Same<z.infer<typeof envelopeSchema>, Envelope> & Same<z.infer<typeof userSchema>, User> = true;
void _schemaMatchesProtocol;

export type ParseResult = { ok: true; envelope: Envelope } | { ok: false; reason: string };

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

// Envelopes built by createEnvelope() or parse() are clean by construction;
// serialize() remembers them here so the hot path cleans a message once, not
// at every hop (an object copied or built by hand is cleaned again).
const CLEAN = new WeakSet<object>();

function known(e: Envelope): Envelope {
  CLEAN.add(e);
  return e;
}

/**
 * Build a complete, clean envelope (new id and timestamp unless given).
 * `textCleaned`: the caller already ran the text through cleanText() (the
 * gateway does, to measure it), so it is not cleaned a second time; it is
 * still capped at MAX_TEXT.
 */
export function createEnvelope(init: EnvelopeInit, opts: { textCleaned?: boolean } = {}): Envelope {
  const text = init.text ?? '';
  return known(clean({
    v: 1,
    id: init.id ?? randomUUID(),
    type: init.type,
    channel: init.channel,
    user: init.user,
    text: init.text ?? '',
    ts: init.ts ?? Date.now(),
    reply_to: init.reply_to ?? null,
    meta: init.meta ?? {},
  }, opts.textCleaned === true && codePointLength(text) <= MAX_TEXT));
}

function clean(e: Envelope, textCleaned = false): Envelope {
  return {
    v: 1,
    id: e.id,
    type: e.type,
    channel: e.channel,
    user: { id: cleanTextFast(e.user.id, 128), nick: cleanTextFast(e.user.nick, 64) },
    text: textCleaned ? e.text : cleanText(e.text, MAX_TEXT),
    ts: e.ts,
    reply_to: e.reply_to ?? null,
    meta: jsonSafe(e.meta ?? {}) as Record<string, unknown>,
  };
}

/** The one serializer: clean text and meta (unless this very object is known clean), emit JSON (UTF-8 safe). */
export function serialize(e: Envelope): string {
  return JSON.stringify(CLEAN.has(e) ? e : clean(e));
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
  const r = parseRecord(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
  return r.ok ? { ok: true, envelope: r.envelope } : r;
}

/** JSON text → an object, or the reason it is not one. */
function jsonObject(text: string): { ok: true; raw: Record<string, unknown> } | { ok: false; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: 'envelope must be a JSON object' };
  return { ok: true, raw: raw as Record<string, unknown> };
}

/**
 * parse() for a consumed Kafka record, also telling whether the record's bytes
 * already are this envelope's JSON (`canonical`): same fields in the same
 * order, nothing the cleaner would change. Then the gateway forwards the
 * consumed bytes as they are instead of serialising the envelope again.
 * `remember: false` for a reader that never serialises what it parsed
 * (ingest): remembering every envelope as clean cost its thread 5 %.
 */
export function parseRecord(text: string, { remember = true }: { remember?: boolean } = {}): ParseResult & { canonical?: boolean } {
  const json = jsonObject(text);
  if (!json.ok) return json;
  const fast = fastEnvelope(json.raw);
  if (!fast) return viaSchema(json.raw);
  return { ok: true, envelope: remember ? known(fast) : fast, canonical: isCanonical(json.raw, fast) };
}

function viaSchema(raw: unknown): ParseResult {
  const result = envelopeSchema.safeParse(raw);
  if (!result.success) return { ok: false, reason: describe(result.error) };
  return { ok: true, envelope: known(clean(result.data)) };
}

/** `parse()` without the fast path (zod only): the reference the tests compare the fast path with. */
export function parseWithSchema(text: string): ParseResult {
  const json = jsonObject(text);
  return json.ok ? viaSchema(json.raw) : json;
}

// ── fast path ────────────────────────────────────────────────────────────
// The ingest consumer parses every record on the topic, and zod's generic
// machinery dominated its profile. `fastEnvelope` checks exactly the rules of
// `envelopeSchema` by hand (same string lengths in UTF-16 units, v === 1, the
// type set, CHANNEL_RE, ts a safe non-negative integer, reply_to null/absent/
// ≤ 128, meta an object or absent, edits and deletes naming meta.target) and builds the same cleaned envelope as
// `clean(envelopeSchema.parse(raw))`. It returns undefined whenever it is not
// sure — any rule broken, or a meta with an own `__proto__` key (zod drops
// that key) — and `parse()` then asks zod, which also words the reason.
// core/envelope.test.ts compares both paths on valid and invalid inputs.

const TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);
const hasOwn = Object.prototype.hasOwnProperty;

function isStr(v: unknown, min: number, max: number): v is string {
  return typeof v === 'string' && v.length >= min && v.length <= max;
}

/**
 * `cleanText(s, max)` without the NFC/regex work when `s` is plain text
 * (core/korean/plain.ts, compatibility jamo included: NFC keeps them), which
 * cleanText provably leaves alone; plain units are single code units, so the
 * cap is the length. Anything else goes through cleanText itself.
 */
export function cleanTextFast(s: string, max: number): string {
  return s.length <= max && isPlainText(s, true) ? s : cleanText(s, max);
}

function fastEnvelope(raw: Record<string, unknown>): Envelope | undefined {
  if (raw.v !== 1) return undefined;
  const { id, type, channel, user, text, ts } = raw;
  if (!isStr(id, 1, 128)) return undefined;
  if (typeof type !== 'string' || !TYPE_SET.has(type)) return undefined;
  if (!isStr(channel, 1, MAX_CHANNEL) || !CHANNEL_RE.test(channel)) return undefined;
  if (user === null || typeof user !== 'object' || Array.isArray(user)) return undefined;
  const uid = (user as Record<string, unknown>).id;
  const nick = (user as Record<string, unknown>).nick;
  if (!isStr(uid, 1, 128) || !isStr(nick, 1, 64)) return undefined;
  if (typeof text !== 'string') return undefined;
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) return undefined;
  let replyTo = raw.reply_to;
  if (replyTo === undefined) replyTo = null;
  else if (replyTo !== null && !isStr(replyTo, 0, 128)) return undefined;
  let meta = raw.meta;
  if (meta === undefined) meta = {};
  else if (meta === null || typeof meta !== 'object' || Array.isArray(meta) || hasOwn.call(meta, '__proto__')) return undefined;
  if (CHANGE_SET.has(type) && !isStr((meta as Record<string, unknown>).target, 1, MAX_ID)) return undefined;
  // an empty meta is kept as the very object the record held (so isCanonical can compare by identity)
  let cleanMeta = meta as Record<string, unknown>;
  for (const _ in meta as object) {
    // already clean (the usual case: our own producers wrote it): keep it, no copy
    cleanMeta = (isCleanJson(meta, 0) ? meta : jsonSafe(meta)) as Record<string, unknown>;
    break;
  }
  return {
    v: 1,
    id,
    type: type as EventType,
    channel,
    user: { id: cleanTextFast(uid, 128), nick: cleanTextFast(nick, 64) },
    text: cleanTextFast(text, MAX_TEXT),
    ts,
    reply_to: replyTo as string | null,
    meta: cleanMeta,
  };
}

const CANONICAL_KEYS = ['v', 'id', 'type', 'channel', 'user', 'text', 'ts', 'reply_to', 'meta'];

/** True when serialize(e) would give the same JSON value, field order included, as `raw` (what the record holds). */
function isCanonical(raw: Record<string, unknown>, e: Envelope): boolean {
  const keys = Object.keys(raw);
  if (keys.length !== CANONICAL_KEYS.length) return false;
  for (let i = 0; i < keys.length; i++) if (keys[i] !== CANONICAL_KEYS[i]) return false;
  const user = raw.user as Record<string, unknown>;
  const userKeys = Object.keys(user);
  if (userKeys.length !== 2 || userKeys[0] !== 'id' || userKeys[1] !== 'nick') return false;
  return e.user.id === user.id && e.user.nick === user.nick && e.text === raw.text && e.meta === raw.meta;
}

/** Would jsonSafe() return this value unchanged? (strings and keys clean, numbers finite, not too deep) */
function isCleanJson(value: unknown, depth: number): boolean {
  if (depth > 32) return false;
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
      return cleanTextFast(value, Number.MAX_SAFE_INTEGER) === value;
    case 'number':
      return Number.isFinite(value);
    case 'boolean':
      return true;
    case 'object': {
      if (Array.isArray(value)) return value.every((v) => v !== undefined && isCleanJson(v, depth + 1));
      for (const [k, v] of Object.entries(value)) {
        if (k === '__proto__' || v === undefined || cleanTextFast(k, 256) !== k || !isCleanJson(v, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** The Kafka key of an envelope: its channel, so a channel's events stay ordered. */
export function envelopeKey(e: Pick<Envelope, 'channel'>): string {
  return e.channel;
}

/**
 * Ephemeral answers (an auditor's `@bot 검색`): `meta.visible_to` lists the
 * user ids the envelope is meant for. Gateways deliver it only to them and
 * never put it in anyone else's history; ingest stores it (it is part of the
 * record); member-facing search, statistics and exports leave it out.
 */
export function isEphemeral(e: Pick<Envelope, 'meta'>): boolean {
  return Array.isArray(e.meta.visible_to);
}

/** May this user (undefined = nobody in particular) see the envelope? */
export function visibleTo(e: Pick<Envelope, 'meta'>, userId: string | undefined): boolean {
  const to = e.meta.visible_to;
  if (!Array.isArray(to)) return true;
  return userId !== undefined && to.includes(userId);
}

/**
 * Imported history (`kchat import-legacy`, meta.legacy): stored and searchable
 * like any event, but never delivered live to sockets nor answered by bots.
 */
export function isImported(e: Pick<Envelope, 'meta'>): boolean {
  const l = e.meta.legacy;
  return l !== null && typeof l === 'object';
}
