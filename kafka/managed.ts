// Starting the project-managed broker: a single-node KRaft broker (broker and
// controller in one JVM, on loopback) whose storage, logs and state live under
// $DATA_DIR/kafka. One call = one JVM; supervisor.ts restarts it when it dies.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { logLevel } from 'kafkajs';
import { createKafka } from '../core/kafka.ts';
import { logger } from '../core/log.ts';
import { fetchJars } from './fetch.ts';
import { javaArgs, javaBin, requireJava } from './jvm.ts';
import { nodeProperties, spawnNode } from './node.ts';
import { answersMetadata, freePort, portFree } from './probe.ts';
import { clusterIdOf, removeState, writeJson, type BrokerState } from './state.ts';

const log = logger('kafka.broker');

const DEFAULT_PORT = 9092;
const READY_TIMEOUT_MS = 60_000;

/** One running JVM of the managed broker. */
export interface Launched {
  pid: number;
  port: number;
  controllerPort: number;
  brokers: string[];
  /** resolves with how the JVM ended (`exit 1`, `SIGKILL`…) */
  exited: Promise<string>;
  /** SIGTERM (Kafka's clean shutdown), SIGKILL after 8 s; removes broker.json */
  stop(): Promise<void>;
}

interface Ports {
  port: number;
  controllerPort: number;
}

class PortTaken extends Error {}

/** Start the broker for dir (jars fetched and storage formatted on first use); resolves once it answers. */
export async function startManaged(dir: string): Promise<Launched> {
  requireJava();
  await fetchJars();
  fs.mkdirSync(dir, { recursive: true });
  // A port that looked free can be taken before the JVM binds it (parallel tests): retry on fresh ports.
  for (let attempt = 1; ; attempt++) {
    const ports = await choosePorts(dir, attempt > 1);
    const propsFile = path.join(dir, 'server.properties');
    fs.writeFileSync(propsFile, serverProperties(dir, ports));
    await formatStorage(dir, propsFile);
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

/** One node that is broker and controller (node.ts builds the properties of every node kind). */
function serverProperties(dir: string, { port, controllerPort }: Ports): string {
  return nodeProperties({ id: 1, dir, port, controllerPort }, [{ id: 1, controllerPort }], 1);
}

/** Format `dir`/data for KRaft once (a local cluster's nodes pass their shared `id`, and format in parallel). */
export async function formatStorage(dir: string, propsFile: string, id = clusterIdOf(dir)!): Promise<void> {
  if (fs.existsSync(path.join(dir, 'data', 'meta.properties'))) return;
  log.info({ dir, clusterId: id }, 'formatting KRaft storage');
  const child = spawn(javaBin(), javaArgs('kafka.tools.StorageTool', ['format', '-t', id, '-c', propsFile, '--ignore-formatted']), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const failure = await new Promise<string | null>((resolve) => {
    child.once('error', (err) => resolve(err.message));
    child.once('exit', (code, signal) => resolve(code === 0 ? null : (signal ?? `exit ${code}`)));
  });
  if (failure) throw new Error(`Formatting Kafka storage in ${dir} failed (${failure}):\n${output.trim()}`);
}

async function launch(dir: string, propsFile: string, ports: Ports): Promise<Launched> {
  const started = Date.now();
  const brokers = [`127.0.0.1:${ports.port}`];
  // own process group (node.ts): a terminal's Ctrl-C reaches only us, and we stop the broker last
  const node = spawnNode(dir, propsFile);
  const { pid, logFile, logStart, exited } = node;
  log.info({ dir, port: ports.port, log: logFile }, 'starting project-managed Kafka broker');
  guardBroker(pid);
  const state: BrokerState = { pid, port: ports.port, controllerPort: ports.controllerPort, startedAt: new Date().toISOString(), ready: false };
  writeJson(path.join(dir, 'broker.json'), state);

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await node.stop();
      removeState(dir, pid);
      log.info({ brokerPid: pid, port: ports.port }, 'project-managed Kafka broker stopped');
    })());

  const deadline = started + READY_TIMEOUT_MS;
  for (;;) {
    const exitedAs = node.exitReason();
    if (exitedAs !== null) {
      removeState(dir, pid);
      const tail = readFrom(logFile, logStart);
      if (/Address already in use|BindException/.test(tail)) throw new PortTaken(`port ${ports.port} or ${ports.controllerPort} taken`);
      throw new Error(`The Kafka broker exited while starting (${exitedAs}). Last lines of ${logFile}:\n${lastLines(tail, 20)}`);
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
  return { pid, port: ports.port, controllerPort: ports.controllerPort, brokers, exited, stop };
}

/**
 * The broker runs in its own process group, so it would outlive us if we died
 * without calling stop() (SIGKILL, a crashed test file). A tiny watchdog sends
 * it SIGTERM within a second of our death, and ends itself with the broker.
 */
export function guardBroker(brokerPid: number): void {
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
export async function warmUp(brokers: string[]): Promise<void> {
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

export function readFrom(file: string, offset: number): string {
  try {
    return fs.readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

export function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join('\n');
}
