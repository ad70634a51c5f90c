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
// No single record stops ingest: decoding never throws (ingest/decode.ts),
// the DLQ reduces what it cannot take and sends in groups that fit
// (ingest/dlq.ts), a failed write is retried with the batch and shown on
// /healthz until the next commit succeeds, and a consumer that crashed for
// good is restarted with backoff (ingest/status.ts).
import type { Config } from '../core/config.ts';
import type { Database, Session } from '../core/db.ts';
import { logger } from '../core/log.ts';
import type { Admin, Consumer, EachBatchPayload, KafkaClient } from '../core/kafka.ts';
import { decodeRecord } from './decode.ts';
import { DeadLetters, type DlqNote, type Refused } from './dlq.ts';
import { messageLog } from './log.ts';
import { resumeFromDatabase } from './resume.ts';
import { IngestStatus, restartDelay, type IngestState } from './status.ts';
import { insertErrors, nowUs, SMALL_BATCH_ROWS, type MessageRow } from './store.ts';

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
}

type Rejected = Refused;

/** Partition batches processed at once (their rows share one DuckDB transaction; see the group commit below). */
const PARTITIONS_CONCURRENTLY = 6;
/** Smallest gap between two DuckDB commits while the groups are small (the live trickle); see flushSoon. */
const LIVE_COMMIT_INTERVAL_MS = 100;

export async function startIngest(options: IngestOptions): Promise<IngestHandle> {
  const { db, kafka } = options;
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
  const high = new Map<number, bigint>();
  let stored = 0;
  let rejected = 0;
  let lastBatchAt: string | null = null;
  let firstBatchAt: number | null = null;
  const status = new IngestStatus();
  const waiters: (() => void)[] = [];
  const deadLetters = await DeadLetters.open(kafka, topic);

  const newConsumer = (): Consumer => {
    const c = kafka.consumer({
      groupId: group,
      // Large fetches: one DuckDB transaction per batch is the cost to amortise.
      maxBytesPerPartition: 16 * 1024 * 1024,
      maxBytes: 64 * 1024 * 1024,
      minBytes: 1,
      maxWaitTimeInMs: 200,
      sessionTimeout: options.sessionTimeout ?? 30000,
      heartbeatInterval: Math.min(3000, Math.floor((options.sessionTimeout ?? 30000) / 3)),
    });
    c.on(c.events.GROUP_JOIN, () => status.rejoined());
    c.on(c.events.CRASH, (e) => {
      if (c !== consumer) return;
      // kafkajs restarts the consumer itself when the error is retriable; otherwise it stays down: restart it here
      const restartsItself = Boolean((e.payload as { restart?: boolean }).restart);
      status.crashed((e.payload as { error?: Error }).error ?? 'consumer crashed', restartsItself);
      if (!restartsItself) scheduleRestart();
    });
    return c;
  };
  let consumer: Consumer = newConsumer();
  let restartTimer: NodeJS.Timeout | null = null;
  const admin: Admin = kafka.admin();

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
  };

  async function refreshHighWatermarks(): Promise<void> {
    const offsets = await admin.fetchTopicOffsets(topic);
    for (const o of offsets) high.set(o.partition, BigInt(o.high));
    wake();
  }

  // Group commit: with several partitions consumed concurrently, the batches
  // that are ready together share ONE DuckDB transaction (rows, errors and
  // every partition's high-water mark) and one Kafka offset commit, made only
  // after that transaction has committed. Each eachBatch call waits for the
  // group holding its batch, so kafkajs never moves past an uncommitted batch.
  interface Pending {
    partition: number;
    rows: MessageRow[];
    bad: Rejected[];
    newNext: bigint;
    done: () => void;
    fail: (err: unknown) => void;
  }
  let queue: Pending[] = [];
  let flushing = false;
  let lastCommitAt = 0;
  let lastGroupRows = 0;
  const queuedRows = () => queue.reduce((n, g) => n + g.rows.length + g.bad.length, 0);

  async function commitGroup(group: Pending[]): Promise<void> {
    const rows: MessageRow[] = group.length === 1 ? group[0].rows : group.flatMap((g) => g.rows);
    const bad: Rejected[] = group.flatMap((g) => g.bad);
    const offsets = new Map<number, bigint>();
    for (const g of group) if ((offsets.get(g.partition) ?? -1n) < g.newNext) offsets.set(g.partition, g.newNext);
    let notes: DlqNote[] = [];
    if (bad.length) {
      // DLQ first: if we crash before the DuckDB commit the record is re-sent
      // to the DLQ on redelivery (at-least-once there), but never lost.
      notes = await deadLetters.send(bad);
      bad.forEach((b, i) => log.warn({ partition: b.partition, offset: b.offset.toString(), reason: b.reason, dlq: notes[i]?.text ?? 'whole' }, 'record rejected → DLQ'));
    }
    const marks = [...offsets.entries()];
    // rows, rejected records and high-water marks in one transaction; the log tells its listeners after the commit
    await messages.append(rows, {
      also: async (tx) => {
        if (bad.length) await storeErrors(tx, topic, bad.map((b, i) => (notes[i] ? { ...b, reason: `${b.reason} [${notes[i]!.text}]` } : b)), nowUs());
        await tx.run(
          `INSERT INTO ingest_offsets (kafka_topic, kafka_partition, next_offset, updated_at) VALUES ${marks.map(() => '(?, ?, ?, now())').join(', ')}
           ON CONFLICT (kafka_topic, kafka_partition) DO UPDATE SET next_offset = excluded.next_offset, updated_at = excluded.updated_at`,
          marks.flatMap(([p, n]) => [topic, p, n]),
        );
      },
    });
    for (const [p, n] of marks) next.set(p, n);
    stored += rows.length;
    rejected += bad.length;
    status.dlqFailed += notes.filter((n) => n?.missing).length;
    lastBatchAt = new Date().toISOString();
    status.committed();
    await consumer.commitOffsets(marks.map(([partition, n]) => ({ topic, partition, offset: n.toString() })));
  }

  function flushSoon(): void {
    if (flushing) return; // the running flush takes what is queued when its transaction ends
    flushing = true;
    void (async () => {
      try {
        while (queue.length) {
          // Live trickle: commit at most every LIVE_COMMIT_INTERVAL_MS, so the
          // small batches of that window share one transaction (fewer DuckDB
          // statements and WAL syncs beside the gateway). During catch-up (a large
          // group queued or just committed) there is no wait. Kafka offsets are
          // still committed only after the DuckDB transaction.
          const wait = lastCommitAt + LIVE_COMMIT_INTERVAL_MS - Date.now();
          if (wait > 0 && lastGroupRows < SMALL_BATCH_ROWS && queuedRows() < SMALL_BATCH_ROWS) await new Promise((r) => setTimeout(r, wait));
          const group = queue;
          lastGroupRows = queuedRows();
          queue = [];
          try {
            await commitGroup(group);
            for (const g of group) g.done();
          } catch (err) {
            // the batches are fetched and tried again by kafkajs (with backoff); /healthz says why meanwhile
            status.writeFailed(err);
            for (const g of group) g.fail(err);
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

  async function eachBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale()) return;
    firstBatchAt ??= Date.now();
    const partition = batch.partition;
    const from = next.get(partition) ?? -1n;
    const rows: MessageRow[] = [];
    const bad: Rejected[] = [];
    let last = -1n;
    for (const m of batch.messages) {
      const offset = BigInt(m.offset);
      last = offset;
      if (offset < from) continue; // stored before a crash: skip, never duplicate
      const d = decodeRecord(m.value, topic, partition, offset);
      if (d.ok) rows.push(d.row);
      else bad.push({ partition, offset, key: m.key, value: m.value, timestamp: m.timestamp, reason: d.reason });
    }
    high.set(partition, BigInt(batch.highWatermark));
    if (last < 0n) return;
    const newNext = last + 1n;
    if (newNext <= from) {
      // all of it was stored before a crash: just move on
      resolveOffset(last.toString());
      await consumer.commitOffsets([{ topic, partition, offset: newNext.toString() }]);
      return;
    }
    await heartbeat();
    await new Promise<void>((done, fail) => {
      queue.push({ partition, rows, bad, newNext, done, fail });
      flushSoon();
    });
    resolveOffset(last.toString());
    wake();
  }

  async function run(c: Consumer): Promise<void> {
    await c.connect();
    // a rebuilt or restored DATA_DIR resumes from its own position, not from what the group remembers (ingest/resume.ts);
    // every consumer (also one restarted after a crash) seeks there on each assignment
    await resumeFromDatabase({ consumer: c, admin, group, topic, next });
    await c.subscribe({ topics: [topic], fromBeginning: options.fromBeginning ?? true });
    await c.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY, eachBatch });
  }

  /** A consumer that crashed for good is replaced by a new one, after a backoff that grows with each crash. */
  function scheduleRestart(): void {
    if (restartTimer || status.state === 'stopped') return;
    status.state = 'restarting';
    const delay = restartDelay(status.attempt++);
    restartTimer = setTimeout(() => {
      restartTimer = null;
      void (async () => {
        await consumer.disconnect().catch(() => undefined);
        if (status.state === 'stopped') return;
        consumer = newConsumer();
        status.restarts++;
        try {
          await run(consumer);
          status.state = 'running';
          log.warn({ restarts: status.restarts }, 'ingest consumer restarted');
        } catch (err) {
          status.crashed(err, false);
          scheduleRestart();
        }
      })();
    }, delay);
    restartTimer.unref();
  }

  await admin.connect();
  await run(consumer);
  await refreshHighWatermarks().catch((err) => log.warn({ err }, 'could not read high watermarks'));
  status.state = 'running';
  const timer = setInterval(() => {
    refreshHighWatermarks().catch((err) => log.debug({ err }, 'high watermark refresh failed'));
  }, 2000);
  timer.unref();
  log.info({ topic, group, partitions: [...next.keys()] }, 'ingest started');

  let stopping: Promise<void> | null = null;
  return {
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        status.state = 'stopped';
        if (restartTimer) clearTimeout(restartTimer);
        await consumer.disconnect().catch((err) => log.warn({ err }, 'consumer disconnect failed'));
        await admin.disconnect().catch(() => undefined);
        for (const w of waiters.splice(0)) w();
      })();
      return stopping;
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
        last_batch_at: lastBatchAt,
        first_batch_at: firstBatchAt,
      };
    },
    async caughtUp() {
      await refreshHighWatermarks();
      if (isCaughtUp()) return;
      await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

/** Rejected records into ingest_errors with their exact bytes. */
function storeErrors(tx: Session, topic: string, bad: Rejected[], atUs: bigint): Promise<void> {
  return insertErrors(
    tx,
    bad.map((b) => {
      const ts = Number(b.timestamp);
      return {
        topic,
        partition: b.partition,
        offset: b.offset,
        key: b.key,
        value: b.value,
        reason: b.reason,
        record_ts_us: Number.isFinite(ts) && ts > 0 ? BigInt(Math.trunc(ts)) * 1000n : null,
      };
    }),
    atUs,
  );
}
