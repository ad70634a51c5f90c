// The one text cleaner. Every string that enters kchat from a user, a bot, a
// legacy log or an external Kafka producer passes through here before it is
// stored or sent, so Korean IME leftovers (lone surrogates) and control bytes
// can never reach DuckDB or the Parquet writer.
import { isPlainText } from './korean/plain.ts';

export const MAX_TEXT = 4000;

// C0 and C1 controls except \t (U+0009) and \n (U+000A); \r is dropped so
// Windows line endings become plain \n.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/** Replace lone surrogates with U+FFFD (String#toWellFormed, Node 20+). */
export function wellFormed(s: string): string {
  return s.isWellFormed() ? s : s.toWellFormed();
}

/** Cut to at most `max` code points without splitting a surrogate pair. */
export function capCodePoints(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = '';
  let n = 0;
  for (const ch of s) {
    if (n++ >= max) break;
    out += ch;
  }
  return out;
}

export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/**
 * NFC-normalise, lone surrogates → U+FFFD, drop control characters other than
 * \n and \t, and cap the length (in code points). Idempotent.
 */
export function cleanText(input: string, max = MAX_TEXT): string {
  // plain text (core/korean/plain.ts: ASCII, \t, \n, 가–힣) is already clean, one unit per code point
  if (typeof input === 'string' && isPlainText(input)) return input.length <= max ? input : input.slice(0, max);
  const s = wellFormed(String(input)).normalize('NFC').replace(CONTROLS, '');
  return capCodePoints(s, max);
}

/**
 * Deep-clean any value so JSON.stringify of it is valid, well-formed UTF-8
 * JSON: strings cleaned (no length cap), non-finite numbers → null,
 * bigint → number (or string when unsafe), Date → ISO string, undefined
 * dropped from objects. Used for envelope meta and for rows written to files.
 */
export function jsonSafe(value: unknown, depth = 0): unknown {
  if (depth > 32) return null;
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return cleanText(value, Number.MAX_SAFE_INTEGER);
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'bigint':
      return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
    case 'object': {
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
      if (Array.isArray(value)) return value.map((v) => jsonSafe(v, depth + 1));
      if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (v === undefined) continue;
        out[cleanText(k, 256)] = jsonSafe(v, depth + 1);
      }
      return out;
    }
    default:
      return null;
  }
}
