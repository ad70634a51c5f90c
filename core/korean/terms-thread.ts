// The terms thread (started by core/korean/terms-thread-host.ts): composes the
// topic terms of big batches with a KiwiTerms of its own (its own word
// cache), at the analysis's nice value. Kiwi is asked through the process
// that started it, which holds the one model.
import fs from 'node:fs';
import os from 'node:os';
import v8 from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { collectGarbage } from '../heap.ts';
import { KiwiUnavailableError, type Morphology } from './kiwi/analyzer.ts';
import { KiwiTerms } from './terms.ts';
import type { FromTermsThread, TermsThreadData, ToTermsThread } from './terms-thread-host.ts';

const data = workerData as TermsThreadData;
const port = parentPort!;
const send = (msg: FromTermsThread) => port.postMessage(msg);

// Linux keeps a nice value per thread; `setPriority` without a pid is the calling thread's.
let nice = 0;
let thread: number | null = null;
try {
  if (data.nice > 0) os.setPriority(data.nice);
  nice = os.getPriority();
  thread = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
} catch {
  // not Linux, or not allowed: the thread runs at the process's priority
}

// Questions for Kiwi, answered by the process; each names its batch (by the signal the batch was given).
const questions = new Map<number, (result: unknown[] | null, failure: string | null) => void>();
const batchOf = new WeakMap<AbortSignal, number>();
let nextQuestion = 1;
let failure: string | null = null;
const ask = (items: string[], context: boolean, signal?: AbortSignal): Promise<unknown[] | null> =>
  new Promise((resolve) => {
    const id = nextQuestion++;
    questions.set(id, (result, why) => {
      failure = why;
      resolve(result);
    });
    send({ type: 'kiwi', id, job: (signal && batchOf.get(signal)) ?? 0, items, context });
  });
// A batch's texts, plan and terms outlive its waits for Kiwi, so they reach V8's old generation, as
// does the word cache's older half when the newer one is full and it is dropped. V8 let that garbage
// pile up to several times the live set before collecting on its own (a count of 2M messages: ~72 MB
// live, up to ~190 MB), beside Kiwi's model in a process with a memory budget (README "Memory"). So
// the thread collects once its heap has grown by `collectAfterMiB` since the last collection: a pause
// of tens of milliseconds on this low-priority thread.
const GROWTH = data.collectAfterMiB * 2 ** 20;
let live = v8.getHeapStatistics().used_heap_size;
const heap = { collections: 0, usedBefore: 0, usedAfter: 0 };
function tidy(): void {
  const used = v8.getHeapStatistics().used_heap_size;
  if (used < live + GROWTH) return;
  collectGarbage();
  live = v8.getHeapStatistics().used_heap_size;
  Object.assign(heap, { collections: heap.collections + 1, usedBefore: used, usedAfter: live });
}

const kiwi = { name: data.name, analyze: ask, failureReason: () => failure } as Morphology;
const terms = new KiwiTerms(kiwi, data.cacheWords);

port.on('message', (msg: ToTermsThread) => {
  if (msg.type === 'kiwi') {
    const answer = questions.get(msg.id);
    questions.delete(msg.id);
    answer?.(msg.result, msg.failure);
    return;
  }
  const batch = new AbortController().signal; // never aborted: it names the batch in its questions
  batchOf.set(batch, msg.id);
  terms
    .terms(msg.texts, batch)
    .then(
      (result) => send({ type: 'terms', id: msg.id, result, heap }),
      (err: Error) => send({ type: 'terms', id: msg.id, error: err.message, kiwiUnavailable: err instanceof KiwiUnavailableError, heap }),
    )
    .finally(tidy);
});

send({ type: 'ready', nice, thread });
