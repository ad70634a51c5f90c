// A local N-node KRaft cluster from the same jars as the managed broker, for
// tests, benchmarks and trying the scaled-out shape on one machine
// (`kchat kafka cluster --nodes N --dir DIR`).
//
// Roles: the first three nodes (one when N < 3) are combined broker +
// controller nodes and form the KRaft quorum; nodes beyond three are brokers
// only. Combined nodes keep a 3-broker cluster at three JVMs instead of six on
// a shared machine, and losing one of them loses a broker AND a voter at once
// (the harsher fault); a quorum of three survives one loss. Production runs
// dedicated controllers (docs/deploy.md).
//
//   DIR/cluster.json    {"bootstrap","nodes":[{"id","pid","port","controller"}]} while it runs (the contract)
//   DIR/cluster-id      the KRaft cluster id, generated once
//   DIR/ports.json      every node's ports, reused on the next start (clients keep their bootstrap list)
//   DIR/launcher.lock   pid of the process running the cluster
//   DIR/node-<id>/      server.properties (generated), server.log, data/
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { logLevel } from 'kafkajs';
import { createKafka } from '../core/kafka.ts';
import { logger } from '../core/log.ts';
import { formatStorage, guardBroker, lastLines, readFrom, warmUp } from './managed.ts';
import { clusterIdOf, pidAlive, writeJson } from './state.ts';
import { restartDelayMs } from './supervisor.ts';
import { fetchJars } from './fetch.ts';
import { requireJava } from './jvm.ts';
import { nodeProperties, spawnNode, type NodeProcess, type NodeSpec, type Voter } from './node.ts';
import { freePort, portFree } from './probe.ts';

const log = logger('kafka.cluster');

export const MAX_NODES = 9;
const READY_TIMEOUT_MS = 90_000;
// A node started again (by startNode or the supervisor) first recovers its unflushed segments: on a slow machine that alone took ~90 s (CI, 2026-12-05).
const RESTART_TIMEOUT_MS = 180_000;

/** DIR/cluster.json (public contract: design.md, "Contract, second edition"). */
export interface ClusterFile {
  bootstrap: string;
  nodes: { id: number; pid: number | null; port: number; controller: boolean }[];
}

export interface ClusterOptions {
  dir: string;
  nodes: number;
  /** node i listens on basePort + 2(i-1), its controller port is the next one; unset = last run's ports, else free ones */
  basePort?: number;
  /** JVM heap per node (default 512m) */
  heap?: string;
  /** restart a node that exits on its own (SIGKILLed from outside, crashed), with backoff; default false */
  supervise?: boolean;
  /** told when a node went down or came back (the CLI prints it) */
  onNodeEvent?(e: { id: number; event: 'exited' | 'restarted'; detail: string }): void;
}

/** KRaft voters for a cluster of n nodes: three when there are three or more (one may fail), else one. */
export const votersFor = (n: number): number => (n >= 3 ? 3 : 1);

/** A caller mistake or a machine problem the launcher names plainly (ports, Java, the folder). */
export class ClusterError extends Error {}

interface Node {
  spec: NodeSpec;
  propsFile: string;
  proc: NodeProcess | null;
  /** set while we stop/kill it on purpose: no supervised restart */
  wanted: 'up' | 'down';
  restarts: number;
}

export class LocalCluster {
  readonly brokers: string[];
  private stopping: Promise<void> | null = null;

  private constructor(
    readonly dir: string,
    private readonly nodes: Node[],
    private readonly opts: ClusterOptions,
    private readonly releaseLock: () => void,
  ) {
    this.brokers = nodes.map((n) => `127.0.0.1:${n.spec.port}`);
  }

  /** Start (or restart, on the same DIR) an N-node cluster; resolves once every broker is registered. */
  static async start(opts: ClusterOptions): Promise<LocalCluster> {
    if (!Number.isInteger(opts.nodes) || opts.nodes < 1 || opts.nodes > MAX_NODES) throw new ClusterError(`--nodes must be a whole number from 1 to ${MAX_NODES}, got ${opts.nodes}`);
    requireJava();
    await fetchJars();
    const dir = path.resolve(opts.dir);
    fs.mkdirSync(dir, { recursive: true });
    const release = lockDir(dir);
    try {
      const id = clusterIdOf(dir)!;
      for (let attempt = 1; ; attempt++) {
        const ports = await choosePorts(dir, opts, attempt > 1);
        const voters: Voter[] = ports.slice(0, votersFor(opts.nodes)).map((p) => ({ id: p.id, controllerPort: p.controllerPort! }));
        const nodes = ports.map((p): Node => {
          const spec: NodeSpec = { id: p.id, dir: path.join(dir, `node-${p.id}`), port: p.port, controllerPort: p.controllerPort };
          fs.mkdirSync(spec.dir, { recursive: true });
          const propsFile = path.join(spec.dir, 'server.properties');
          fs.writeFileSync(propsFile, nodeProperties(spec, voters, opts.nodes));
          return { spec, propsFile, proc: null, wanted: 'up', restarts: 0 };
        });
        await Promise.all(nodes.map((n) => formatStorage(n.spec.dir, n.propsFile, id)));
        const cluster = new LocalCluster(dir, nodes, opts, release);
        try {
          await cluster.bootAll();
          return cluster;
        } catch (err) {
          await Promise.all(nodes.map((n) => n.proc?.kill()));
          if (err instanceof PortTaken && opts.basePort === undefined && attempt < 3) {
            log.warn({ err: err.message }, 'a port was taken while the cluster started; retrying on other ports');
            continue;
          }
          throw err;
        }
      }
    } catch (err) {
      release();
      throw err;
    }
  }

  /** The contract's view: bootstrap list and every node with its pid (null while it is down). */
  info(): ClusterFile {
    return {
      bootstrap: this.brokers.join(','),
      nodes: this.nodes.map((n) => ({ id: n.spec.id, pid: n.proc && n.proc.exitReason() === null ? n.proc.pid : null, port: n.spec.port, controller: n.spec.controllerPort !== null })),
    };
  }

  /** SIGKILL one node (a crash); it stays down until startNode, even when supervised. */
  async killNode(id: number): Promise<void> {
    const n = this.node(id);
    n.wanted = 'down';
    await n.proc?.kill();
    this.writeFile();
  }

  /** SIGTERM one node (Kafka's controlled shutdown moves its leaderships first). */
  async stopNode(id: number): Promise<void> {
    const n = this.node(id);
    n.wanted = 'down';
    await n.proc?.stop();
    this.writeFile();
  }

  /** Start a node that is down again on its ports and data; resolves once the cluster lists it. */
  async startNode(id: number): Promise<void> {
    const n = this.node(id);
    if (n.proc && n.proc.exitReason() === null) return;
    n.wanted = 'up';
    this.launch(n);
    await this.untilRegistered([n], RESTART_TIMEOUT_MS);
    this.writeFile();
  }

  /** Every node down (SIGTERM, SIGKILL after 8 s), cluster.json removed. Data stays for the next start. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const n of this.nodes) n.wanted = 'down';
      // brokers-only first, then the voters together (a voter alone would wait for a quorum that is leaving)
      await Promise.all(this.nodes.filter((n) => n.spec.controllerPort === null).map((n) => n.proc?.stop()));
      await Promise.all(this.nodes.map((n) => n.proc?.stop()));
      fs.rmSync(path.join(this.dir, 'cluster.json'), { force: true });
      this.releaseLock();
      log.info({ dir: this.dir }, 'local Kafka cluster stopped');
    })();
    return this.stopping;
  }

  private node(id: number): Node {
    const n = this.nodes.find((x) => x.spec.id === id);
    if (!n) throw new ClusterError(`no node ${id} in this cluster (nodes 1–${this.nodes.length})`);
    return n;
  }

  private async bootAll(): Promise<void> {
    const started = Date.now();
    for (const n of this.nodes) this.launch(n);
    await this.untilRegistered(this.nodes, READY_TIMEOUT_MS);
    // internal topics (offsets, producer ids) are created on first use with RF 3: touch them now, all brokers up
    await warmUp(this.brokers);
    this.writeFile();
    log.info({ dir: this.dir, brokers: this.brokers, ms: Date.now() - started }, 'local Kafka cluster ready');
  }

  private launch(n: Node): void {
    const proc = spawnNode(n.spec.dir, n.propsFile, this.opts.heap);
    n.proc = proc;
    guardBroker(proc.pid);
    void proc.exited.then((reason) => this.onExit(n, proc, reason));
  }

  private onExit(n: Node, proc: NodeProcess, reason: string): void {
    if (n.proc !== proc || this.stopping || n.wanted === 'down') return;
    this.writeFile();
    const detail = `node ${n.spec.id} (pid ${proc.pid}) exited: ${reason}`;
    log.warn({ node: n.spec.id, pid: proc.pid, reason }, 'Kafka node exited');
    this.opts.onNodeEvent?.({ id: n.spec.id, event: 'exited', detail });
    if (!this.opts.supervise) return;
    const delay = restartDelayMs(++n.restarts);
    void sleep(delay).then(async () => {
      if (this.stopping || n.wanted === 'down' || n.proc !== proc) return;
      this.launch(n);
      try {
        await this.untilRegistered([n], RESTART_TIMEOUT_MS);
        this.writeFile();
        this.opts.onNodeEvent?.({ id: n.spec.id, event: 'restarted', detail: `node ${n.spec.id} is back (pid ${n.proc!.pid})` });
      } catch (err) {
        log.error({ err, node: n.spec.id }, 'restarting a Kafka node failed');
      }
    });
  }

  /** Until the cluster's metadata lists every node of `nodes` (fails fast when one exits). */
  private async untilRegistered(nodes: Node[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const n of nodes) {
        const reason = n.proc?.exitReason();
        if (reason) {
          const tail = readFrom(n.proc!.logFile, n.proc!.logStart);
          if (/Address already in use|BindException/.test(tail)) {
            throw new PortTaken(`port ${n.spec.port}${n.spec.controllerPort ? ` or ${n.spec.controllerPort}` : ''} of node ${n.spec.id} is in use by another process`);
          }
          throw new ClusterError(`Kafka node ${n.spec.id} exited while starting (${reason}). Last lines of ${n.proc!.logFile}:\n${lastLines(tail, 20)}`);
        }
      }
      const ids = await registeredBrokers(this.brokers);
      if (ids && nodes.every((n) => ids.includes(n.spec.id))) return;
      if (Date.now() > deadline) {
        const n = nodes.find((x) => !ids?.includes(x.spec.id)) ?? nodes[0];
        throw new ClusterError(`Kafka node ${n.spec.id} did not join the cluster within ${timeoutMs / 1000} s. Last lines of ${n.proc?.logFile}:\n${lastLines(readFrom(n.proc!.logFile, n.proc!.logStart), 20)}`);
      }
      await sleep(250);
    }
  }

  private writeFile(): void {
    if (this.stopping) return;
    writeJson(path.join(this.dir, 'cluster.json'), this.info());
  }
}

class PortTaken extends ClusterError {}

/** Node ids the cluster's metadata lists right now, or null when nobody answers. Quiet and quick. */
export async function registeredBrokers(brokers: string[]): Promise<number[] | null> {
  const admin = createKafka(brokers, 'kchat-cluster-probe', { connectionTimeout: 1000, requestTimeout: 2000, retry: { retries: 0 }, logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    const c = await admin.describeCluster();
    return c.controller === null ? null : c.brokers.map((b) => b.nodeId);
  } catch {
    return null;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

interface NodePorts {
  id: number;
  port: number;
  controllerPort: number | null;
}

/** --base-port, else the ports of the last run when all are free, else fresh free ports (recorded in ports.json). */
async function choosePorts(dir: string, opts: ClusterOptions, fresh: boolean): Promise<NodePorts[]> {
  const file = path.join(dir, 'ports.json');
  const voters = votersFor(opts.nodes);
  let ports: NodePorts[];
  if (opts.basePort !== undefined) {
    if (!Number.isInteger(opts.basePort) || opts.basePort < 1024 || opts.basePort + 2 * opts.nodes > 65535) {
      throw new ClusterError(`--base-port must be a port from 1024 to ${65535 - 2 * opts.nodes}, got ${opts.basePort}`);
    }
    ports = Array.from({ length: opts.nodes }, (_, i) => ({ id: i + 1, port: opts.basePort! + 2 * i, controllerPort: i < voters ? opts.basePort! + 2 * i + 1 : null }));
    for (const p of ports) {
      for (const [what, port] of [['client', p.port], ['controller', p.controllerPort]] as const) {
        if (port !== null && !(await portFree(port))) {
          throw new ClusterError(`port ${port} (node ${p.id}'s ${what} port) is in use by another process: choose another --base-port, or leave it out to use free ports`);
        }
      }
    }
  } else {
    const prev = fresh ? null : readPorts(file);
    const usable = prev?.length === opts.nodes && prev.every((p, i) => (p.controllerPort !== null) === i < voters) && (await allFree(prev));
    ports = usable ? prev : [];
    if (!usable) {
      const taken = new Set<number>();
      const pick = async (): Promise<number> => {
        for (;;) {
          const p = await freePort();
          if (!taken.has(p)) {
            taken.add(p);
            return p;
          }
        }
      };
      for (let i = 0; i < opts.nodes; i++) ports.push({ id: i + 1, port: await pick(), controllerPort: i < voters ? await pick() : null });
    }
  }
  const existing = fs.readdirSync(dir).filter((f) => /^node-\d+$/.test(f)).length;
  if (existing && existing !== opts.nodes) {
    throw new ClusterError(`${dir} holds a ${existing}-node cluster: start it with --nodes ${existing}, or use another --dir for a ${opts.nodes}-node one`);
  }
  writeJson(file, ports);
  return ports;
}

function readPorts(file: string): NodePorts[] | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as NodePorts[];
  } catch {
    return null;
  }
}

async function allFree(ports: NodePorts[]): Promise<boolean> {
  for (const p of ports) {
    if (!(await portFree(p.port))) return false;
    if (p.controllerPort !== null && !(await portFree(p.controllerPort))) return false;
  }
  return true;
}

/** One launcher per DIR: two would format and run the same log directories. */
function lockDir(dir: string): () => void {
  const file = path.join(dir, 'launcher.lock');
  for (let i = 0; i < 2; i++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(file, 'utf8'));
      if (pidAlive(holder) && holder !== process.pid) throw new ClusterError(`a Kafka cluster already runs in ${dir} (launcher pid ${holder}); stop it first or use another --dir`);
      fs.rmSync(file, { force: true }); // left by a launcher that died
    }
  }
  throw new ClusterError(`could not lock ${dir}`);
}
