// Test helpers for kchat beyond one machine: a local 3-node Kafka cluster
// (kafka/cluster.ts), haproxy from Debian's package with the repo's own
// deploy/haproxy.cfg, the whole chat log read back from Kafka, and SQL on an
// audit node.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { logLevel } from 'kafkajs';
import { createKafka } from '../../core/kafka.ts';
import { parse, type Envelope } from '../../core/envelope.ts';
import { LocalCluster } from '../../kafka/cluster.ts';
import { freePort } from '../../kafka/probe.ts';
import { until } from './ingest.ts';
import { repoRoot, tempDir } from './server.ts';

export { until };

export const HAPROXY_CFG = path.join(repoRoot, 'deploy', 'haproxy.cfg');

/** A fresh N-node cluster in a temp dir (not supervised: tests kill and restart nodes themselves). */
export function testCluster(nodes = 3): Promise<LocalCluster> {
  return LocalCluster.start({ dir: tempDir('kchat-cluster-'), nodes, heap: '384m' });
}

/** Debian's haproxy: on PATH, or in /usr/sbin (not on every user's PATH). */
export function haproxyBin(): string {
  return spawnSync('haproxy', ['-v']).error && fs.existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';
}

/** Why the haproxy tests cannot run here, or null. In CI haproxy is required (.ci/run installs it). */
export function haproxyMissing(): string | null {
  const r = spawnSync(haproxyBin(), ['-v'], { encoding: 'utf8' });
  if (!r.error && r.status === 0) return null;
  const why = 'haproxy is not installed (Debian: sudo apt-get install haproxy; .ci/run installs it)';
  if (process.env.CI) throw new Error(why);
  return why;
}

export interface Haproxy {
  url: string;
  /** haproxy's view of each server (gateway1, gateway2, audit1): UP, DOWN, … */
  status(): Promise<Map<string, string>>;
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** deploy/haproxy.cfg on a free loopback port in front of the given gateways (host:port) and audit node. */
export async function startHaproxy(o: { gateways: [string, string]; audit: string }): Promise<Haproxy> {
  const port = await freePort();
  const statsPort = await freePort();
  const env = {
    ...process.env,
    KCHAT_LB_BIND: `127.0.0.1:${port}`,
    KCHAT_LB_STATS: `127.0.0.1:${statsPort}`,
    KCHAT_GATEWAY_1: o.gateways[0],
    KCHAT_GATEWAY_2: o.gateways[1],
    KCHAT_AUDIT_1: o.audit,
  };
  // -db: stay in the foreground (no daemon), so the test owns the process
  const proc = spawn(haproxyBin(), ['-db', '-f', HAPROXY_CFG], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const statsUrl = `http://127.0.0.1:${statsPort}/stats;csv`;
  // every server UP in haproxy's own view (its health checks passed), not just one answering
  await until(
    async () => {
      if (proc.exitCode !== null) throw new Error(`haproxy exited (${proc.exitCode}):\n${out}`);
      const status = await serverStatus(statsUrl).catch(() => null);
      return status && ['gateway1', 'gateway2', 'audit1'].every((s) => status.get(s) === 'UP');
    },
    'haproxy to see both gateways and the audit node UP',
    60_000,
  );
  return {
    url,
    status: () => serverStatus(statsUrl),
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

export interface LogRecord {
  partition: number;
  offset: number;
  envelope: Envelope | null;
}

async function serverStatus(csvUrl: string): Promise<Map<string, string>> {
  const text = await (await fetch(csvUrl)).text();
  const [header, ...rows] = text.trim().split('\n');
  const cols = header.replace(/^# /, '').split(',');
  const [sv, st] = [cols.indexOf('svname'), cols.indexOf('status')];
  return new Map(rows.map((r) => r.split(',')).map((c) => [c[sv], c[st]]));
}

/** Every record of `topic` from the beginning up to the high watermarks of now (the log, as Kafka has it). */
export async function readLog(brokers: string[], topic: string): Promise<LogRecord[]> {
  const kafka = createKafka(brokers, 'kchat-test-log-reader', { logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, number>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) if (Number(p.high) > Number(p.low)) ends.set(p.partition, Number(p.high));
  } finally {
    await admin.disconnect();
  }
  const records: LogRecord[] = [];
  if (!ends.size) return records;
  const consumer = kafka.consumer({ groupId: `kchat-test-log-reader-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const left = new Map(ends);
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const offset = Number(message.offset);
            if (offset >= (ends.get(partition) ?? 0)) return;
            const parsed = parse(message.value?.toString('utf8') ?? '');
            records.push({ partition, offset, envelope: parsed.ok ? parsed.envelope : null });
            if (offset === (ends.get(partition) ?? 0) - 1) left.delete(partition);
            if (!left.size) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** POST /api/sql on a node with the admin token; the rows, or a thrown error with the server's answer. */
export async function sql(url: string, token: string, query: string, params: unknown[] = []): Promise<unknown[][]> {
  const res = await fetch(`${url}/api/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sql: query, params }),
  });
  const body = (await res.json()) as { rows?: unknown[][]; error?: string };
  if (res.status !== 200 || !body.rows) throw new Error(`SQL on ${url} failed: ${res.status} ${body.error}`);
  return body.rows;
}

/** A gateway's id and connection count from its /healthz. */
export async function gatewayHealth(url: string): Promise<{ id: string; connections: number }> {
  const h = (await (await fetch(`${url}/healthz`)).json()) as { parts: { gateway: { gateway: string; connections: number } } };
  return { id: h.parts.gateway.gateway, connections: h.parts.gateway.connections };
}
