// The importer's reading half in a worker thread: read, parse, check and
// serialise (stream.ts, prepare.ts) one batch ahead of the thread that
// produces to Kafka (import.ts), so the two halves of an import — each about
// half of its CPU — run on two cores. The producing thread asks for each
// batch ("next"), so at most the batches it asked for are ever held here.
import { parentPort, workerData } from 'node:worker_threads';
import type { NormaliseOptions } from './records.ts';
import { prepareBatch, type PreparedBatch } from './prepare.ts';
import { openRecords } from './stream.ts';

export interface PrepareData {
  file: string;
  options: NormaliseOptions;
}

/** What the thread answers to each "next": a batch, the end of the file, or why reading failed. */
export type PrepareReply = { batch: PreparedBatch; position: number } | { done: true; position: number } | { error: string };

const port = parentPort!;
const { file, options } = workerData as PrepareData;
const stream = await openRecords(file);
const batches = stream.batches();
let asked = 0;
let busy = false;

async function answer(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    for (; asked > 0; asked--) {
      const next = await batches.next();
      if (next.done) {
        port.postMessage({ done: true, position: stream.position() } satisfies PrepareReply);
        continue;
      }
      const batch = prepareBatch(next.value, options);
      port.postMessage({ batch, position: stream.position() } satisfies PrepareReply, [batch.values.buffer as ArrayBuffer]);
    }
  } catch (err) {
    port.postMessage({ error: (err as Error).message } satisfies PrepareReply);
  } finally {
    busy = false;
  }
}

port.on('message', (m: unknown) => {
  if (m !== 'next') return;
  asked++;
  void answer();
});
