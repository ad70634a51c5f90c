// A Kafka record → a messages row, or the reason it is refused. Every reason
// starts with a stable code (the start of the DLQ's `reason` header and of
// ingest_errors.reason):
//   empty_record      no value
//   invalid_utf8      bytes that are not UTF-8 (e.g. CESU-8 lone surrogates): refused, not silently replaced
//   invalid_envelope  not JSON, or not an envelope (zod says which field)
//   text_too_long     a valid envelope whose text is over MAX_TEXT: refused, never stored truncated
//   decode_failed     anything else thrown while decoding (a bug must not stop ingest on one record)
import { isUtf8 } from 'node:buffer';
import { decodeBytes } from '../core/kafka.ts';
import { MAX_TEXT } from '../core/protocol.ts';
import { cleanText, codePointLength } from '../core/text.ts';
import { envelopeRow, type MessageRow } from './store.ts';

export type RefusalCode = 'empty_record' | 'invalid_utf8' | 'invalid_envelope' | 'text_too_long' | 'decode_failed';

/** `canonical`: the record's bytes are exactly the row's envelope as the one serializer writes it (core/envelope.ts). */
export type Decoded = { ok: true; row: MessageRow; canonical: boolean } | { ok: false; code: RefusalCode; reason: string };

const refuse = (code: RefusalCode, why: string): Decoded => ({ ok: false, code, reason: `${code}: ${why}` });

/**
 * Bytes → a row, or why not. The parsing is core/kafka.ts's (strict UTF-8,
 * BOM, the one parser); ingest's fetcher is alone in its worker thread, so it
 * skips the per-process memo the gateway and the bots share.
 */
export function decodeRecord(value: Buffer | null, topic: string, partition: number, offset: bigint): Decoded {
  try {
    const d = decodeBytes(value, { remember: false }); // ingest never serialises what it parsed
    if (!d.ok) {
      // (refusals are rare: classifying them again costs nothing on the hot path)
      if (value === null || value.length === 0) return refuse('empty_record', d.reason);
      if (!isUtf8(value)) return refuse('invalid_utf8', d.reason);
      return refuse('invalid_envelope', d.reason);
    }
    // The parser caps text at MAX_TEXT; a text that reached the cap may have been cut: measure what was sent.
    if (d.envelope.text.length >= MAX_TEXT) {
      const sent = sentTextLength(value!);
      if (sent > MAX_TEXT) return refuse('text_too_long', `text is ${sent.toLocaleString('en-US')} characters; the limit is ${MAX_TEXT.toLocaleString('en-US')} (refused, not stored truncated)`);
    }
    return { ok: true, row: envelopeRow(d.envelope, topic, partition, offset), canonical: d.canonical };
  } catch (err) {
    return refuse('decode_failed', String((err as Error)?.message ?? err).slice(0, 300));
  }
}

/** The length of the envelope's text as sent, once cleaned (code points), without the cap. */
function sentTextLength(value: Buffer): number {
  const bom = value.length >= 3 && value[0] === 0xef && value[1] === 0xbb && value[2] === 0xbf;
  const raw = (JSON.parse(value.toString('utf8', bom ? 3 : 0)) as { text?: unknown }).text;
  return typeof raw === 'string' ? codePointLength(cleanText(raw, Number.MAX_SAFE_INTEGER)) : 0;
}
