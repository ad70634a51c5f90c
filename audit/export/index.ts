// Compliance export: every event of a range (messages, every version, deletes,
// joins and leaves) as JSON Lines, CSV (UTF-8 with BOM, for Excel) or EML (one
// RFC 5322 message per channel and day). `kchat export` writes the files;
// admins download the same over HTTP (GET /api/admin/export). Reads the
// message log only; the caller records the export in audit_log first.
import type { Database } from '../../core/db.ts';
import { countExport, exportEvents, type ExportEvent } from './events.ts';
import { emlFiles } from './eml.ts';
import { csvHead, csvRecord, jsonlRecord, recordFile, type ExportChunk } from './lines.ts';
import type { ExportFormat, ExportRange } from './range.ts';

export { exportRange, EXPORT_FORMATS, MAX_EXPORT_DAYS, type ExportFormat, type ExportRange, type ExportRequest } from './range.ts';
export { mboxSeparator } from './eml.ts';
export type { ExportChunk } from './lines.ts';
export type { ExportEvent } from './events.ts';

export interface ExportSummary {
  from: string;
  to: string;
  tz: string;
  format: string;
  channel: string | null;
  events: number;
  /** per channel: events by type (message, bot, edit, delete, join, leave, …) */
  channels: { channel: string; events: number; types: Record<string, number> }[];
  files: { file: string; events: number; bytes: number }[];
}

/** Where an export's events come from: the message log here, or a running server's JSON Lines stream. */
export interface ExportSource {
  /** events the range holds (known before the first one: for a progress bar) */
  total: number;
  events: AsyncIterable<ExportEvent>;
}

/** The range's events from this process's database, in the order its format needs. */
export async function exportSource(db: Database, range: ExportRange, order: 'time' | 'channel' = exportOrder(range.format)): Promise<ExportSource> {
  const perChannel = await countExport(db, range);
  return { total: [...perChannel.values()].reduce((a, b) => a + b, 0), events: exportEvents(db, range, order) };
}

/** EML groups by channel and day, so it reads by channel; the others in time order. */
export const exportOrder = (format: ExportFormat): 'time' | 'channel' => (format === 'eml' ? 'channel' : 'time');

/** The file name of a single-file export (JSON Lines, CSV). */
export function rangeFile(range: ExportRange): string {
  return `kchat-export_${range.from}_${range.to}${range.channel ? `_${range.channel}` : ''}.${range.format}`;
}

/**
 * The export's files, chunk by chunk, file after file; `summary` is complete
 * once the generator is exhausted. `onEvent` is told after each event (progress).
 */
export function exportChunks(source: ExportSource, range: ExportRange, summary: ExportSummary, onEvent?: (done: number, total: number) => void): AsyncGenerator<ExportChunk> {
  const byChannel = new Map<string, { channel: string; events: number; types: Record<string, number> }>();
  async function* counted(): AsyncGenerator<ExportEvent> {
    for await (const e of source.events) {
      let c = byChannel.get(e.channel);
      if (!c) byChannel.set(e.channel, (c = { channel: e.channel, events: 0, types: {} }));
      c.events++;
      c.types[e.type] = (c.types[e.type] ?? 0) + 1;
      summary.events++;
      onEvent?.(summary.events, source.total);
      yield e;
    }
  }
  const files =
    range.format === 'eml'
      ? emlFiles(counted(), range.tz)
      : range.format === 'csv'
        ? recordFile(rangeFile(range), counted(), csvRecord, csvHead())
        : recordFile(rangeFile(range), counted(), jsonlRecord);
  return (async function* () {
    for await (const chunk of files) {
      let file = summary.files.at(-1);
      if (file?.file !== chunk.file) summary.files.push((file = { file: chunk.file, events: 0, bytes: 0 }));
      file.bytes += Buffer.byteLength(chunk.data);
      file.events += chunk.events;
      yield chunk;
    }
    summary.channels = [...byChannel.values()].sort((a, b) => b.events - a.events || a.channel.localeCompare(b.channel));
  })();
}

/** An empty summary for a range, filled by exportChunks. */
export function newSummary(range: ExportRange): ExportSummary {
  return { from: range.from, to: range.to, tz: range.tz, format: range.format, channel: range.channel ?? null, events: 0, channels: [], files: [] };
}
