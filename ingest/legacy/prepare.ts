// A batch of raw records → what the importer produces: each record checked and
// turned into an envelope (records.ts), serialised as Kafka will carry it
// (core/kafka.ts), its value encoded to UTF-8 once. The result is columnar —
// all values in one byte buffer — so a worker thread can hand a batch to the
// producing thread without copying it (prepare-thread.ts).
import { envelopeMessage } from '../../core/kafka.ts';
import { EVENTS_MAX_MESSAGE_BYTES } from '../../core/topics.ts';
import type { RawRecord } from './formats.ts';
import { normalise, type NormaliseOptions } from './records.ts';

/** Bytes of one produce request: the records of one partition form one Kafka batch, and chat.events takes at most 1 MiB (core/topics.ts). */
export const SEND_BYTES = EVENTS_MAX_MESSAGE_BYTES - (1 << 17);
/** What a record adds to a Kafka batch besides its value and key (varints, attributes, deltas: a generous bound). */
export const RECORD_OVERHEAD = 32;

export interface PreparedBatch {
  /** records read */
  read: number;
  /** records that are not chat events, with the reason */
  rejected: { line: number; reason: string }[];
  /** the envelopes, in file order: id, Kafka key and timestamp each */
  ids: string[];
  keys: string[];
  timestamps: string[];
  /** their values (the envelopes' JSON, UTF-8) back to back: record i is values[ends[i-1] ?? 0, ends[i]) */
  values: Uint8Array;
  ends: Uint32Array;
}

export function prepareBatch(batch: RawRecord[], o: NormaliseOptions): PreparedBatch {
  const rejected: PreparedBatch['rejected'] = [];
  const ids: string[] = [];
  const keys: string[] = [];
  const timestamps: string[] = [];
  const texts: string[] = [];
  let total = 0;
  for (const rec of batch) {
    const n = normalise(rec, o);
    if (!n.ok) {
      rejected.push({ line: rec.line, reason: n.reason });
      continue;
    }
    const m = envelopeMessage(n.envelope);
    const value = m.value as string;
    const key = m.key as string;
    const bytes = Buffer.byteLength(value);
    const size = bytes + Buffer.byteLength(key) + RECORD_OVERHEAD;
    if (size > SEND_BYTES) {
      // the envelope keeps the line as written (meta.legacy.original): a line this long cannot go through Kafka
      rejected.push({ line: rec.line, reason: `record too large for the chat log (${size} bytes as an envelope; at most ${SEND_BYTES})` });
      continue;
    }
    ids.push(n.envelope.id);
    keys.push(key);
    timestamps.push(m.timestamp as string);
    texts.push(value);
    total += bytes;
  }
  const values = Buffer.allocUnsafeSlow(total);
  const ends = new Uint32Array(texts.length);
  let at = 0;
  for (let i = 0; i < texts.length; i++) {
    at += values.write(texts[i], at);
    ends[i] = at;
  }
  return { read: batch.length, rejected, ids, keys, timestamps, values, ends };
}
