// `kchat import-legacy`: the bootcamp's log files → envelopes on chat.events,
// like every other event, so every audit node (ingest → DuckDB) and the
// search service see them. Streaming and bounded: records are read, checked
// and serialised in batches by a worker thread (prepare-thread.ts) while this
// thread produces the previous batch (one request in flight); what stays in
// memory per file is a compact set of the ids seen (16 bytes a record,
// idset.ts), the list of rejected lines and a few batches.
//
// Counts always add up: read = imported + duplicates + rejected, where
// duplicates are records whose id was already stored (asked before the file
// is read) or came earlier in the same file, and imported are the records
// sent. Ids are deterministic (records.ts), and ingest stores an imported id
// at most once (dedupe.ts), so a re-import — even one racing another — adds
// nothing.
import fs from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { Config } from '../../core/config.ts';
import { channelName } from '../../core/envelope.ts';
import { InputError } from '../../core/errors.ts';
import type { Message } from '../../core/kafka.ts';
import { logger } from '../../core/log.ts';
import { tsWorker } from '../../core/threads.ts';
import type { LegacyFormat } from './formats.ts';
import { IdSet } from './idset.ts';
import { prepareBatch, RECORD_OVERHEAD, SEND_BYTES, type PreparedBatch } from './prepare.ts';
import type { PrepareData, PrepareReply } from './prepare-thread.ts';
import type { NormaliseOptions } from './records.ts';
import { pacer, type Pacer } from './pace.ts';
import { openRecords, type RecordStream } from './stream.ts';

const log = logger('ingest.legacy');

/** Records per produce request (and at most SEND_BYTES, prepare.ts). */
const SEND_BATCH = 4000;
/** Files from this size on are read in a worker thread; below it the thread's start (~0.3 s) costs more than it saves. */
export const THREAD_MIN_BYTES = 4 << 20;
/** Batches the worker thread prepares ahead of the one being sent. */
const AHEAD = 2;

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
  /** read files of at least this many bytes in a worker thread (default THREAD_MIN_BYTES; Parquet is always read here) */
  threadMinBytes?: number;
  /** beside a running server: how many records its ingest or search service is behind the log (the import keeps pace, pace.ts) */
  behind?: () => Promise<number | null>;
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

/** A file's batches, prepared here or by a worker thread, with how far into the file each ends. */
async function* preparedBatches(stream: RecordStream, file: string, options: NormaliseOptions, threaded: boolean): AsyncGenerator<{ batch: PreparedBatch; position: number }> {
  if (!threaded) {
    for await (const raw of stream.batches()) yield { batch: prepareBatch(raw, options), position: stream.position() };
    return;
  }
  const worker: Worker = tsWorker(new URL('./prepare-thread.ts', import.meta.url), { file, options } satisfies PrepareData, 'kchat-import-reader');
  const replies: PrepareReply[] = [];
  let wake: (() => void) | null = null;
  const arrive = (r: PrepareReply) => {
    replies.push(r);
    wake?.();
  };
  worker.on('message', arrive);
  worker.on('error', (err) => arrive({ error: err.message }));
  worker.on('exit', (code) => arrive({ error: `the import's reading thread ended (exit code ${code})` }));
  try {
    for (let i = 0; i < AHEAD; i++) worker.postMessage('next');
    for (;;) {
      while (!replies.length) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      const r = replies.shift()!;
      if ('error' in r) throw new Error(`${path.basename(file)}: ${r.error}`);
      if ('done' in r) return;
      worker.postMessage('next');
      yield r;
    }
  } finally {
    worker.removeAllListeners('exit');
    await worker.terminate();
  }
}

export async function importFile(o: ImportOptions, file: string, channel: string, pace: Pacer | null = null): Promise<FileSummary> {
  const base = path.basename(file);
  const started = Date.now();
  const stream = await openRecords(file);
  const summary: FileSummary = { file, format: stream.format, read: 0, imported: 0, duplicates: 0, rejected: [] };
  const seen = new IdSet();
  let known = 0;
  for await (const ids of o.known(sourceOf(file))) {
    for (const id of ids) if (seen.add(id)) known++;
  }
  const options: NormaliseOptions = { file: base, format: stream.format, channel, tz: o.config.tzReports, importedAt: started };
  const pacedBefore = pace?.waitedMs ?? 0;
  const threaded = stream.format !== 'parquet' && stream.size >= (o.threadMinBytes ?? THREAD_MIN_BYTES);
  let out: Message[] = [];
  let outBytes = 0;
  let inFlight: Promise<void> = Promise.resolve();
  const flush = async () => {
    const batch = out;
    out = [];
    outBytes = 0;
    await inFlight; // one request in flight: the next batch is prepared meanwhile, memory stays bounded
    await pace?.beforeSend(batch.length);
    inFlight = o.send(batch);
    inFlight.catch(() => undefined); // observed by the next await
  };
  for await (const { batch, position } of preparedBatches(stream, file, options, threaded)) {
    summary.read += batch.read;
    for (const r of batch.rejected) summary.rejected.push(r);
    const { values, ends } = batch;
    for (let i = 0, start = 0; i < batch.ids.length; start = ends[i], i++) {
      if (!seen.add(batch.ids[i])) {
        summary.duplicates++;
        continue;
      }
      const key = batch.keys[i];
      const size = ends[i] - start + Buffer.byteLength(key) + RECORD_OVERHEAD;
      if (outBytes + size > SEND_BYTES && out.length) await flush();
      out.push({ key, value: Buffer.from(values.buffer, values.byteOffset + start, ends[i] - start), timestamp: batch.timestamps[i] });
      outBytes += size;
      summary.imported++;
      if (out.length >= SEND_BATCH) await flush();
    }
    o.onProgress?.({ file, bytes: position, size: stream.size, read: summary.read, imported: summary.imported });
  }
  if (out.length) await flush();
  await inFlight;
  o.onProgress?.({ file, bytes: stream.size, size: stream.size, read: summary.read, imported: summary.imported });
  log.info(
    { file: base, format: stream.format, read: summary.read, imported: summary.imported, duplicates: summary.duplicates, rejected: summary.rejected.length, known, threaded, paced_ms: pace ? pace.waitedMs - pacedBefore : undefined, ms: Date.now() - started },
    'legacy file sent to the chat log',
  );
  return summary;
}

export async function importLegacy(o: ImportOptions): Promise<{ files: FileSummary[] }> {
  const channel = checkImportArgs(o.files, o.channel);
  const pace = o.behind ? pacer({ behind: o.behind, onStall: (lag) => log.warn({ lag }, 'the server stopped catching up with the import; producing without waiting for it') }) : null;
  const files: FileSummary[] = [];
  for (const f of o.files) files.push(await importFile(o, f, channel, pace));
  return { files };
}
