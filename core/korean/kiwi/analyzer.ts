// The one Kiwi worker of a process, started when there is work and
// terminated after `idleMs` without any: the model (~0.56 GB of WebAssembly
// memory once built) is only resident while analysis runs. Until the model
// is there (absent and being fetched, failed, or KCHAT_KIWI=off) callers get
// `null` and use the rule tokenizer (core/korean/tokenize.ts).
//
// Two ways in: `analyze()` (async, for topic counting — the server's event
// loop never waits on Kiwi) and `analyzeSync()` (Atomics.wait on a shared
// buffer, for DuckDB's synchronous scalar functions; only when `isReady()`).
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { logger } from '../../log.ts';
import { ensureModel, KIWI_MODEL_VERSION, MODEL_FILES, modelReady } from './model.ts';

const log = logger('korean.kiwi');

/** Morphemes worth counting, as the worker sends them: [form, tag, form, tag, …]. */
export type Morphs = string[];
/** One text analysed in context: the morphemes of each of its space-separated words. */
export type TextMorphs = Morphs[];

// Kiwi Match flags: join a noun prefix to its noun (재/XPN + 시작 → 재시작).
const MATCH_JOIN_NOUN_PREFIX = 131072;
/** Shared buffer for synchronous calls: 2 int32 (state, length) + the JSON answer. */
const SYNC_BYTES = 8 << 20;

export interface KiwiOptions {
  modelDir: string;
  /** terminate the worker after this long without work (ms) */
  idleMs: number;
  /** fetch the model on first use when it is missing */
  fetch: boolean;
  /** false = never load (KCHAT_KIWI=off) */
  enabled: boolean;
  /** the worker thread's nice value (0–19; 0 = the process's own): analysis yields the cores to searches and ingest */
  nice?: number;
}

export type KiwiState = 'off' | 'idle' | 'fetching' | 'loading' | 'ready' | 'failed';

export class KiwiUnavailableError extends Error {
  constructor(reason: string | null) {
    super(`Kiwi is unavailable${reason ? `: ${reason}` : ''}`);
    this.name = 'KiwiUnavailableError';
  }
}

/** What composing topic terms needs of Kiwi: the process's KiwiAnalyzer, or a thread's line to it (core/korean/terms-thread.ts). */
export interface Morphology {
  readonly name: string;
  analyze(items: string[], context: false, signal?: AbortSignal): Promise<(Morphs | null)[] | null>;
  analyze(items: string[], context: true, signal?: AbortSignal): Promise<(TextMorphs | null)[] | null>;
  failureReason(): string | null;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/** Emits 'load' (ms) when the worker is ready and 'release' when it is terminated. */
export class KiwiAnalyzer extends EventEmitter implements Morphology {
  /** what the counts made with this analyser are labelled with */
  readonly name = `kiwi-${KIWI_MODEL_VERSION}`;
  private worker: Worker | null = null;
  private starting: Promise<Worker | null> | null = null;
  private readyWorker = false;
  private failure: string | null = null;
  private fetching = false;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private idleTimer: NodeJS.Timeout | null = null;
  private busy = 0;
  /** when the worker last finished a piece of work (or loaded) */
  private lastUsed = 0;
  /** calls waiting for the worker to load, and the worker being loaded (a load nobody waits for any more is stopped) */
  private waiting = 0;
  private loading: Worker | null = null;
  private shared = new SharedArrayBuffer(SYNC_BYTES);
  private stats = { loads: 0, loadMs: 0, words: 0, texts: 0, loadLeftMiB: 0, nice: 0, thread: null as number | null };

  constructor(readonly options: KiwiOptions) {
    super();
  }

  state(): KiwiState {
    if (!this.options.enabled) return 'off';
    if (this.failure) return 'failed';
    if (this.fetching) return 'fetching';
    if (this.readyWorker) return 'ready';
    if (this.starting) return 'loading';
    return 'idle';
  }

  /** Why Kiwi is not used, when it is not. */
  failureReason(): string | null {
    return this.options.enabled ? this.failure : 'Kiwi is turned off (KCHAT_KIWI=off)';
  }

  /** True when the model files are present (loading them needs no download). */
  modelPresent(): boolean {
    return modelReady(this.options.modelDir);
  }

  isReady(): boolean {
    return this.readyWorker && this.worker !== null;
  }

  info() {
    return { state: this.state(), model: this.options.modelDir, version: KIWI_MODEL_VERSION, ...this.stats, ...(this.failure ? { error: this.failure } : {}) };
  }

  /** Start the worker (fetching the model first if allowed); resolves false when Kiwi cannot be used or `signal` stopped the wait. */
  async ready(signal?: AbortSignal): Promise<boolean> {
    return (await this.started(signal)) !== null;
  }

  /**
   * Analyse each word alone (`context` false) or each text as a whole (`context` true).
   * Resolves null when Kiwi is unavailable; a single word that Kiwi rejects comes back null.
   */
  async analyze(items: string[], context: false, signal?: AbortSignal): Promise<(Morphs | null)[] | null>;
  async analyze(items: string[], context: true, signal?: AbortSignal): Promise<(TextMorphs | null)[] | null>;
  async analyze(items: string[], context: boolean, signal?: AbortSignal): Promise<unknown[] | null> {
    if (items.length === 0) return [];
    const worker = await this.started(signal);
    if (!worker) return null;
    this.busy++;
    this.clearIdle();
    try {
      const id = this.nextId++;
      const result = await new Promise<unknown>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        worker.postMessage({ type: 'analyze', id, items, context });
      });
      if (context) this.stats.texts += items.length;
      else this.stats.words += items.length;
      return result as unknown[];
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'Kiwi analysis failed; the rule tokenizer takes over for this batch');
      return null;
    } finally {
      this.busy--;
      this.armIdle();
    }
  }

  /** Blocking variant for DuckDB scalar functions; null unless the worker is loaded (await ready() first). */
  analyzeSync(items: string[], context: boolean, timeoutMs = 30_000): unknown[] | null {
    if (!this.isReady() || !this.worker) return null;
    if (items.length === 0) return [];
    const state = new Int32Array(this.shared, 0, 2);
    this.clearIdle();
    try {
      Atomics.store(state, 0, 0);
      this.worker.postMessage({ type: 'sync', items, context });
      if (Atomics.wait(state, 0, 0, timeoutMs) === 'timed-out') throw new Error(`Kiwi did not answer within ${timeoutMs} ms`);
      if (Atomics.load(state, 0) === 2) {
        // the answer did not fit the buffer: halve the batch
        if (items.length === 1) return [null];
        const mid = items.length >> 1;
        const a = this.analyzeSync(items.slice(0, mid), context, timeoutMs);
        const b = this.analyzeSync(items.slice(mid), context, timeoutMs);
        return a && b ? [...a, ...b] : null;
      }
      const len = Atomics.load(state, 1);
      const json = Buffer.from(new Uint8Array(this.shared, 8, len)).toString('utf8');
      return JSON.parse(json) as unknown[];
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'Kiwi (synchronous) analysis failed; the rule tokenizer takes over');
      return null;
    } finally {
      this.armIdle();
    }
  }

  /**
   * The loaded worker, waiting for a load if needed; null when Kiwi is unavailable
   * or `signal` stopped the wait. When every caller waiting for a load has
   * stopped waiting (a topic count that yielded to a bulk ingest), the load
   * itself is stopped: the model is not built for nobody.
   */
  private async started(signal?: AbortSignal): Promise<Worker | null> {
    if (this.worker && this.readyWorker) return this.worker;
    if (signal?.aborted) return null;
    this.waiting++;
    let onAbort = () => {};
    const stopped = new Promise<null>((resolve) => {
      onAbort = () => resolve(null);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([this.start(), stopped]);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.waiting--;
      if (this.waiting === 0 && this.loading) {
        const w = this.loading;
        this.loading = null;
        this.starting = null;
        log.info('Kiwi load stopped: nothing waits for it any more');
        void w.terminate();
      }
    }
  }

  /** Terminate the worker now (its memory goes back to the system). */
  async release(): Promise<void> {
    this.clearIdle();
    const w = this.worker;
    this.worker = null;
    this.readyWorker = false;
    this.starting = null;
    if (w) {
      await w.terminate();
      log.info('Kiwi worker released');
      this.emit('release');
    }
  }

  /**
   * Terminate the worker now if it is loaded and has done nothing for `quietMs`
   * (the topic count's pace calls this while a bulk ingest streams in: the
   * model's ~0.6 GB is worth more to ingest and search then, and the count
   * waits for the bulk's end anyway). Resolves whether it was released.
   */
  async releaseIfIdle(quietMs: number): Promise<boolean> {
    if (!this.readyWorker || this.busy > 0 || Date.now() - this.lastUsed < quietMs) return false;
    await this.release();
    return true;
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private armIdle(): void {
    this.lastUsed = Date.now();
    if (this.busy > 0 || !this.worker) return;
    this.clearIdle();
    this.idleTimer = setTimeout(() => {
      if (this.busy === 0) void this.release();
    }, this.options.idleMs);
    this.idleTimer.unref();
  }

  private start(): Promise<Worker | null> {
    if (!this.options.enabled || this.failure) return Promise.resolve(null);
    if (this.worker && this.readyWorker) return Promise.resolve(this.worker);
    if (this.starting) return this.starting;
    const attempt: Promise<Worker | null> = this.load().catch((err: unknown) => {
      // a load stopped because nothing waited for it (started()) is not a failure: the next call loads again
      if (this.starting !== attempt) return null;
      this.failure = (err as Error).message;
      this.starting = null;
      this.loading = null;
      log.error({ err: this.failure }, 'Kiwi is unavailable: topic statistics use the rule tokenizer');
      return null;
    });
    this.starting = attempt;
    return attempt;
  }

  private async load(): Promise<Worker> {
    const dir = this.options.modelDir;
    if (!modelReady(dir)) {
      if (!this.options.fetch) throw new Error(`the Kiwi model is not in ${dir} (fetch it with \`npx tsx core/korean/kiwi/model.ts\`)`);
      this.fetching = true;
      try {
        await ensureModel(dir);
      } finally {
        this.fetching = false;
      }
    }
    const started = Date.now();
    const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
      workerData: { modelDir: dir, files: MODEL_FILES, options: { match: MATCH_JOIN_NOUN_PREFIX }, shared: this.shared, nice: this.options.nice ?? 0 },
      // the server's own flags (e.g. tsx's loader) are not needed in the worker
      execArgv: [],
      stdout: true,
      stderr: true,
    });
    worker.unref();
    this.loading = worker;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(new Error(`the Kiwi worker failed to load: ${err.message}`));
      worker.once('error', onError);
      worker.once('exit', (code) => reject(new Error(`the Kiwi worker exited while loading (code ${code})`)));
      worker.on('message', (msg: { type: string; id?: number; result?: unknown; error?: string; ms?: number; buffers?: number; nice?: number; thread?: number | null }) => {
        if (msg.type === 'ready') {
          this.stats.loadLeftMiB = Math.round((msg.buffers ?? 0) / 1048576);
          this.stats.nice = msg.nice ?? 0;
          this.stats.thread = msg.thread ?? null;
          worker.off('error', onError);
          resolve();
        } else if (msg.type === 'result' && msg.id !== undefined) {
          const p = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          p?.resolve(msg.result);
        }
      });
    });
    // One short analysis before anyone waits on it: the WebAssembly's optimising compile happens here, not inside a caller's deadline.
    await new Promise<void>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve: () => resolve(), reject: () => resolve() });
      worker.once('exit', (code) => reject(new Error(`the Kiwi worker exited during its first analysis (code ${code})`)));
      worker.postMessage({ type: 'analyze', id, items: ['서버 배포를 준비했어요'], context: true });
    });
    worker.removeAllListeners('exit');
    worker.on('error', (err) => log.error({ err: err.message }, 'Kiwi worker error'));
    worker.on('exit', (code) => {
      // a crash (not our terminate): fail what waits; the next call starts a new worker
      if (this.worker === worker) {
        this.worker = null;
        this.readyWorker = false;
        this.starting = null;
      }
      for (const p of this.pending.values()) p.reject(new Error(`the Kiwi worker stopped (code ${code})`));
      this.pending.clear();
    });
    this.loading = null;
    this.worker = worker;
    this.readyWorker = true;
    this.stats.loads++;
    this.stats.loadMs = Date.now() - started;
    log.info({ ms: this.stats.loadMs, version: KIWI_MODEL_VERSION, buffers_left_mib: this.stats.loadLeftMiB, nice: this.stats.nice }, 'Kiwi worker loaded');
    this.emit('load', this.stats.loadMs);
    this.armIdle();
    return worker;
  }
}
