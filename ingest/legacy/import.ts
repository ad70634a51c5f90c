// `kchat import-legacy`: the bootcamp's log files → envelopes on chat.events,
// like every other event, so every audit node (ingest → DuckDB) and the
// search service see them. Streaming and bounded: records are read, checked
// and produced in batches (one batch in flight while the next is prepared);
// what stays in memory per file is a compact set of the ids seen (16 bytes a
// record, idset.ts) and the list of rejected lines.
//
// Counts always add up: read = imported + duplicates + rejected, where
// duplicates are records whose id was already stored (asked before the file
// is read) or came earlier in the same file, and imported are the records
// sent. Ids are deterministic (records.ts), and ingest stores an imported id
// at most once (dedupe.ts), so a re-import — even one racing another — adds
// nothing.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../core/config.ts';
import { channelName } from '../../core/envelope.ts';
import { InputError } from '../../core/errors.ts';
import { envelopeMessage, type Message } from '../../core/kafka.ts';
import { logger } from '../../core/log.ts';
import { EVENTS_MAX_MESSAGE_BYTES } from '../../core/topics.ts';
import type { LegacyFormat } from './formats.ts';
import { IdSet } from './idset.ts';
import { normalise } from './records.ts';
import { openRecords } from './stream.ts';

const log = logger('ingest.legacy');

/** Records per produce request, and bytes: the records of one partition form one Kafka batch, and chat.events takes at most 1 MiB (core/topics.ts). */
const SEND_BATCH = 4000;
const SEND_BYTES = EVENTS_MAX_MESSAGE_BYTES - (1 << 17);
/** What a record adds to a Kafka batch besides its value and key (varints, attributes, deltas: a generous bound). */
const RECORD_OVERHEAD = 32;

export interface FileSummary {
  file: string;
  format: LegacyFormat;
  read: number;
  imported: number;
  duplicates: number;
  rejected: { line: number; reason: string }[];
}

export interface ImportProgress {
  file: string;
  /** bytes of the file read so far, of `size` */
  bytes: number;
  size: number;
  read: number;
  imported: number;
}

export interface ImportOptions {
  config: Config;
  files: string[];
  /** channel for records that do not name one (default `legacy`) */
  channel?: string;
  /** produce records to chat.events (resolves once the broker acknowledged them) */
  send: (messages: Message[]) => Promise<void>;
  /** the ids already stored for a source (`legacy:<file name>`), in batches */
  known: (source: string) => AsyncIterable<string[]>;
  onProgress?: (p: ImportProgress) => void;
}

/** The `source` column of a file's rows. */
export const sourceOf = (file: string): string => `legacy:${path.basename(file)}`;

/** Check the arguments before anything is read or sent: missing files and bad channels are the caller's mistakes. */
export function checkImportArgs(files: string[], channel: string | undefined): string {
  const ch = channel === undefined ? 'legacy' : channelName(channel);
  if (!ch) throw new InputError('bad_channel', `not a valid channel name: "${channel}"`);
  if (files.length === 0) throw new InputError('no_files', 'no files given');
  for (const f of files) {
    let st: fs.Stats;
    try {
      st = fs.statSync(f);
    } catch (err) {
      throw new InputError('bad_file', `cannot read ${f}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    if (!st.isFile()) throw new InputError('bad_file', `${f} is not a file`);
  }
  return ch;
}

export async function importFile(o: ImportOptions, file: string, channel: string): Promise<FileSummary> {
  const base = path.basename(file);
  const started = Date.now();
  const stream = await openRecords(file);
  const summary: FileSummary = { file, format: stream.format, read: 0, imported: 0, duplicates: 0, rejected: [] };
  const seen = new IdSet();
  let known = 0;
  for await (const ids of o.known(sourceOf(file))) {
    for (const id of ids) if (seen.add(id)) known++;
  }
  const opts = { file: base, format: stream.format, channel, tz: o.config.tzReports, importedAt: started };
  let out: Message[] = [];
  let outBytes = 0;
  let inFlight: Promise<void> = Promise.resolve();
  const flush = async () => {
    const batch = out;
    out = [];
    outBytes = 0;
    await inFlight; // one request in flight: the next batch is prepared meanwhile, memory stays bounded
    inFlight = o.send(batch);
    inFlight.catch(() => undefined); // observed by the next await
  };
  for await (const batch of stream.batches()) {
    for (const rec of batch) {
      summary.read++;
      const n = normalise(rec, opts);
      if (!n.ok) {
        summary.rejected.push({ line: rec.line, reason: n.reason });
        continue;
      }
      if (seen.has(n.envelope.id)) {
        summary.duplicates++;
        continue;
      }
      const m = envelopeMessage(n.envelope);
      const size = Buffer.byteLength(m.value as string) + Buffer.byteLength(m.key as string) + RECORD_OVERHEAD;
      if (size > SEND_BYTES) {
        // the envelope keeps the line as written (meta.legacy.original): a line this long cannot go through Kafka
        summary.rejected.push({ line: rec.line, reason: `record too large for the chat log (${size} bytes as an envelope; at most ${SEND_BYTES})` });
        continue;
      }
      seen.add(n.envelope.id);
      if (outBytes + size > SEND_BYTES && out.length) await flush();
      out.push(m);
      outBytes += size;
      summary.imported++;
      if (out.length >= SEND_BATCH) await flush();
    }
    o.onProgress?.({ file, bytes: stream.position(), size: stream.size, read: summary.read, imported: summary.imported });
  }
  if (out.length) await flush();
  await inFlight;
  o.onProgress?.({ file, bytes: stream.size, size: stream.size, read: summary.read, imported: summary.imported });
  log.info(
    { file: base, format: stream.format, read: summary.read, imported: summary.imported, duplicates: summary.duplicates, rejected: summary.rejected.length, known, ms: Date.now() - started },
    'legacy file sent to the chat log',
  );
  return summary;
}

export async function importLegacy(o: ImportOptions): Promise<{ files: FileSummary[] }> {
  const channel = checkImportArgs(o.files, o.channel);
  const files: FileSummary[] = [];
  for (const f of o.files) files.push(await importFile(o, f, channel));
  return { files };
}
