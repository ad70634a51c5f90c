// A stored `messages` row as the envelope it was on Kafka (meta included):
// the one way readers in ingest/ turn rows back into envelopes.
import type { Envelope, EventType } from '../core/envelope.ts';

/** A stored row as its envelope. */
export function rowEnvelope(r: Record<string, unknown>): Envelope {
  let meta: Record<string, unknown> = {};
  if (typeof r.meta === 'string') {
    try {
      const m = JSON.parse(r.meta) as unknown;
      if (m && typeof m === 'object' && !Array.isArray(m)) meta = m as Record<string, unknown>;
    } catch {
      // stored by an older writer as something else: keep the event, drop the meta
    }
  }
  return {
    v: 1,
    id: String(r.id),
    type: String(r.type) as EventType,
    channel: String(r.channel),
    user: { id: String(r.user_id), nick: String(r.nick) },
    text: String(r.text ?? ''),
    ts: Number(r.ts),
    reply_to: r.reply_to == null ? null : String(r.reply_to),
    meta,
  };
}
