// The events of an export, read from the message log as they were on Kafka
// (every type: messages, bot answers, edits, deletes, joins, leaves, nick
// changes; ephemeral answers too: an export is the record, for compliance).
import type { Database } from '../../core/db.ts';
import { isoInstant } from '../../core/time.ts';
import { messageLog } from '../../ingest/index.ts';
import type { ExportRange } from './range.ts';

export interface ExportEvent {
  id: string;
  type: string;
  channel: string;
  /** epoch ms */
  ts: number;
  /** the same instant as ISO 8601 with TZ_REPORTS's offset */
  time: string;
  user: { id: string; nick: string };
  text: string;
  reply_to: string | null;
  /** the message an `edit` or `delete` changes (meta.target) */
  target: string | null;
  meta: Record<string, unknown>;
  kafka: { topic: string; partition: number; offset: number } | null;
  source: string;
}

const FIELDS = ['id', 'type', 'channel', 'user_id', 'nick', 'text', 'ts', 'reply_to', 'topic', 'partition', 'offset', 'source', 'meta'] as const;

function parseMeta(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const m = JSON.parse(text) as unknown;
    return m && typeof m === 'object' && !Array.isArray(m) ? (m as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** How many events the range holds, per channel (largest first). */
export async function countExport(db: Database, range: ExportRange): Promise<Map<string, number>> {
  const rows = await messageLog(db).count('channel', { from: range.start, to: range.end, channel: range.channel, limit: 10_000 });
  return new Map(rows.map((r) => [String(r.key), r.count]));
}

/** The range's events in time order, or by channel then time (`order: 'channel'`, for one file per channel and day). */
export async function* exportEvents(db: Database, range: ExportRange, order: 'time' | 'channel'): AsyncGenerator<ExportEvent> {
  const batches = messageLog(db).read({ fields: FIELDS, from: range.start, to: range.end, channel: range.channel, order });
  for await (const b of batches) {
    for (let i = 0; i < b.size; i++) {
      const meta = parseMeta(b.meta[i]);
      const ts = b.ts[i] ?? 0;
      const topic = b.topic[i];
      yield {
        id: b.id[i],
        type: b.type[i],
        channel: b.channel[i],
        ts,
        time: isoInstant(ts, range.tz),
        user: { id: b.user_id[i], nick: b.nick[i] },
        text: b.text[i],
        reply_to: b.reply_to[i],
        target: typeof meta.target === 'string' ? meta.target : null,
        meta,
        kafka: topic === null ? null : { topic, partition: b.partition[i] ?? 0, offset: b.offset[i] ?? 0 },
        source: b.source[i],
      };
    }
  }
}
