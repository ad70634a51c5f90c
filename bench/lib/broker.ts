// The broker a benchmark measures on. Honest by default: without
// KAFKA_BROKERS the benchmark starts its own project-managed broker in a temp
// directory (a fresh log, nobody else's traffic) and stops it at the end; with
// KAFKA_BROKERS it uses that one, and the report flags the figures as taken on
// a broker the script did not start (warm page cache, other clients' load).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
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
