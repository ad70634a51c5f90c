// The broker a benchmark measures on. Honest by default: without
// KAFKA_BROKERS the benchmark starts its own project-managed broker in a temp
// directory (a fresh log, nobody else's traffic) and stops it at the end; with
// KAFKA_BROKERS it uses that one, and the report flags the figures as taken on
// a broker the script did not start (warm page cache, other clients' load).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { loadConfig, type Config } from '../../core/config.ts';
import { connectKafka } from '../../kafka/broker.ts';
import { atExit } from './cleanup.ts';

export interface BenchBroker {
  brokers: string[];
  /** true when this script started the broker (the default, honest mode) */
  own: boolean;
  /** 'own (started for this run)' or 'external KAFKA_BROKERS=…' */
  describe: string;
  /** the topic prefix of this run: every topic and group the bench makes starts with it */
  prefix: string;
  /** a config for this run's broker and prefix; `env` adds or overrides variables (e.g. DATA_DIR) */
  config(env?: NodeJS.ProcessEnv): Config;
  stop(): Promise<void>;
}

/** A fresh temp directory, removed when the process exits (also on Ctrl-C). */
export function benchTempDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kchat-bench-${name}-`));
  atExit(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The broker for a benchmark named `name`; its stop() also runs on Ctrl-C. */
export async function benchBroker(name: string): Promise<BenchBroker> {
  const prefix = `bench.${name}.${crypto.randomBytes(3).toString('hex')}.`;
  const external = process.env.KAFKA_BROKERS?.trim();
  const base: NodeJS.ProcessEnv = { ...process.env, KCHAT_TOPIC_PREFIX: prefix, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  if (!external) {
    process.stderr.write('starting a project-managed Kafka broker for this run (set KAFKA_BROKERS to use another)…\n');
  }
  const handle = await connectKafka(loadConfig({ ...base, DATA_DIR: benchTempDir(`${name}-broker`) }), { start: !external });
  const stop = once(() => handle.stop());
  atExit(stop);
  const brokersEnv = handle.brokers.join(',');
  return {
    brokers: handle.brokers,
    own: !external,
    describe: external ? `external KAFKA_BROKERS=${external}` : `own (project-managed, started for this run at ${brokersEnv})`,
    prefix,
    config: (env = {}) => loadConfig({ ...base, KAFKA_BROKERS: brokersEnv, ...env }),
    stop,
  };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | null = null;
  return () => (p ??= fn());
}

/**
 * Create a benchmark's own topics (kchat's topics come from core/topics.ts via
 * connectKafka) when missing, and wait until every partition answers: on a
 * loaded machine a just-created topic can briefly be unknown to the broker's
 * metadata, which kafkajs's waitForLeaders reports as a failure.
 */
export async function benchTopics(kafka: Kafka, topics: { topic: string; partitions: number }[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length) {
      try {
        await admin.createTopics({ waitForLeaders: true, topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor: 1 })) });
      } catch (err) {
        if (!/already exists|does not host this topic-partition/i.test((err as Error).message)) throw err;
      }
    }
    const deadline = Date.now() + 30_000;
    for (const t of missing) {
      for (;;) {
        try {
          if ((await admin.fetchTopicOffsets(t.topic)).length === t.partitions) break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    await admin.disconnect();
  }
}
