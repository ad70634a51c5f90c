// Client → server websocket frames, checked one field at a time so every
// rejection names the field and carries a specific error code.
import { channelName, nickProblem } from '../../core/envelope.ts';
import { cleanText, codePointLength, MAX_TEXT } from '../../core/text.ts';

/** Frames larger than this (UTF-8 bytes) are answered with `frame_too_large` and the connection is closed. */
export const MAX_FRAME_BYTES = 64 * 1024;
export const MAX_REF = 64;
/** Most events one `history` answer carries. */
export const HISTORY_PAGE = 50;

export type ClientFrame =
  | { type: 'join'; channel: string; ref?: string }
  | { type: 'leave'; channel: string; ref?: string }
  | { type: 'message'; channel: string; text: string; reply_to: string | null; ref?: string }
  | { type: 'nick'; nick: string; ref?: string }
  | { type: 'history'; channel: string; before: number | string | null; limit: number; ref?: string };

export type ErrorCode =
  | 'bad_json'
  | 'bad_frame'
  | 'unknown_type'
  | 'missing_field'
  | 'bad_field'
  | 'empty_text'
  | 'text_too_long'
  | 'bad_channel'
  | 'bad_nick'
  | 'nick_taken'
  | 'not_joined'
  | 'rate_limited'
  | 'frame_too_large'
  | 'kafka_unavailable'
  | 'unauthorized'
  | 'slow_consumer'
  | 'shutting_down'
  | 'internal';

export interface ErrorFrame {
  type: 'error';
  code: ErrorCode;
  message: string;
  ref?: string;
}

export class FrameError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly ref?: string,
  ) {
    super(message);
  }
}

export function errorFrame(code: ErrorCode, message: string, ref?: string): ErrorFrame {
  return ref === undefined ? { type: 'error', code, message } : { type: 'error', code, message, ref };
}

const TYPES = ['join', 'leave', 'message', 'nick', 'history'];

/** The client's `ref` (echoed on errors), when it is a short string or number. */
function refOf(raw: Record<string, unknown>): string | undefined {
  const r = raw.ref;
  if (typeof r === 'number' && Number.isFinite(r)) return String(r);
  if (typeof r === 'string') return cleanText(r, MAX_REF);
  return undefined;
}

function need(raw: Record<string, unknown>, field: string, ref: string | undefined): unknown {
  if (raw[field] === undefined || raw[field] === null) throw new FrameError('missing_field', `'${raw.type}' frame needs field '${field}'`, ref);
  return raw[field];
}

function channelOf(raw: Record<string, unknown>, ref: string | undefined): string {
  const value = need(raw, 'channel', ref);
  const channel = channelName(value);
  if (!channel) {
    const shown = typeof value === 'string' ? `"${cleanText(value, 60)}"` : `a ${typeof value}`;
    throw new FrameError('bad_channel', `channel ${shown} is not a valid channel name (letters, digits, - _ . ; at most 40 characters)`, ref);
  }
  return channel;
}

/** Parse one text frame into a ClientFrame, or throw a FrameError naming the problem. */
export function parseClientFrame(data: string): ClientFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch (err) {
    throw new FrameError('bad_json', `frame is not valid JSON: ${(err as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new FrameError('bad_frame', 'frame must be a JSON object with a "type" field');
  const obj = raw as Record<string, unknown>;
  const ref = refOf(obj);
  if (obj.type === undefined) throw new FrameError('missing_field', "frame needs field 'type'", ref);
  if (typeof obj.type !== 'string' || !TYPES.includes(obj.type)) {
    const shown = typeof obj.type === 'string' ? `"${cleanText(obj.type, 40)}"` : `a ${typeof obj.type}`;
    throw new FrameError('unknown_type', `unknown frame type ${shown} (expected one of ${TYPES.join(', ')})`, ref);
  }
  switch (obj.type) {
    case 'join':
    case 'leave':
      return { type: obj.type, channel: channelOf(obj, ref), ref };
    case 'message': {
      const channel = channelOf(obj, ref);
      const text = need(obj, 'text', ref);
      if (typeof text !== 'string') throw new FrameError('bad_field', `field 'text' must be a string, got a ${typeof text}`, ref);
      // Length is checked before any cap: an over-long message is refused, never silently truncated.
      const cleaned = cleanText(text, Number.MAX_SAFE_INTEGER);
      const length = codePointLength(cleaned);
      if (length > MAX_TEXT) throw new FrameError('text_too_long', `text is ${length} characters; the limit is ${MAX_TEXT}`, ref);
      if (cleaned.trim().length === 0) throw new FrameError('empty_text', 'text is empty (after removing control characters and spaces)', ref);
      const replyTo = obj.reply_to ?? null;
      if (replyTo !== null && (typeof replyTo !== 'string' || replyTo.length === 0 || replyTo.length > 128)) {
        throw new FrameError('bad_field', "field 'reply_to' must be an event id (a string of 1–128 characters) or null", ref);
      }
      return { type: 'message', channel, text: cleaned, reply_to: replyTo, ref };
    }
    case 'nick': {
      const nick = need(obj, 'nick', ref);
      const problem = nickProblem(nick);
      if (problem) throw new FrameError('bad_nick', problem, ref);
      return { type: 'nick', nick: cleanText(nick as string).trim(), ref };
    }
    case 'history': {
      const channel = channelOf(obj, ref);
      const before = obj.before ?? null;
      if (before !== null && !(typeof before === 'number' && Number.isFinite(before)) && !(typeof before === 'string' && before.length > 0 && before.length <= 128)) {
        throw new FrameError('bad_field', "field 'before' must be a timestamp (ms), an event id, or absent", ref);
      }
      const limit = obj.limit ?? HISTORY_PAGE;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > HISTORY_PAGE) {
        throw new FrameError('bad_field', `field 'limit' must be an integer from 1 to ${HISTORY_PAGE}`, ref);
      }
      return { type: 'history', channel, before: before as number | string | null, limit, ref };
    }
  }
  throw new FrameError('unknown_type', 'unknown frame type', ref);
}
