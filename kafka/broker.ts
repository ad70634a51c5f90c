// The Kafka broker kchat talks to: the one in KAFKA_BROKERS, or the
// project-managed single-node KRaft broker under $DATA_DIR/kafka (started
// here: managed.ts; kept alive: supervisor.ts; its files: state.ts).
//
// Either way the process gets its one KafkaClient (core/kafka.ts), which
// checks the cluster id on every connection it opens and refuses a stranger:
// the managed broker's id is $DATA_DIR/kafka/cluster-id; a KAFKA_BROKERS
// cluster's id is pinned into $DATA_DIR/kafka-cluster-id on first use, since
// ingest's stored offsets only mean something on that one cluster.
// Nothing is registered globally: callers pass handle.stop to onShutdown.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../core/config.ts';
import { clusterIdAt, KafkaClient } from '../core/kafka.ts';
import { logger } from '../core/log.ts';
import { startManaged } from './managed.ts';
import { answersMetadata } from './probe.ts';
import { acquireStartLock, clusterIdOf, isOurBroker, killPid, pidAlive, readBrokerState, removeState } from './state.ts';
import { supervise, type SupervisorHealth } from './supervisor.ts';

export { readBrokerState, type BrokerState } from './state.ts';

const log = logger('kafka.broker');
const UNREACHABLE_TIMEOUT_MS = 5_000;

export interface BrokerHandle {
  /** bootstrap addresses at start (a supervised broker may move: see current()) */
  brokers: string[];
  /** where the broker listens now */
  current(): string[];
  /** the process's one Kafka client for this broker (topics already ensured, cluster id checked) */
  kafka: KafkaClient;
  /** true when the broker is the project-managed one (started here or reused) */
  managed: boolean;
  /** the cluster id every connection is checked against */
  clusterId: string;
  /** broker supervision (restarts) and refused strangers, for /healthz */
  health(): { ok: boolean; [detail: string]: unknown };
  /** stops the broker when this call started it; a no-op otherwise */
  stop(): Promise<void>;
}

type Found = { current(): string[]; stop(): Promise<void>; supervisor?: { health(): SupervisorHealth } };

/** The broker for this config: KAFKA_BROKERS, a running managed broker, or (opts.start) a new one. Topics are ensured. */
export async function connectKafka(config: Config, opts: { start?: boolean; clientId?: string } = {}): Promise<BrokerHandle> {
  const clientId = opts.clientId ?? 'kchat';
  let found: Found;
  let clusterId: string;
  let managed: boolean;
  if (config.kafkaBrokers) {
    const brokers = config.kafkaBrokers;
    const id = await clusterIdAt(brokers, UNREACHABLE_TIMEOUT_MS);
    if (!id) {
      throw new Error(
        `Kafka at KAFKA_BROKERS=${brokers.join(',')} is unreachable: no answer to a metadata request within ` +
          `${UNREACHABLE_TIMEOUT_MS / 1000} s. Check the address and that the broker runs, or unset KAFKA_BROKERS ` +
          'to let kchat start its own local broker.',
      );
    }
    clusterId = pinClusterId(config, id, brokers);
    found = { current: () => brokers, stop: async () => undefined };
    managed = false;
  } else {
    const dir = kafkaDir(config);
    found = await managedBroker(config, dir, opts.start === true);
    clusterId = clusterIdOf(dir, false) ?? '';
    managed = true;
  }
  const kafka = new KafkaClient({ config, brokers: () => found.current(), clientId, clusterId: clusterId || undefined });
  try {
    // the one place topics are created (core/topics.ts has their settings)
    await kafka.ensureTopics();
  } catch (err) {
    await found.stop();
    throw err;
  }
  return {
    brokers: found.current(),
    current: () => found.current(),
    kafka,
    managed,
    clusterId,
    health() {
      const client = kafka.health();
      const broker = found.supervisor?.health();
      return { ...client, ok: client.ok && (broker?.ok ?? true), cluster_id: clusterId, ...(broker ? { supervisor: broker } : {}) };
    },
    stop: () => found.stop(),
  };
}

export function kafkaDir(config: Config): string {
  return path.join(config.dataDir, 'kafka');
}

/** KAFKA_BROKERS: the cluster seen on first use is this installation's; another one later is refused. */
function pinClusterId(config: Config, id: string, brokers: string[]): string {
  const file = path.join(config.dataDir, 'kafka-cluster-id');
  let pinned: string | null = null;
  try {
    pinned = fs.readFileSync(file, 'utf8').trim() || null;
  } catch {
    // first use
  }
  if (pinned && pinned !== id) {
    throw new Error(
      `Refusing Kafka at KAFKA_BROKERS=${brokers.join(',')}: its cluster id is ${id}, but this installation (DATA_DIR=${config.dataDir}) ` +
        `belongs to cluster ${pinned}. Ingest's stored offsets are only valid on that cluster. Point KAFKA_BROKERS at it, or, ` +
        `if the move to a new cluster is intended, delete ${file}.`,
    );
  }
  if (!pinned) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.writeFileSync(file, id + '\n');
  }
  return id;
}

/** A managed broker already running for dir, or (start) one started and supervised here. */
async function managedBroker(config: Config, dir: string, start: boolean): Promise<Found> {
  let brokers = await reuseRunning(dir, false);
  if (!brokers && !start) {
    throw new Error(
      `No Kafka broker: KAFKA_BROKERS is unset and no project-managed broker runs for DATA_DIR=${config.dataDir}. ` +
        'Start kchat with `npm start` (it runs its own broker) or set KAFKA_BROKERS=host:port.',
    );
  }
  if (brokers) return reused(dir, brokers);
  const release = await acquireStartLock(dir);
  try {
    // Another process may have started it while we waited for the lock.
    brokers = await reuseRunning(dir, true);
    if (brokers) return reused(dir, brokers);
    const supervisor = supervise(dir, await startManaged(dir));
    return { current: () => supervisor.current(), stop: () => supervisor.stop(), supervisor };
  } finally {
    release();
  }
}

/** Someone else's managed broker: follow broker.json (its owner may restart it on another port). */
function reused(dir: string, brokers: string[]): Found {
  log.info({ brokers }, 'using the project-managed Kafka broker already running');
  let last = brokers;
  return {
    current() {
      const state = readBrokerState(dir);
      if (state?.ready) last = [`127.0.0.1:${state.port}`];
      return last;
    },
    stop: async () => undefined,
  };
}

/**
 * Brokers of a managed broker already running for dir, else null (clearing a
 * stale state file). With `patient`, a broker of ours that is still starting
 * gets time to come up; one that never answers is killed.
 */
async function reuseRunning(dir: string, patient: boolean): Promise<string[] | null> {
  const state = readBrokerState(dir);
  if (!state) return null;
  const brokers = [`127.0.0.1:${state.port}`];
  if (!isOurBroker(state.pid, dir)) {
    removeState(dir, state.pid);
    return null;
  }
  if (await answersMetadata(brokers, 2000)) return brokers;
  if (!patient) return null;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && pidAlive(state.pid)) {
    if (await answersMetadata(brokers, 2000)) return brokers;
    await sleep(250);
  }
  log.warn({ pid: state.pid, dir }, 'managed Kafka broker does not answer; killing it and starting a new one');
  await killPid(state.pid);
  removeState(dir, state.pid);
  return null;
}
