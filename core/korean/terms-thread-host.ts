// The terms thread, seen from the process that starts it.
//
// Composing a message's topic terms (preparing its words, looking them up in
// the word cache, putting Kiwi's morphemes together: ~0.1 ms a message) was
// about half of a history count's work on the server's event loop, at the
// process's priority, beside the search service answering on the other core;
// here big batches go to one thread that runs at the analysis's nice value
// (KCHAT_KIWI_NICE, like the Kiwi worker), so it takes only the CPU nobody
// else wants. Kiwi itself stays the process's one KiwiAnalyzer: the thread
// asks this side for the words its cache does not know (few, once the
// cache is warm), so there is still one model in memory.
//
// The thread is started by the first big batch and stopped after `idleMs`
// without one (its word cache goes with it; a chat's small batches are
// composed on the caller's thread and never start it).
import type { Worker } from 'node:worker_threads';
import { logger } from '../log.ts';
import { tsWorker } from '../threads.ts';
import type { KiwiAnalyzer } from './kiwi/analyzer.ts';
import type { TopicTerm } from './terms.ts';

const log = logger('korean.terms');

/**
 * The thread's word cache: 100,000 words (~24 MB of its heap at ~240 bytes a word), half the event loop's —
 * a count holds it beside Kiwi's model in a process with a memory budget (README "Memory"), and a history's
 * words repeat: what the count meets again soon is what the cache's newer half keeps.
 */
export const THREAD_CACHE_WORDS = 100_000;
/** The thread collects its garbage once its heap has grown by this much since the last collection (MiB; terms-thread.ts says why). */
export const THREAD_COLLECT_AFTER_MIB = 16;

export interface TermsThreadOptions {
  /** the thread's nice value (0–19; 0 = the process's own) */
  nice: number;
  /** stop the thread after this long without a batch (ms) */
  idleMs: number;
  /** words its cache keeps (THREAD_CACHE_WORDS) */
  cacheWords?: number;
  /** (THREAD_COLLECT_AFTER_MIB) */
  collectAfterMiB?: number;
}

/** What the thread starts with. */
export interface TermsThreadData {
  name: string;
  nice: number;
  cacheWords: number;
  collectAfterMiB: number;
}

/** The thread's own garbage collections (terms-thread.ts): how many, and its used heap before and after the last. */
export interface TermsThreadHeap {
  collections: number;
  usedBefore: number;
  usedAfter: number;
}

/** Process → thread: a batch to compose, or Kiwi's answer to the thread's question `id`. */
export type ToTermsThread = { type: 'terms'; id: number; texts: readonly string[] } | { type: 'kiwi'; id: number; result: unknown[] | null; failure: string | null };

/** Thread → process: started; a batch's terms (or why not); a question for Kiwi on behalf of batch `job`. */
export type FromTermsThread =
  | { type: 'ready'; nice: number; thread: number | null }
  | { type: 'terms'; id: number; result?: TopicTerm[][]; error?: string; kiwiUnavailable?: boolean; heap: TermsThreadHeap }
  | { type: 'kiwi'; id: number; job: number; items: string[]; context: boolean };

interface Job {
  resolve: (terms: TopicTerm[][]) => void;
  reject: (err: Error) => void;
  signal?: AbortSignal;
}

export class TermsThread {
  private worker: Worker | null = null;
  private starting: Promise<Worker> | null = null;
  /** batches sent and not answered yet (an abandoned one stays until the thread answers it) */
  private jobs = new Map<number, Job>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;
  private stats = { starts: 0, batches: 0, texts: 0, nice: null as number | null, thread: null as number | null, heap: null as TermsThreadHeap | null };

  constructor(
    private readonly kiwi: KiwiAnalyzer,
    private readonly options: TermsThreadOptions,
  ) {}

  /**
   * Whether it runs, how often it was started, what it composed, the kernel thread and nice value of its last
   * start, and its garbage collections as of its last answer.
   */
  info() {
    return { running: this.worker !== null, ...this.stats };
  }

  /**
   * The texts' terms, composed on the thread. Rejects at once when `signal` aborts (the thread finishes the
   * batch unheard); with `kiwiUnavailable: true` on the error when Kiwi could not be used.
   */
  async terms(texts: readonly string[], signal?: AbortSignal): Promise<TopicTerm[][]> {
    signal?.throwIfAborted();
    const worker = await this.start();
    signal?.throwIfAborted(); // stopped while the thread started
    this.clearIdle();
    worker.ref(); // a batch in flight keeps the process alive; an idle thread does not
    const id = this.nextId++;
    let onAbort = () => {};
    try {
      return await new Promise<TopicTerm[][]>((resolve, reject) => {
        this.jobs.set(id, { resolve, reject, signal });
        onAbort = () => reject(signal?.reason instanceof Error ? signal.reason : new Error('the count stopped'));
        signal?.addEventListener('abort', onAbort, { once: true });
        worker.postMessage({ type: 'terms', id, texts } satisfies ToTermsThread);
      });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Stop the thread now (batches in flight are rejected). */
  async release(): Promise<void> {
    this.clearIdle();
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private start(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= new Promise<Worker>((resolve, reject) => {
      const data: TermsThreadData = { name: this.kiwi.name, nice: this.options.nice, cacheWords: this.options.cacheWords ?? THREAD_CACHE_WORDS, collectAfterMiB: this.options.collectAfterMiB ?? THREAD_COLLECT_AFTER_MIB };
      const w = tsWorker(new URL('./terms-thread.ts', import.meta.url), data, 'kchat-topic-terms');
      const fail = (err: Error) => {
        this.starting = null;
        reject(err);
      };
      w.once('error', (err) => fail(new Error(`the topic terms thread failed to start: ${err.message}`)));
      w.once('exit', (code) => fail(new Error(`the topic terms thread exited while starting (code ${code})`)));
      w.on('message', (msg: FromTermsThread) => {
        if (msg.type !== 'ready') return void this.onMessage(w, msg);
        w.removeAllListeners('error');
        w.removeAllListeners('exit');
        w.on('error', (err) => log.error({ err: err.message }, 'topic terms thread error'));
        w.on('exit', (code) => this.stopped(w, code));
        this.stats.starts++;
        this.stats.nice = msg.nice;
        this.stats.thread = msg.thread;
        this.worker = w;
        this.starting = null;
        log.debug({ nice: msg.nice, thread: msg.thread }, 'topic terms thread started');
        resolve(w);
      });
    });
    return this.starting;
  }

  private async onMessage(w: Worker, msg: Exclude<FromTermsThread, { type: 'ready' }>): Promise<void> {
    if (msg.type === 'terms') {
      this.stats.heap = msg.heap;
      const job = this.jobs.get(msg.id);
      this.jobs.delete(msg.id);
      if (msg.result) {
        this.stats.batches++;
        this.stats.texts += msg.result.length;
        job?.resolve(msg.result);
      } else {
        job?.reject(Object.assign(new Error(msg.error ?? 'the topic terms thread failed'), { kiwiUnavailable: msg.kiwiUnavailable === true }));
      }
      if (this.jobs.size === 0) this.armIdle(w);
      return;
    }
    // Kiwi for the words a batch's cache does not know; none for a batch whose caller stopped waiting
    const signal = this.jobs.get(msg.job)?.signal;
    let result: unknown[] | null = null;
    if (this.jobs.has(msg.job) && !signal?.aborted) {
      result = msg.context ? await this.kiwi.analyze(msg.items, true, signal) : await this.kiwi.analyze(msg.items, false, signal);
    }
    w.postMessage({ type: 'kiwi', id: msg.id, result, failure: result ? null : this.kiwi.failureReason() } satisfies ToTermsThread);
  }

  private stopped(w: Worker, code: number): void {
    if (this.worker === w) this.worker = null;
    for (const job of this.jobs.values()) job.reject(new Error(`the topic terms thread stopped (code ${code})`));
    this.jobs.clear();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private armIdle(w: Worker): void {
    w.unref();
    this.clearIdle();
    this.idleTimer = setTimeout(() => {
      if (this.jobs.size === 0) void this.release();
    }, this.options.idleMs);
    this.idleTimer.unref();
  }
}
