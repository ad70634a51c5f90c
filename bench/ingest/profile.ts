// Profiling harness: our ingest alone on an already preloaded topic (e.g. one
// left by `bench/ingest/run.ts`), fresh group, fresh DuckDB file in a temp dir.
// Usage: KAFKA_BROKERS=… node --cpu-prof --import tsx bench/ingest/profile.ts --topic T [--messages N]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { duckdbSettings, loadConfig } from '../../core/config.ts';
import { Database } from '../../core/db.ts';
import { KafkaClient } from '../../core/kafka.ts';
import { startIngest } from '../../ingest/consumer.ts';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const topic = arg('--topic', '');
if (!topic || !process.env.KAFKA_BROKERS) throw new Error('need --topic and KAFKA_BROKERS');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-ingest-prof-'));
const prefix = topic.slice(0, topic.length - 'chat.events'.length);
const config = loadConfig({ ...process.env, DATA_DIR: dir, KCHAT_TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn' });
const kafka = new KafkaClient({ config, brokers: process.env.KAFKA_BROKERS.split(','), clientId: 'bench-ingest-prof' });
// the DuckDB settings `npm start` opens its database with (memory limit, threads, spill folder)
const db = await Database.open(config.dbPath, { settings: duckdbSettings(config) });
const t0 = Date.now();
const ingest = await startIngest({ config, db, kafka, topic, groupId: `bench-prof-${randomUUID()}` });
await ingest.caughtUp();
const t1 = Date.now();
const h = ingest.health();
await ingest.stop();
const rows = (await db.one<{ n: number }>('SELECT count(*) AS n FROM messages'))!.n;
const fetchS = (t1 - (h.first_batch_at ?? t0)) / 1000;
process.stdout.write(`${rows} rows; total ${((t1 - t0) / 1000).toFixed(2)} s; first batch → caught up ${fetchS.toFixed(2)} s = ${Math.round(rows / fetchS)} msgs/s; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
await db.close();
fs.rmSync(dir, { recursive: true, force: true });
