// How long a lost audit node takes to come back, at 1M messages on a 3-broker
// cluster: rebuilt from the whole log (a fresh DATA_DIR, ingest from offset 0)
// and restored from another node's daily Parquet plus the log after it
// (`kchat restore`, ingest/snapshot.ts). Baseline in every round: Kafka's own
// ConsumerPerformance reading the same 1M records (the floor for reading the log).
//
// Setup (not timed): N envelopes (default 1,000,000) over the 10 days before
// today into chat.events (6 partitions, RF 3, acks=all), a source audit node
// that ingests them and writes the daily Parquet of those days (the snapshot),
// then a tail of N/20 envelopes of today (in the log only).
//   npx tsx bench/cluster/rebuild.ts
import { atExit, benchArgs, benchTempDir, numberArg, runBench } from '../lib/index.ts';
import { koreanChat } from '../lib/chat-data.ts';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from '../../core/config.ts';
import { Database } from '../../core/db.ts';
import { KafkaClient } from '../../core/kafka.ts';
import { kafkaNames } from '../../core/names.ts';
import { addDays, dayRange, localDate } from '../../core/time.ts';
import { LocalCluster } from '../../kafka/cluster.ts';
import { consumerPerformance } from '../../kafka/tools.ts';
import { parquetRoot, runBackfill, startIngest } from '../../ingest/index.ts';
import { restoreFromSnapshot } from '../../ingest/snapshot.ts';

const args = benchArgs(
  `Usage: npx tsx bench/cluster/rebuild.ts [--messages 1000000]

Starts its own 3-node Kafka cluster, loads N envelopes over the last 10 days plus N/20 of
today, and a source audit node that stores them and writes the daily Parquet. Each round:
a fresh audit node rebuilt from the whole log; a fresh node restored from the Parquet plus
the log after it; Kafka's ConsumerPerformance reading the log.`,
  { messages: { type: 'string', default: '1000000' } },
);
const N = numberArg(args.values, 'messages', { min: 10_000 });
const TAIL = Math.floor(N / 20);
const TZ = 'Asia/Seoul';

let cluster: LocalCluster;
let base: NodeJS.ProcessEnv;
let kafka: KafkaClient;
let snapshot: string;
let topic: string;

/** A fresh audit node: DATA_DIR, DuckDB and its own ingest group. */
async function node(name: string): Promise<{ config: Config; db: Database }> {
  const config = loadConfig({ ...base, DATA_DIR: benchTempDir(`rebuild-${name}`), KCHAT_INGEST_GROUP: `audit-${name}-${crypto.randomBytes(3).toString('hex')}` });
  return { config, db: await Database.open(config.dbPath) };
}

/** Ingest on a node until it holds everything on the topic; seconds, and the rows it stored in this run. */
async function catchUp(n: { config: Config; db: Database }): Promise<{ seconds: number; stored: number }> {
  const t0 = performance.now();
  // the node's own group (the shared client's names carry the base config's group)
  const ingest = await startIngest({ config: n.config, db: n.db, kafka, groupId: kafkaNames(n.config).groups.ingest });
  await ingest.caughtUp();
  const seconds = (performance.now() - t0) / 1000;
  const stored = ingest.health().stored;
  await ingest.stop();
  return { seconds, stored };
}

/** Bytes of the files under `p` (only inside folders whose name passes `folder`, when given). */
function bytes(p: string, folder?: (name: string) => boolean, inside = !folder): number {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  // Kafka's data is its .log segments (its index files are preallocated, sparse)
  if (st.isFile()) return inside && (!folder || p.endsWith('.log')) ? st.size : 0;
  return fs.readdirSync(p).reduce((sum, name) => sum + bytes(path.join(p, name), folder, inside || Boolean(folder?.(name))), 0);
}

async function rows(db: Database): Promise<number> {
  return Number((await db.one<{ n: number }>('SELECT count(*) AS n FROM messages'))?.n ?? 0);
}

async function logStart(): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.low)]));
  } finally {
    await admin.disconnect();
  }
}

async function produce(from: number, to: number, n: number): Promise<void> {
  const all = koreanChat(n, from, to);
  const CHUNK = 5000;
  for (let i = 0; i < all.length; i += CHUNK) await kafka.publish(all.slice(i, i + CHUNK));
}

await runBench({
  name: 'cluster-rebuild',
  title: `An audit node back from nothing, ${N.toLocaleString('en-US')} + ${TAIL.toLocaleString('en-US')} messages on 3 brokers: whole log vs Parquet snapshot + log tail, vs Kafka ConsumerPerformance`,
  args,
  params: { messages: N, tail: TAIL, brokers: 3 },
  metrics: {
    ours: {
      rebuildS: 'rebuild from the whole log (fresh node, ingest from offset 0) [s]',
      rebuildRate: '↳ messages per second [msgs/s]',
      restoreS: 'restore from the Parquet snapshot + the log after it [s]',
      restoreLoadS: '↳ of which loading the snapshot [s]',
    },
    baseline: {
      kafkaS: 'Kafka ConsumerPerformance reading the whole log [s]',
      kafkaRate: '↳ messages per second [msgs/s]',
    },
    info: {
      kafkaBytes: 'Kafka log on disk per message, all 3 replicas [B]',
      duckdbBytes: 'DuckDB file per message (rebuilt node) [B]',
      parquetBytes: 'daily Parquet (zstd) per message [B]',
    },
  },
  async setup() {
    process.stderr.write('starting a 3-node Kafka cluster…\n');
    cluster = await LocalCluster.start({ dir: benchTempDir('rebuild-cluster'), nodes: 3 });
    atExit(() => cluster.stop());
    base = { ...process.env, KAFKA_BROKERS: cluster.brokers.join(','), KCHAT_TOPIC_PREFIX: `bench.rebuild.${crypto.randomBytes(3).toString('hex')}.`, LOG_LEVEL: 'warn' };
    const config = loadConfig({ ...base, DATA_DIR: benchTempDir('rebuild-client') });
    kafka = new KafkaClient({ config, brokers: cluster.brokers, clientId: 'bench-rebuild' });
    atExit(() => kafka.disconnect());
    await kafka.ensureTopics();
    topic = kafka.names.topics.events;
    const today = localDate(Date.now(), TZ);
    const first = addDays(today, -10);
    process.stderr.write(`loading ${N} envelopes over ${first}…${addDays(today, -1)} (acks=all)…\n`);
    await produce(dayRange(first, TZ).start, dayRange(today, TZ).start, N);
    process.stderr.write('source audit node: ingest + daily Parquet of those days…\n');
    const source = await node('source');
    await catchUp(source);
    const runs = await runBackfill({ config: source.config, db: source.db, from: first, to: addDays(today, -1) });
    if (runs.some((r) => r.status === 'failed')) throw new Error(`the pipeline failed: ${runs.find((r) => r.status === 'failed')?.reason}`);
    snapshot = parquetRoot(source.config);
    await source.db.close();
    process.stderr.write(`the tail: ${TAIL} envelopes of today, in the log only…\n`);
    await produce(dayRange(today, TZ).start, Date.now(), TAIL);
  },
  async warmup() {
    // JIT, page cache and the JVM tool's start, on the same data
    await consumerPerformance({ brokers: cluster.brokers, topic, messages: N + TAIL, group: `bench-rebuild-warm-${crypto.randomBytes(3).toString('hex')}` });
    const w = await node('warm');
    await catchUp(w);
    await w.db.close();
  },
  async round() {
    const fresh = await node('log');
    const rebuilt = await catchUp(fresh);
    if ((await rows(fresh.db)) !== N + TAIL) throw new Error(`the rebuilt node holds ${await rows(fresh.db)} rows, not ${N + TAIL}`);
    await fresh.db.close();
    const duckdbBytes = bytes(fresh.config.dbPath) / (N + TAIL);

    const restored = await node('snapshot');
    const t0 = performance.now();
    await restoreFromSnapshot({ db: restored.db, topic, logStart: await logStart(), from: snapshot });
    const loadS = (performance.now() - t0) / 1000;
    await catchUp(restored);
    const restoreS = (performance.now() - t0) / 1000;
    if ((await rows(restored.db)) !== N + TAIL) throw new Error(`the restored node holds ${await rows(restored.db)} rows, not ${N + TAIL}`);
    await restored.db.close();

    const cp = await consumerPerformance({ brokers: cluster.brokers, topic, messages: N + TAIL, group: `bench-rebuild-cp-${crypto.randomBytes(3).toString('hex')}` });
    return {
      rebuildS: rebuilt.seconds,
      rebuildRate: (N + TAIL) / rebuilt.seconds,
      restoreS,
      restoreLoadS: loadS,
      kafkaS: (N + TAIL) / cp.messagesPerSec,
      kafkaRate: cp.messagesPerSec,
      // the topic's partition folders on every node (segments and indexes), before any compaction of old segments
      kafkaBytes: bytes(cluster.dir, (name) => name.startsWith(`${topic}-`)) / (N + TAIL),
      duckdbBytes,
      parquetBytes: bytes(snapshot) / N,
    };
  },
  notes: [
    'Each round starts two new, empty audit nodes (own DATA_DIR, DuckDB file and ingest group); both must end with every message once (checked).',
    'Rebuild = ingest from the start of the log until caught up (group join included). Restore = `kchat restore` (the snapshot up to its first missing offset, one transaction) + ingest of the log after it.',
    "The search service's index is rebuilt from the log by the search service itself and is not part of these figures (bench/search).",
    "The snapshot is the source node's $DATA_DIR/parquet/dt=*/ (zstd Parquet, one folder per day, as the nightly pipeline writes it).",
  ],
});
