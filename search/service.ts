// The search service as the product runs it: one JVM (search/src, built on
// first use by build.ts) per DATA_DIR, supervised like the broker — started
// with `npm start`, health-checked, restarted with backoff when it exits,
// stopped last-commit-first on shutdown. Or, with KCHAT_SEARCH_URL, a service
// that runs elsewhere (docs/search.md); then nothing is started here.
//
//   $DATA_DIR/search/index/       the Lucene index (offsets inside each commit)
//   $DATA_DIR/search/service.json {pid, port, url} while it runs; the port is asked for again on the
//                                 next start, so the service keeps its URL across restarts
//   $DATA_DIR/search/service.log  the JVM's JSON-lines log
//   $DATA_DIR/search-token        its bearer token (0600), unless KCHAT_SEARCH_TOKEN
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../core/config.ts';
import { EVENT_TYPES } from '../core/envelope.ts';
import { logger } from '../core/log.ts';
import { kafkaNames } from '../core/names.ts';
import { fileToken } from '../core/secrets.ts';
import { classDataArchive, javaBin } from '../kafka/jvm.ts';
import { MAIN_CLASS, SEARCH_CLASSES, SEARCH_LIBS, buildSearch } from './build.ts';

const log = logger('search.service');

export interface SearchEndpoint {
  url: string;
  token: string;
}

/** starting: JVM coming up · ready: answering · restarting: exited, back after a backoff · failed: cannot start (see error) · off: KCHAT_SEARCH=off */
export type SearchState = 'starting' | 'ready' | 'restarting' | 'failed' | 'stopped' | 'off';

/** What the service says on GET /health. */
export interface ServiceHealth {
  status: 'ok' | 'starting';
  state: string;
  docs: number;
  lag: number;
  indexed: number;
  rejected: number;
  resumed: boolean;
  /** the search loop has been warmed up after the start (Warmer.java); searches are answered before too */
  warm: boolean;
  offsets: Record<string, number>;
  index_bytes: number;
  heap_used: number;
  heap_max: number;
  /** memory the facets' per-document ordinals take (outside the heap) */
  facets_bytes: number;
  /** merges of segments done since the start, and the nice value the kernel ran the last one's thread at (null before one) */
  merges: { done: number; nice: number | null };
}

/** The JVM's options: heap from KCHAT_SEARCH_HEAP (docs/search.md says why 384m), the index itself is mmapped outside the heap. */
function jvmOptions(heap: string, extra: string[]): string[] {
  return [
    `-Xmx${heap}`,
    '-Xms64m',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    // give heap back after a catch-up burst: a periodic collection when idle, and shrink above 30 % free
    '-XX:G1PeriodicGCInterval=15000',
    '-XX:MinHeapFreeRatio=10',
    '-XX:MaxHeapFreeRatio=30',
    '-XX:MaxMetaspaceSize=128m',
    '-XX:ReservedCodeCacheSize=64m',
    '-Xss512k',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    // a broker away is reported once by the indexer; the client's per-retry lines would flood the log
    '-Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients.NetworkClient=error',
    ...extra,
    '-cp',
    `${path.join(SEARCH_LIBS, '*')}${path.delimiter}${SEARCH_CLASSES}`,
    MAIN_CLASS,
  ];
}

const STOP_TIMEOUT_MS = 8_000;
const LISTEN_TIMEOUT_MS = 60_000;
const MAX_BACKOFF_MS = 30_000;
/** a run this long counts as healthy: the next crash starts the backoff again from 1 s */
const STABLE_MS = 60_000;

export class SearchService {
  private state: SearchState = 'starting';
  private child: ChildProcess | null = null;
  /** SIGKILL the current child (and remember it was not a clean exit) */
  private kill9: (() => void) | null = null;
  private url: string | null = null;
  private readonly token: string;
  private readonly dir: string;
  private error: string | null = null;
  private restarts = 0;
  private backoff = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  private startedAt = 0;
  private lastHealth: ServiceHealth | null = null;
  readonly remote: boolean;

  constructor(
    private readonly config: Config,
    private readonly brokers: string[],
    /**
     * warmMinDocs: warm up after a start from this many documents (the service's default: 200,000);
     * facetBytes: memory for the facets' per-document ordinals (default a quarter of the heap; 0 reads them from the index);
     * paceMs: the indexer's pause between polls while chat trickles in (the service's default: 50; 0 = none);
     * searchThreads / splitMinDocs: threads one search uses, and the smallest part of a segment one of them takes
     * (the service's defaults: the cores, at most 4 / 50,000);
     * mergeNice: the merge thread's nice value (the service's default: 19; 0 = the JVM's priority)
     */
    private readonly options: { warmMinDocs?: number; facetBytes?: number; paceMs?: number; searchThreads?: number; splitMinDocs?: number; mergeNice?: number } = {},
  ) {
    this.dir = path.join(config.dataDir, 'search');
    this.remote = config.search.url !== null;
    if (this.remote && !config.search.token) throw new Error('KCHAT_SEARCH_URL is set but KCHAT_SEARCH_TOKEN is not: give the bearer token of that search service');
    this.token = config.search.token ?? fileToken(config.dataDir, 'search-token');
    if (this.remote) this.url = config.search.url;
  }

  /** Where to send searches now, or null while the service is down. */
  endpoint(): SearchEndpoint | null {
    if (!this.url || (this.state !== 'ready' && this.state !== 'starting')) return null;
    return { url: this.url, token: this.token };
  }

  /** Why there is no endpoint (for the 503 answer), in the words a person reads. */
  unavailable(): string {
    switch (this.state) {
      case 'restarting':
        return `검색 서비스가 다시 시작하는 중이에요. 잠시 후 다시 검색해 주세요 (search service restarting: ${this.error ?? 'exited'}).`;
      case 'failed':
        return `검색 서비스를 시작하지 못했어요 (search service failed: ${this.error ?? 'unknown error'}).`;
      case 'stopped':
        return '검색 서비스가 멈춰 있어요 (search service stopped).';
      case 'off':
        return '이 서버에서는 검색 서비스가 꺼져 있어요 (KCHAT_SEARCH=off; set KCHAT_SEARCH_URL or turn it on).';
      default:
        return '검색 서비스가 시작하는 중이에요. 잠시 후 다시 검색해 주세요 (search service starting).';
    }
  }

  /** Build (first use) and start the JVM; resolves once it listens. Never throws: a failure shows in health(). */
  async start(): Promise<void> {
    if (!this.config.run.search && !this.remote) {
      this.state = 'off';
      return;
    }
    if (this.remote) {
      this.state = 'ready';
      log.info({ url: this.url }, 'using the search service at KCHAT_SEARCH_URL');
      return;
    }
    try {
      await buildSearch();
    } catch (err) {
      this.fail(err);
      return;
    }
    await this.launch();
  }

  private fail(err: unknown): void {
    this.state = 'failed';
    this.error = (err as Error).message;
    log.error({ err }, 'the search service cannot start; search answers 503 until this is fixed (the rest of kchat runs on)');
  }

  private async launch(): Promise<void> {
    if (this.stopping) return;
    this.state = 'starting';
    this.url = null;
    this.lastHealth = null;
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const names = kafkaNames(this.config);
    const out = fs.openSync(path.join(this.dir, 'service.log'), 'a');
    const cds = classDataArchive('search', SEARCH_LIBS);
    const args = [
      ...jvmOptions(this.config.search.heap, cds.jvmArgs),
      '--brokers',
      this.brokers.join(','),
      '--topic',
      names.topics.events,
      '--group',
      names.groups.search,
      '--index',
      path.join(this.dir, 'index'),
      '--types',
      EVENT_TYPES.join(','),
      '--parent-pid',
      String(process.pid),
      '--port',
      String(this.lastPort()),
      '--log-level',
      this.config.logLevel === 'debug' || this.config.logLevel === 'trace' ? 'debug' : 'info',
      ...(this.options.warmMinDocs === undefined ? [] : ['--warm-min-docs', String(this.options.warmMinDocs)]),
      ...(this.options.facetBytes === undefined ? [] : ['--facet-bytes', String(this.options.facetBytes)]),
      ...(this.options.paceMs === undefined ? [] : ['--pace-ms', String(this.options.paceMs)]),
      ...(this.options.searchThreads === undefined ? [] : ['--search-threads', String(this.options.searchThreads)]),
      ...(this.options.splitMinDocs === undefined ? [] : ['--split-min-docs', String(this.options.splitMinDocs)]),
      ...(this.options.mergeNice === undefined ? [] : ['--merge-nice', String(this.options.mergeNice)]),
    ];
    this.startedAt = Date.now();
    // Own process group: Ctrl-C reaches only us, and we stop the service after the parts that use it.
    const child = spawn(javaBin(), args, { detached: true, stdio: ['ignore', 'pipe', out], env: { ...process.env, KCHAT_SEARCH_TOKEN: this.token } });
    fs.closeSync(out);
    this.child = child;
    let killed = false;
    const exited = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => {
        // a clean stop (our SIGTERM → exit 143 or 0) keeps the class-data archive
        cds.done(!killed && (code === 0 || code === 143 || signal === 'SIGTERM'));
        resolve(signal ?? `exit ${code}`);
      }),
    );
    child.once('error', (err) => log.error({ err }, 'could not run java for the search service'));
    this.kill9 = () => {
      killed = true;
      child.kill('SIGKILL');
    };
    void exited.then((how) => this.exited(child, how));

    const port = await new Promise<number | null>((resolve) => {
      let buf = '';
      const timer = setTimeout(() => resolve(null), LISTEN_TIMEOUT_MS);
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        const m = /"listening":\{"host":"[^"]*","port":(\d+)\}/.exec(buf);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        resolve(null);
      });
    });
    if (port === null) {
      if (this.child === child && child.exitCode === null && child.signalCode === null) {
        log.error({ ms: LISTEN_TIMEOUT_MS }, 'the search service did not listen in time; killing it');
        this.kill9?.();
      }
      return;
    }
    this.url = `http://127.0.0.1:${port}`;
    this.writeState({ pid: child.pid ?? 0, port, url: this.url });
    log.info({ pid: child.pid, port, ms: Date.now() - this.startedAt, log: path.join(this.dir, 'service.log') }, 'search service listening');
    this.watch();
  }

  /** Poll /health until the index has caught up with the log, then mark the service ready. */
  private watch(): void {
    const tick = async () => {
      this.timer = null;
      if (this.stopping || this.state !== 'starting' || !this.url) return;
      const h = await this.fetchHealth();
      if (h && h.status === 'ok') {
        this.state = 'ready';
        log.info({ docs: h.docs, ms: Date.now() - this.startedAt }, 'search service ready');
        return;
      }
      this.timer = setTimeout(() => void tick(), 250);
      this.timer.unref();
    };
    void tick();
  }

  private exited(child: ChildProcess, how: string): void {
    if (this.child !== child) return;
    this.child = null;
    this.url = null;
    if (this.stopping) {
      this.state = 'stopped';
      return;
    }
    this.restarts++;
    this.error = `the JVM ended (${how})`;
    const ran = Date.now() - this.startedAt;
    this.backoff = ran >= STABLE_MS ? 1000 : Math.min(MAX_BACKOFF_MS, Math.max(1000, this.backoff * 2));
    this.state = 'restarting';
    log.error({ how, ranMs: ran, retryInMs: this.backoff, log: path.join(this.dir, 'service.log'), tail: this.logTail(8) }, 'search service exited; restarting it');
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.launch();
    }, this.backoff);
    this.timer.unref();
  }

  /** The port of the last run (0 = any), so the service keeps its URL across restarts. */
  private lastPort(): number {
    try {
      const port = Number((JSON.parse(fs.readFileSync(path.join(this.dir, 'service.json'), 'utf8')) as { port?: unknown }).port);
      return Number.isInteger(port) && port > 0 && port < 65536 ? port : 0;
    } catch {
      return 0;
    }
  }

  private writeState(state: { pid: number; port: number; url: string }): void {
    const file = path.join(this.dir, 'service.json');
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(state) + '\n');
    fs.renameSync(`${file}.tmp`, file);
  }

  private logTail(lines: number): string {
    try {
      const text = fs.readFileSync(path.join(this.dir, 'service.log'), 'utf8');
      return text.trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  private async fetchHealth(timeoutMs = 1000): Promise<ServiceHealth | null> {
    const url = this.url;
    if (!url) return null;
    try {
      const res = await fetch(`${url}/health`, { headers: { authorization: `Bearer ${this.token}` }, signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) return null;
      this.lastHealth = (await res.json()) as ServiceHealth;
      return this.lastHealth;
    } catch {
      return null;
    }
  }

  /**
   * For /healthz: not ok only while a resumed index is still catching up after a start (so
   * search answers completely once /healthz is 200). A first build of a large history, a
   * crash or a missing JDK show in the details but do not hold up the rest of kchat.
   */
  async health(): Promise<{ ok: boolean; [detail: string]: unknown }> {
    const h = this.state === 'stopped' || this.state === 'failed' || this.state === 'off' ? null : await this.fetchHealth();
    const details = {
      state: this.state,
      ...(this.remote ? { url: this.url } : { pid: this.child?.pid ?? null }),
      ...(h ? { docs: h.docs, lag: h.lag, indexed: h.indexed, rejected: h.rejected, resumed: h.resumed, index_bytes: h.index_bytes, caught_up: h.status === 'ok', warm: h.warm, merges: h.merges } : {}),
      ...(this.restarts ? { restarts: this.restarts } : {}),
      ...(this.error ? { [this.state === 'ready' ? 'last_exit' : 'error']: this.error } : {}),
    };
    const catchingUp = this.state === 'starting' && (h === null || (h.resumed && h.status !== 'ok'));
    return { ok: !catchingUp, ...details };
  }

  /** Wait until the service has indexed everything the log holds now (tests, benchmarks). */
  async sync(timeoutMs = 30_000): Promise<ServiceHealth> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ep = this.url ? { url: this.url, token: this.token } : null;
      if (ep) {
        try {
          const res = await fetch(`${ep.url}/sync`, {
            method: 'POST',
            headers: { authorization: `Bearer ${ep.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ timeout_ms: Math.max(0, deadline - Date.now()) }),
          });
          if (res.ok) {
            this.state = 'ready';
            return (await res.json()) as ServiceHealth;
          }
        } catch {
          // not listening yet
        }
      }
      if (this.state === 'failed') throw new Error(this.unavailable());
      if (Date.now() > deadline) throw new Error(`the search service did not catch up within ${timeoutMs} ms (${this.state})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM (the service commits its offsets and closes the index), SIGKILL after 8 s. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.state = 'stopped';
      return;
    }
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const kill9 = this.kill9;
    const timer = setTimeout(() => kill9?.(), STOP_TIMEOUT_MS);
    await gone;
    clearTimeout(timer);
    this.state = 'stopped';
    log.info({ pid: child.pid }, 'search service stopped');
  }

  /** The JVM's pid (benchmarks read its memory), null when none runs here. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }
}
