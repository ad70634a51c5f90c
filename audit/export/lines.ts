// JSON Lines and CSV: one record per event, in time order, one file for the range.
import { CSV_BOM, csvLine } from '../../core/csv.ts';
import type { ExportEvent } from './events.ts';

/** Output is handed on in pieces of about this many characters. */
const PIECE = 64 * 1024;

/** A piece of an export file: `file` names the file it belongs to (files come one after another). */
export interface ExportChunk {
  file: string;
  data: string;
  /** how many events this piece holds */
  events: number;
}

/** One JSON object a line: the event as it was on Kafka, plus `time` (ISO 8601 with offset) and `target`. */
export function jsonlRecord(e: ExportEvent): string {
  return JSON.stringify(e) + '\n';
}

export const CSV_COLUMNS = ['time', 'ts_ms', 'channel', 'type', 'id', 'target', 'reply_to', 'user_id', 'nick', 'text', 'kafka_topic', 'kafka_partition', 'kafka_offset', 'source', 'meta'] as const;

export function csvRecord(e: ExportEvent): string {
  return csvLine([e.time, e.ts, e.channel, e.type, e.id, e.target, e.reply_to, e.user.id, e.user.nick, e.text, e.kafka?.topic, e.kafka?.partition, e.kafka?.offset, e.source, e.meta]);
}

/** The events as one file of records (`head` first, e.g. the CSV's BOM and header). */
export async function* recordFile(file: string, events: AsyncIterable<ExportEvent>, record: (e: ExportEvent) => string, head = ''): AsyncGenerator<ExportChunk> {
  let data = head;
  let n = 0;
  for await (const e of events) {
    data += record(e);
    n++;
    if (data.length >= PIECE) {
      yield { file, data, events: n };
      data = '';
      n = 0;
    }
  }
  yield { file, data, events: n };
}

export const csvHead = () => CSV_BOM + csvLine(CSV_COLUMNS);
