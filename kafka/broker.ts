// The Kafka broker kchat talks to: the one in KAFKA_BROKERS, or a
// project-managed single-node KRaft broker (broker + controller in one JVM on
// loopback) whose storage, logs and state live under $DATA_DIR/kafka.
//
//   $DATA_DIR/kafka/broker.json       {pid, port, controllerPort, startedAt, ready} while it runs
//   $DATA_DIR/kafka/ports.json        last ports used, preferred on the next start
//   $DATA_DIR/kafka/cluster-id        KRaft cluster id, generated once
//   $DATA_DIR/kafka/server.properties generated on every start
//   $DATA_DIR/kafka/server.log        broker output
//   $DATA_DIR/kafka/data/             the log directory (formatted once)
//
// Nothing is registered globally: callers pass handle.stop to onShutdown.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../core/config.ts';
import { logLevel } from 'kafkajs';
import { createKafka, KafkaClient } from '../core/kafka.ts';
import { logger } from '../core/log.ts';
import { fetchJars } from './fetch.ts';
import { classDataArchive, javaArgs, javaBin, requireJava } from './jvm.ts';
import { answersMetadata, freePort, portFree } from './probe.ts';

const log = logger('kafka.broker');

export interface BrokerHandle {
  /** bootstrap addresses */
  brokers: string[];
  /** the process's one Kafka client for this broker (topics already ensured) */
  kafka: KafkaClient;
  /** true when the broker is the project-managed one (started here or reused) */
  managed: boolean;
  /** stops the broker when this call started it; a no-op otherwise */
  stop(): Promise<void>;
}

export interface BrokerState {
  pid: number;
  port: number;
  controllerPort: number;
  startedAt: string;
  ready: boolean;
}

const DEFAULT_PORT = 9092;
const READY_TIMEOUT_MS = 60_000;
/** below core/lifecycle's 10 s per stopper, so SIGKILL still happens in time */
const STOP_TIMEOUT_MS = 8_000;
const UNREACHABLE_TIMEOUT_MS = 5_000;

/** The broker for this config: KAFKA_BROKERS, a running managed broker, or (opts.start) a new one. Topics are ensured. */
export async function connectKafka(config: Config, opts: { start?: boolean; clientId?: string } = {}): Promise<BrokerHandle> {
  const clientId = opts.clientId ?? 'kchat';
  if (config.kafkaBrokers) {
    const brokers = config.kafkaBrokers;
    if (!(await answersMetadata(brokers, UNREACHABLE_TIMEOUT_MS))) {
      throw new Error(
        `Kafka at KAFKA_BROKERS=${brokers.join(',')} is unreachable: no answer to a metadata request within ` +
          `${UNREACHABLE_TIMEOUT_MS / 1000} s. Check the address and that the broker runs, or unset KAFKA_BROKERS ` +
          'to let kchat start its own local broker.',
      );
    }
    const kafka = new KafkaClient({ config, brokers, clientId });
    await kafka.ensureTopics();
    return { brokers, kafka, managed: false, stop: async () => undefined };
  }

  const dir = kafkaDir(config);
  let brokers = await reuseRunning(dir, false);
  if (!brokers && !opts.start) {
    throw new Error(
      `No Kafka broker: KAFKA_BROKERS is unset and no project-managed broker runs for DATA_DIR=${config.dataDir}. ` +
        'Start kchat with `npm start` (it runs its own broker) or set KAFKA_BROKERS=host:port.',
    );
  }
  let handle: Omit<BrokerHandle, 'kafka'>;
  if (brokers) {
    handle = reused(brokers);
  } else {
    const release = await acquireStartLock(dir);
    try {
      // Another process may have started it while we waited for the lock.
      brokers = await reuseRunning(dir, true);
      handle = brokers ? reused(brokers) : await startManaged(dir);
    } finally {
      release();
    }
  }
  const kafka = new KafkaClient({ config, brokers: handle.brokers, clientId });
  try {
    // the one place topics are created (core/topics.ts has their settings)
    await kafka.ensureTopics();
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return { ...handle, kafka };
}

export function kafkaDir(config: Config): string {
  return path.join(config.dataDir, 'kafka');
}

/** The state file of the managed broker for this DATA_DIR, or null when none is recorded. */
export function readBrokerState(dir: string): BrokerState | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'broker.json'), 'utf8')) as BrokerState;
  } catch {
    return null;
  }
}

function reused(brokers: string[]): Omit<BrokerHandle, 'kafka'> {
  log.info({ brokers }, 'using the project-managed Kafka broker already running');
  return { brokers, managed: true, stop: async () => undefined };
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Is pid a broker of this dir (and not an unrelated process that got a recycled pid)? */
function isOurBroker(pid: number, dir: string): boolean {
  if (!pidAlive(pid)) return false;
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes('kafka.Kafka') && cmd.includes(path.join(dir, 'server.properties'));
  } catch {
    return true; // no /proc (macOS): trust the pid
  }
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

async function killPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (pidAlive(pid) && Date.now() < deadline) await sleep(100);
  if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
}

/** One starter per DATA_DIR at a time (two processes cannot share a log directory). */
async function acquireStartLock(dir: string): Promise<() => void> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'start.lock');
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder: number;
    try {
      holder = Number(fs.readFileSync(file, 'utf8'));
    } catch {
      continue; // released between our two calls
    }
    if (!pidAlive(holder)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`Process ${holder} has been starting the Kafka broker in ${dir} for over a minute; remove ${file} if it is stale.`);
    }
    await sleep(200);
  }
}

function writeJson(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

function removeState(dir: string, pid: number): void {
  if (readBrokerState(dir)?.pid === pid) fs.rmSync(path.join(dir, 'broker.json'), { force: true });
}

/** Kafka's Uuid.randomUuid().toString(): 16 random bytes, base64url, never starting with '-'. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function clusterId(dir: string): string {
  const file = path.join(dir, 'cluster-id');
  try {
    const id = fs.readFileSync(file, 'utf8').trim();
    if (id) return id;
  } catch {
    // first start
  }
  const id = newClusterId();
  fs.writeFileSync(file, id + '\n');
  return id;
}

interface Ports {
  port: number;
  controllerPort: number;
}

/** The last ports (so clients reconnect after a restart), else 9092, else any free port. */
async function choosePorts(dir: string, avoidUsual: boolean): Promise<Ports> {
  const file = path.join(dir, 'ports.json');
  let prev: Partial<Ports> = {};
  try {
    prev = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Ports>;
  } catch {
    // first start
  }
  let port = 0;
  for (const p of avoidUsual ? [] : [prev.port, DEFAULT_PORT]) {
    if (p && (await portFree(p))) {
      port = p;
      break;
    }
  }
  if (!port) port = await freePort();
  let controllerPort =
    !avoidUsual && prev.controllerPort && prev.controllerPort !== port && (await portFree(prev.controllerPort)) ? prev.controllerPort : 0;
  while (!controllerPort || controllerPort === port) controllerPort = await freePort();
  const ports = { port, controllerPort };
  writeJson(file, ports);
  return ports;
}

function serverProperties(dir: string, { port, controllerPort }: Ports): string {
  return `# Generated by kafka/broker.ts on every start; edit the code, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${path.join(dir, 'data')}
# single node: every replication factor and ISR is 1
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=1
# topics are created by the app from its topic table (core/topics.ts)
auto.create.topics.enable=false
log.retention.hours=168
group.initial.rebalance.delay.ms=0
# two cores are enough for a dev node
num.network.threads=2
num.io.threads=4
`;
}

function formatStorage(dir: string, propsFile: string): void {
  if (fs.existsSync(path.join(dir, 'data', 'meta.properties'))) return;
  const id = clusterId(dir);
  log.info({ dir, clusterId: id }, 'formatting KRaft storage');
  const r = spawnSync(javaBin(), javaArgs('kafka.tools.StorageTool', ['format', '-t', id, '-c', propsFile, '--ignore-formatted']), {
    encoding: 'utf8',
  });
  if (r.error || r.status !== 0) {
    throw new Error(`Formatting Kafka storage in ${dir} failed (${r.error?.message ?? `exit ${r.status}`}):\n${(r.stderr || r.stdout).trim()}`);
  }
}

class PortTaken extends Error {}

async function startManaged(dir: string): Promise<Omit<BrokerHandle, 'kafka'>> {
  requireJava();
  await fetchJars();
  fs.mkdirSync(dir, { recursive: true });
  // A port that looked free can be taken before the JVM binds it (parallel tests): retry on fresh ports.
  for (let attempt = 1; ; attempt++) {
    const ports = await choosePorts(dir, attempt > 1);
    const propsFile = path.join(dir, 'server.properties');
    fs.writeFileSync(propsFile, serverProperties(dir, ports));
    formatStorage(dir, propsFile);
    try {
      return await launch(dir, propsFile, ports);
    } catch (err) {
      if (err instanceof PortTaken && attempt < 3) {
        log.warn({ ports }, 'port taken while the broker started; retrying on other ports');
        continue;
      }
      throw err;
    }
  }
}

async function launch(dir: string, propsFile: string, ports: Ports): Promise<Omit<BrokerHandle, 'kafka'>> {
  const logFile = path.join(dir, 'server.log');
  const out = fs.openSync(logFile, 'a');
  const logStart = fs.fstatSync(out).size;
  const started = Date.now();
  const brokers = [`127.0.0.1:${ports.port}`];
  log.info({ dir, port: ports.port, log: logFile }, 'starting project-managed Kafka broker');
  // Own process group: a terminal's Ctrl-C reaches only us, and we stop the
  // broker last, after everything that uses it has shut down.
  const cds = classDataArchive('broker');
  const child: ChildProcess = spawn(
    javaBin(),
    javaArgs('kafka.Kafka', [propsFile], {
      heap: '512m',
      logLevel: 'INFO',
      jvmArgs: ['-Xms128m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', ...cds.jvmArgs],
    }),
    { detached: true, stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  const pid = child.pid ?? 0;
  guardBroker(pid);
  let exited: string | null = null;
  let killed = false;
  child.once('exit', (code, signal) => {
    exited = signal ?? `exit ${code}`;
    // Kafka exits 143 after a clean SIGTERM shutdown
    cds.done(!killed && (code === 0 || code === 143 || signal === 'SIGTERM'));
  });
  const state: BrokerState = { pid, port: ports.port, controllerPort: ports.controllerPort, startedAt: new Date().toISOString(), ready: false };
  writeJson(path.join(dir, 'broker.json'), state);

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          killed = true;
          child.kill('SIGKILL');
        }, STOP_TIMEOUT_MS);
        await gone;
        clearTimeout(timer);
      }
      removeState(dir, pid);
      log.info({ brokerPid: pid, port: ports.port }, 'project-managed Kafka broker stopped');
    })());

  const deadline = started + READY_TIMEOUT_MS;
  for (;;) {
    if (exited !== null) {
      removeState(dir, pid);
      const tail = readFrom(logFile, logStart);
      if (/Address already in use|BindException/.test(tail)) throw new PortTaken(`port ${ports.port} or ${ports.controllerPort} taken`);
      throw new Error(`The Kafka broker exited while starting (${exited}). Last lines of ${logFile}:\n${lastLines(tail, 20)}`);
    }
    if (await answersMetadata(brokers, 1000)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`The Kafka broker did not answer within ${READY_TIMEOUT_MS / 1000} s. Last lines of ${logFile}:\n${lastLines(readFrom(logFile, logStart), 20)}`);
    }
    await sleep(150);
  }
  const answeredMs = Date.now() - started;
  await warmUp(brokers);
  writeJson(path.join(dir, 'broker.json'), { ...state, ready: true });
  log.info({ brokerPid: pid, brokers, answeredMs, ms: Date.now() - started }, 'project-managed Kafka broker ready');
  return { brokers, managed: true, stop };
}

/**
 * The broker runs in its own process group, so it would outlive us if we died
 * without calling stop() (SIGKILL, a crashed test file). A tiny watchdog sends
 * it SIGTERM within a second of our death, and ends itself with the broker.
 */
function guardBroker(brokerPid: number): void {
  if (process.platform === 'win32' || !brokerPid) return;
  const watchdog = spawn(
    '/bin/sh',
    ['-c', 'while kill -0 "$0" 2>/dev/null && kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -TERM "$1" 2>/dev/null', String(process.pid), String(brokerPid)],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.on('error', (err) => log.warn({ err }, 'could not start the broker watchdog'));
  watchdog.unref();
}

/**
 * A fresh broker creates its offsets and producer-id state on first use, and
 * until then answers "coordinator is loading" (which kafkajs logs as errors).
 * Touch both once, quietly, so the first consumer group and the first
 * idempotent producer of the app find them ready.
 */
async function warmUp(brokers: string[]): Promise<void> {
  const kafka = createKafka(brokers, 'kchat-warmup', {
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, maxRetryTime: 500, retries: 40 },
  });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  try {
    await admin.connect();
    await admin.describeGroups(['kchat-warmup']);
    await producer.connect();
  } catch (err) {
    log.warn({ err }, 'warming up the broker failed; the first clients may retry');
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

function readFrom(file: string, offset: number): string {
  try {
    return fs.readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join('\n');
}
