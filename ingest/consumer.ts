// The ingest consumer: chat.events → DuckDB `messages`.
//
// Exactly-once into DuckDB on top of at-least-once Kafka delivery:
//   1. each fetched batch is validated with the one envelope parser;
//   2. invalid records go to chat.dlq first (raw bytes + reason headers);
//   3. rows, ingest_errors and the partition's high-water mark commit in ONE
//      DuckDB transaction; offsets at or below the stored mark are skipped,
//      so a redelivery after a crash never duplicates a row;
//   4. only then is the Kafka offset committed.
// A crash between 3 and 4 just means a redelivery that step 3 filters out.
//
// Steps 1, 2 and 4 run in a worker thread (ingest/fetcher.ts), which also
// writes the rows to spool files; this thread, which owns the DuckDB file,
// only runs step 3: one INSERT … FROM read_json per group of batches, executed
// by DuckDB's own threads. So an ingest burst costs the event loop that serves
// the websockets almost nothing.
//
// No single record stops ingest: decoding never throws (ingest/decode.ts),
// the DLQ reduces what it cannot take and sends in groups that fit
// (ingest/dlq.ts), a failed write is retried with the same spooled batches and
// shown on /healthz until the next commit succeeds, and a bug-like failure or
// a fetcher consumer that crashed for good is restarted with backoff from
// DuckDB's marks (ingest/status.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import type { Config } from '../core/config.ts';
import type { Database, Session } from '../core/db.ts';
import type { KafkaClient } from '../core/kafka.ts';
import { collectGarbage } from '../core/heap.ts';
import { logger } from '../core/log.ts';
import { tsWorker } from '../core/threads.ts';
import type { FetcherData, FetcherMessage, MainMessage, RejectedRecord } from './fetcher.ts';
import { dropRepeatedImports, lastRowid } from './legacy/stored.ts';
import { messageLog } from './log.ts';
import { IngestStatus, isBug, restartDelay, retryDelay, type IngestState } from './status.ts';
import { insertErrors, nowUs, SMALL_BATCH_ROWS } from './store.ts';

export { decodeRecord } from './decode.ts';

const log = logger('ingest');

export interface PartitionLag {
  topic: string;
  partition: number;
  /** next offset ingest will store */
  next: number;
  /** the partition's high watermark as last seen */
  high: number;
  lag: number;
}

export interface IngestHealth {
  ok: boolean;
  state: IngestState;
  group: string;
  topic: string;
  lag: number;
  partitions: PartitionLag[];
  stored: number;
  rejected: number;
  last_batch_at: string | null;
  /** when the first batch of this run arrived (ms since the epoch), for throughput figures */
  first_batch_at: number | null;
  /** consumers started again after a crash */
  restarts: number;
  /** refused records chat.dlq could not take (kept in ingest_errors only) */
  dlq_failed: number;
  /** bursts after which ingest's threads gave their grown heaps back (core/heap.ts) */
  heap_given_back: number;
  /** what is wrong now (writes failing, consumer down), and since when */
  error?: string;
  error_at?: string;
  /** the last error, even when it has cleared */
  last_error?: string;
  last_error_at?: string;
}

export interface IngestHandle {
  stop(): Promise<void>;
  health(): IngestHealth;
  /** resolves when every partition's stored offset has reached its high watermark (tests, bench) */
  caughtUp(): Promise<void>;
}

export interface IngestOptions {
  config: Config;
  db: Database;
  kafka: KafkaClient;
  /** consumer group (default: kafkaNames(config).groups.ingest) */
  groupId?: string;
  /** topic to read (default config.topics.events) */
  topic?: string;
  fromBeginning?: boolean;
  /** Kafka group session timeout (ms): how long a killed consumer holds its partitions (default 30 s) */
  sessionTimeout?: number;
  /** rows of a burst after which, caught up and quiet, the heaps go back (default BURST_ROWS; tests use less) */
  burstRows?: number;
}

type Batch = Extract<FetcherMessage, { t: 'batch' }>;

/** Smallest gap between two DuckDB commits while the groups are small (the live trickle); see flushSoon. */
const LIVE_COMMIT_INTERVAL_MS = 100;
/**
 * A burst (an import streaming in, a catch-up) of this many rows, then ingest
 * caught up and no batch for BURST_QUIET_MS: both ingest threads collect their
 * garbage (core/heap.ts), or the heaps the burst grew stay grown while the
 * topic count loads Kiwi for the same rows.
 */
const BURST_ROWS = 100_000;
const BURST_QUIET_MS = 2_000;
/** Spool folders of earlier runs older than this are left-overs of a crash. */
const STALE_SPOOL_MS = 10 * 60_000;

export async function startIngest(options: IngestOptions): Promise<IngestHandle> {
  const { db, kafka, config } = options;
  // topics exist already: they are created once at start, from core/topics.ts (kafka/broker.ts connectKafka)
  const topic = options.topic ?? kafka.names.topics.events;
  const group = options.groupId ?? kafka.names.groups.ingest;
  const messages = messageLog(db);
  await messages.ready();

  // next offset to store, per partition, from the database (the source of truth)
  const next = new Map<number, bigint>();
  for (const r of await db.all<{ p: number; n: number | string }>('SELECT kafka_partition AS p, next_offset AS n FROM ingest_offsets WHERE kafka_topic = ?', [topic])) {
    next.set(r.p, BigInt(r.n));
  }
  const spoolDir = makeSpoolDir(db);
  const high = new Map<number, bigint>();
  let stored = 0;
  let rejected = 0;
  let lastBatchAt: string | null = null;
  let firstBatchAt: number | null = null;
  const status = new IngestStatus();
  const waiters: (() => void)[] = [];
  let highWaiters: (() => void)[] = [];

  const lagOf = (): PartitionLag[] =>
    [...high.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([partition, h]) => {
        const n = next.get(partition) ?? 0n;
        const lag = h > n ? h - n : 0n;
        return { topic, partition, next: Number(n), high: Number(h), lag: Number(lag) };
      });
  const isCaughtUp = () => high.size > 0 && lagOf().every((p) => p.lag === 0);
  const wake = () => {
    if (!isCaughtUp()) return;
    for (const w of waiters.splice(0)) w();
    collectAfterBurst();
  };
  const burstRows = options.burstRows ?? BURST_ROWS;
  let burst = 0;
  let lastBatchMs = 0;
  let collections = 0;
  let collectTimer: NodeJS.Timeout | null = null;
  function collectAfterBurst(delay = BURST_QUIET_MS): void {
    if (burst < burstRows || collectTimer || stopping) return;
    collectTimer = setTimeout(() => {
      collectTimer = null;
      if (stopping || !isCaughtUp()) return; // the next catch-up (wake) arms it again
      const quietFor = Date.now() - lastBatchMs;
      if (queue.length || flushing || quietFor < BURST_QUIET_MS) return collectAfterBurst(Math.max(100, BURST_QUIET_MS - quietFor));
      burst = 0;
      collections++;
      tell({ t: 'collect' });
      const { before, after } = collectGarbage();
      log.info({ heap_mib_before: before >> 20, heap_mib_after: after >> 20 }, 'burst stored: heap given back');
    }, delay);
    collectTimer.unref();
  }

  const { clusterId } = await kafka.connectionInfo();
  const data: FetcherData = {
    config,
    ...(clusterId ? { clusterId } : {}),
    topic,
    group,
    sessionTimeout: options.sessionTimeout ?? 30000,
    fromBeginning: options.fromBeginning ?? true,
    next: [...next.entries()].map(([p, n]) => [p, n.toString()]),
    spoolDir,
  };
  const worker: Worker = tsWorker(new URL('./fetcher.ts', import.meta.url), data, 'kchat-ingest-fetcher');
  const tell = (m: MainMessage) => worker.postMessage(m);
  let stopping = false;
  let stoppedResolve: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (stoppedResolve = r));
  worker.on('error', (err) => {
    status.crashed(err, false);
    log.error({ err }, 'the ingest fetcher thread failed');
  });
  worker.on('exit', (code) => {
    if (!stopping) status.crashed(`the ingest fetcher thread exited (${code})`, false);
    stoppedResolve();
  });

  // Group commit: the batches that are ready together share ONE DuckDB
  // transaction (rows, errors and every partition's high-water mark); the
  // fetcher commits their Kafka offsets only when told that it committed.
  let queue: Batch[] = [];
  let flushing = false;
  let lastCommitAt = 0;
  let lastGroupRows = 0;
  /** failed writes in a row (their retries back off) */
  let writeFailures = 0;
  /** the fetcher's consumer generation; batches of an older one (before a restart) are dropped */
  let gen = 0;
  let minGen = 0;
  let restartTimer: NodeJS.Timeout | null = null;
  const rowsOf = (g: Batch[]) => g.reduce((n, b) => n + b.rows + b.bad.length, 0);

  async function commitGroup(group: Batch[]): Promise<[number, string][]> {
    const marks = new Map<number, bigint>();
    for (const b of group) if ((marks.get(b.partition) ?? -1n) < BigInt(b.newNext)) marks.set(b.partition, BigInt(b.newNext));
    const bad = group.flatMap((b) => b.bad);
    const rows = group.reduce((n, b) => n + b.rows, 0);
    const entries = [...marks.entries()];
    // what is known to wait in Kafka once this group is stored (the high watermarks the fetches saw)
    let backlog = 0;
    for (const [p, h] of high) {
      const n = marks.get(p) ?? next.get(p) ?? 0n;
      if (h > n) backlog += Number(h - n);
    }
    let lastRow = -1n;
    await messages.appendSpooled(
      {
        files: group.flatMap((b) => (b.file ? [b.file] : [])),
        rows,
        channels: [...new Set(group.flatMap((b) => b.channels))],
        nicks: group.flatMap((b) => b.nicks),
        members: group.flatMap((b) => b.members),
        backlog,
      },
      {
        before: async (tx) => void (lastRow = await lastRowid(tx)),
        also: async (tx) => {
          // imported records whose id is stored already, or twice in this group, are dropped (a re-import adds nothing)
          await dropRepeatedImports(tx, lastRow);
          if (bad.length) await storeErrors(tx, topic, bad, nowUs());
          await tx.run(
            `INSERT INTO ingest_offsets (kafka_topic, kafka_partition, next_offset, updated_at) VALUES ${entries.map(() => '(?, ?, ?, now())').join(', ')}
             ON CONFLICT (kafka_topic, kafka_partition) DO UPDATE SET next_offset = excluded.next_offset, updated_at = excluded.updated_at`,
            entries.flatMap(([p, n]) => [topic, p, n]),
          );
        },
      },
    );
    for (const [p, n] of entries) next.set(p, n);
    stored += rows;
    rejected += bad.length;
    burst += rows + bad.length;
    status.dlqFailed += group.reduce((n, b) => n + b.dlqMissing, 0);
    lastBatchAt = new Date().toISOString();
    status.committed();
    return entries.map(([p, n]) => [p, n.toString()]);
  }

  function removeFiles(group: Batch[]): void {
    for (const b of group) if (b.file) fs.rmSync(b.file, { force: true });
  }

  /** Drop what was handed over and have the fetcher start a new consumer from DuckDB's marks, after a backoff. */
  function scheduleRestart(): void {
    if (restartTimer || stopping) return;
    status.state = 'restarting';
    minGen = gen + 1; // nothing handed over after the failure may be stored before what failed
    const delay = restartDelay(status.attempt++);
    restartTimer = setTimeout(() => {
      void (async () => {
        while (flushing) await new Promise((r) => setTimeout(r, 10));
        restartTimer = null;
        if (stopping) return;
        gen = minGen;
        removeFiles(queue);
        queue = [];
        status.restarts++;
        tell({ t: 'restart', gen, marks: [...next.entries()].map(([p, n]) => [p, n.toString()]) });
      })();
    }, delay);
    restartTimer.unref();
  }

  function flushSoon(): void {
    if (flushing) return; // the running flush takes what is queued when its transaction ends
    flushing = true;
    void (async () => {
      try {
        while (queue.length && !stopping) {
          // Live trickle: commit at most every LIVE_COMMIT_INTERVAL_MS, so the
          // small batches of that window share one transaction (fewer DuckDB
          // statements and WAL syncs beside the gateway). During catch-up there is no wait.
          const wait = lastCommitAt + LIVE_COMMIT_INTERVAL_MS - Date.now();
          if (wait > 0 && lastGroupRows < SMALL_BATCH_ROWS && rowsOf(queue) < SMALL_BATCH_ROWS) await new Promise((r) => setTimeout(r, wait));
          removeFiles(queue.filter((b) => b.gen < minGen));
          const group = queue.filter((b) => b.gen >= minGen);
          queue = [];
          if (!group.length) continue;
          lastGroupRows = rowsOf(group);
          try {
            const marks = await commitGroup(group);
            removeFiles(group);
            writeFailures = 0;
            tell({ t: 'committed', gen: group[0].gen, seqs: group.map((b) => b.seq), marks });
          } catch (err) {
            if (isBug(err)) {
              // a bug-like error (as kafkajs treats TypeError & co.): retrying the same write would repeat it;
              // start over from DuckDB's marks after a backoff, like a crashed consumer
              status.crashed(err, false);
              removeFiles(group);
              scheduleRestart();
            } else {
              // nothing of this group is stored; it is tried again (with what arrived meanwhile), with backoff; /healthz says why
              status.writeFailed(err);
              queue = [...group, ...queue];
              await new Promise((r) => setTimeout(r, retryDelay(writeFailures++)));
            }
          } finally {
            lastCommitAt = Date.now();
          }
        }
      } finally {
        flushing = false;
      }
      wake();
    })();
  }

  worker.on('message', (m: FetcherMessage) => {
    switch (m.t) {
      case 'batch':
        firstBatchAt ??= Date.now();
        lastBatchMs = Date.now();
        high.set(m.partition, BigInt(m.high));
        if (m.gen < minGen) {
          if (m.file) fs.rmSync(m.file, { force: true });
          return;
        }
        queue.push(m);
        flushSoon();
        return;
      case 'high':
        for (const [p, h] of m.high) high.set(p, BigInt(h));
        for (const w of highWaiters) w();
        highWaiters = [];
        wake();
        return;
      case 'running':
        if (status.state === 'starting' || status.state === 'restarting') status.state = 'running';
        return;
      case 'joined':
        status.rejoined();
        return;
      case 'writeFailed':
        status.writeFailed(m.error);
        return;
      case 'crashed':
        // kafkajs restarts the consumer itself when the error is retriable; otherwise it stays down: restart it here
        status.crashed(m.error, m.restart);
        if (!m.restart) scheduleRestart();
        return;
      case 'brokers?':
        kafka
          .connectionInfo()
          .then((c) => tell({ t: 'brokers', id: m.id, brokers: c.brokers }))
          .catch((err: Error) => log.warn({ err: err.message }, 'could not tell the fetcher where the brokers are'));
        return;
      case 'stopped':
        stoppedResolve();
        return;
    }
  });

  // wait until the fetcher has joined the group and read the high watermarks
  await new Promise<void>((resolve, reject) => {
    const check = (m: FetcherMessage) => {
      if (m.t !== 'running') return;
      worker.off('message', check);
      resolve();
    };
    worker.on('message', check);
    worker.once('error', reject);
  });
  log.info({ topic, group, partitions: [...next.keys()] }, 'ingest started (fetcher thread)');

  let stoppingP: Promise<void> | null = null;
  return {
    stop() {
      stoppingP ??= (async () => {
        status.state = 'stopped';
        if (restartTimer) clearTimeout(restartTimer);
        if (collectTimer) clearTimeout(collectTimer);
        // the fetcher waits (a while) for what it handed over to be committed, then leaves the group
        tell({ t: 'stop' });
        const timer = setTimeout(() => stoppedResolve(), 10_000);
        await stopped;
        clearTimeout(timer);
        stopping = true;
        while (flushing) await new Promise((r) => setTimeout(r, 10));
        await worker.terminate();
        fs.rmSync(spoolDir, { recursive: true, force: true });
        for (const w of waiters.splice(0)) w();
      })();
      return stoppingP;
    },
    health() {
      const partitions = lagOf();
      return {
        ...status.report(),
        group,
        topic,
        lag: partitions.reduce((s, p) => s + p.lag, 0),
        partitions,
        stored,
        rejected,
        heap_given_back: collections,
        last_batch_at: lastBatchAt,
        first_batch_at: firstBatchAt,
      };
    },
    async caughtUp() {
      await new Promise<void>((resolve) => {
        highWaiters.push(resolve);
        tell({ t: 'refresh' });
      });
      if (isCaughtUp() || status.state === 'stopped') return;
      await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

/**
 * This run's spool folder, beside the DuckDB file (the only folder DuckDB may
 * read); folders a crashed run left behind are removed.
 */
function makeSpoolDir(db: Database): string {
  const root = db.file === ':memory:' ? path.join(os.tmpdir(), 'kchat-ingest-spool') : path.join(path.dirname(path.resolve(db.file)), 'ingest-spool');
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  for (const d of fs.readdirSync(root)) {
    const full = path.join(root, d);
    try {
      if (Date.now() - fs.statSync(full).mtimeMs > STALE_SPOOL_MS) fs.rmSync(full, { recursive: true, force: true });
    } catch {
      // another run removed it
    }
  }
  const dir = path.join(root, randomUUID());
  fs.mkdirSync(dir, { mode: 0o700 });
  return dir;
}

/** Rejected records into ingest_errors with their exact bytes. */
function storeErrors(tx: Session, topic: string, bad: RejectedRecord[], atUs: bigint): Promise<void> {
  return insertErrors(
    tx,
    bad.map((b) => {
      const ts = Number(b.timestamp);
      return {
        topic,
        partition: b.partition,
        offset: BigInt(b.offset),
        key: b.key ? Buffer.from(b.key) : null,
        value: b.value ? Buffer.from(b.value) : null,
        reason: b.reason,
        record_ts_us: Number.isFinite(ts) && ts > 0 ? BigInt(Math.trunc(ts)) * 1000n : null,
      };
    }),
    atUs,
  );
}
