// The cost of replication: chat latency and delivery through a kchat server on
// a 1-broker and on a 3-broker cluster (kafka/cluster.ts; replication factor 3,
// min.insync.replicas 2, acks=all), measured in the same rounds, the order of
// the two alternating. Baseline in every round, on each cluster: Kafka's own
// EndToEndLatency (acks=all, one record at a time), i.e. what replication
// costs Kafka itself.
//
//   npx tsx bench/cluster/latency.ts      # own clusters, 60 clients × 1 msg/s, 3 × 20 s per cluster
import { atExit, benchArgs, benchTempDir, joinWhenOpen, latencySummary, numberArg, prepareServerFiles, runBench } from '../lib/index.ts';
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { LocalCluster } from '../../kafka/cluster.ts';
import { endToEndLatency } from '../../kafka/tools.ts';
import { login, startServer, type TestServer } from '../../test/helpers/server.ts';

const args = benchArgs(
  `Usage: npx tsx bench/cluster/latency.ts [--clients 60] [--channels 6] [--duration 20] [--rate 1] [--kafka-messages 2000] [--gateway-only]

Starts a 1-node and a 3-node Kafka cluster (kafka/cluster.ts) and one kchat server on each
(everything \`npm start\` runs, or --gateway-only), logs in N websocket clients on each,
warms both up, then per round runs a chat phase on each (order alternating): every client
sends RATE messages/s for DURATION s and every copy's send → receive latency is recorded;
then Kafka's EndToEndLatency runs on each cluster. Always uses its own clusters.`,
  {
    clients: { type: 'string', default: '60' },
    channels: { type: 'string', default: '6' },
    duration: { type: 'string', default: '20' },
    rate: { type: 'string', default: '1' },
    'kafka-messages': { type: 'string', default: '2000' },
    'gateway-only': { type: 'boolean', default: false },
  },
);
const CLIENTS = numberArg(args.values, 'clients', { min: 1 });
const CHANNELS = numberArg(args.values, 'channels', { min: 1 });
const DURATION_S = numberArg(args.values, 'duration', { min: 1 });
const RATE = numberArg(args.values, 'rate', { min: 0.01, integer: false });
const KAFKA_MESSAGES = numberArg(args.values, 'kafka-messages', { min: 100 });
const DRAIN_MS = 15_000;

interface Phase {
  sentAt: Map<string, number>;
  latencies: number[];
  expected: number;
  delivered: number;
  errors: number;
}

/** One cluster with its kchat server and clients. */
interface Side {
  name: string;
  cluster: LocalCluster;
  server: TestServer;
  sockets: { ws: WebSocket; channel: string }[];
  phase: Phase;
  e2eNo: number;
}

const newPhase = (): Phase => ({ sentAt: new Map(), latencies: [], expected: 0, delivered: 0, errors: 0 });

async function side(name: string, nodes: number): Promise<Side> {
  process.stderr.write(`starting a ${nodes}-node cluster and a kchat server on it…\n`);
  const cluster = await LocalCluster.start({ dir: benchTempDir(`cluster-${nodes}`), nodes });
  atExit(() => cluster.stop());
  const env: Record<string, string> = { KAFKA_BROKERS: cluster.brokers.join(','), NODE_ENV: 'production', LOG_LEVEL: 'warn' };
  if (args.values['gateway-only']) Object.assign(env, { KCHAT_INGEST: '0', KCHAT_BOTS: '0', KCHAT_SCHEDULER: '0' });
  await prepareServerFiles({ ...process.env, ...env });
  const server = await startServer({ prefix: `bench.cluster.${crypto.randomBytes(3).toString('hex')}.`, dataDir: benchTempDir(`cluster-server-${nodes}`), env });
  atExit(async () => void (await server.stop()));
  const s: Side = { name, cluster, server, sockets: [], phase: newPhase(), e2eNo: 0 };
  for (let i = 0; i < CLIENTS; i++) {
    const channel = `복제-${i % CHANNELS}`;
    const { token } = await login(server.url, `복제${i}`);
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`);
    const joined = new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        const now = performance.now();
        const f = JSON.parse(data.toString()) as { v?: number; type: string; user?: { nick: string }; meta?: { ref?: string } };
        if (f.v === 1 && f.type === 'message' && f.meta?.ref) {
          const t0 = s.phase.sentAt.get(f.meta.ref);
          if (t0 === undefined) return; // a straggler of an earlier phase
          s.phase.latencies.push(now - t0);
          s.phase.delivered++;
        } else if (f.v === 1 && f.type === 'join' && f.user?.nick === `복제${i}`) resolve();
        else if (f.type === 'error') s.phase.errors++;
      });
      ws.once('error', reject);
    });
    await joinWhenOpen(ws, channel, joined);
    s.sockets.push({ ws, channel });
  }
  return s;
}

/** Every client sends RATE msgs/s for `seconds` (spread over each period), then up to DRAIN_MS for the copies. */
async function chat(s: Side, seconds: number, tag: string): Promise<Phase> {
  const p = (s.phase = newPhase());
  const perChannel = new Map<string, number>();
  for (const c of s.sockets) perChannel.set(c.channel, (perChannel.get(c.channel) ?? 0) + 1);
  const periodMs = 1000 / RATE;
  const start = performance.now();
  await Promise.all(
    s.sockets.map(async (c, i) => {
      const offset = (i / s.sockets.length) * periodMs;
      for (let seq = 0; offset + seq * periodMs < seconds * 1000; seq++) {
        const wait = start + offset + seq * periodMs - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const ref = `${tag}:${i}:${seq}`;
        p.sentAt.set(ref, performance.now());
        p.expected += perChannel.get(c.channel)!;
        c.ws.send(JSON.stringify({ type: 'message', channel: c.channel, text: `복제 비용 측정 중 ${i}-${seq} 입니다`, ref }));
      }
    }),
  );
  const until = performance.now() + DRAIN_MS;
  while (p.delivered < p.expected && performance.now() < until) await new Promise((r) => setTimeout(r, 50));
  return p;
}

function kafkaE2e(s: Side) {
  return endToEndLatency({ brokers: s.cluster.brokers, topic: `bench-cluster-e2e-${s.name}-${++s.e2eNo}`, messages: KAFKA_MESSAGES, size: 300, acks: 'all' });
}

let one: Side;
let three: Side;

await runBench({
  name: 'cluster-latency',
  title: `Chat on 1 vs 3 brokers (RF 3, min ISR 2, acks=all): ${CLIENTS} clients × ${RATE} msg/s in ${CHANNELS} channels, ${DURATION_S} s per cluster per round, vs Kafka EndToEndLatency on each`,
  args,
  params: { clients: CLIENTS, channels: CHANNELS, durationS: DURATION_S, rate: RATE, kafkaMessages: KAFKA_MESSAGES, mode: args.values['gateway-only'] ? 'gateway only' : 'full server' },
  metrics: {
    ours: {
      p50one: 'kchat send → receive p50, 1 broker [ms]',
      p99one: 'kchat send → receive p99, 1 broker [ms]',
      p50three: 'kchat send → receive p50, 3 brokers [ms]',
      p99three: 'kchat send → receive p99, 3 brokers [ms]',
      deliveredOne: 'copies delivered, 1 broker [%, 2 digits]',
      deliveredThree: 'copies delivered, 3 brokers [%, 2 digits]',
      errors: 'error frames (both) [count]',
    },
    baseline: {
      kafkaP50one: 'Kafka EndToEndLatency p50, 1 broker [ms]',
      kafkaP99one: 'Kafka EndToEndLatency p99, 1 broker [ms]',
      kafkaP50three: 'Kafka EndToEndLatency p50, 3 brokers [ms]',
      kafkaP99three: 'Kafka EndToEndLatency p99, 3 brokers [ms]',
    },
  },
  async setup() {
    one = await side('one', 1);
    three = await side('three', 3);
  },
  async warmup() {
    await chat(one, 5, 'warm');
    await chat(three, 5, 'warm');
    await kafkaE2e(one);
    await kafkaE2e(three);
  },
  async round(i) {
    // alternate which cluster goes first, so a drift of the machine's load hits both alike
    const order = i % 2 ? [one, three] : [three, one];
    const phases = new Map<Side, Phase>();
    for (const s of order) phases.set(s, await chat(s, DURATION_S, `r${i}`));
    const [k1, k3] = [await kafkaE2e(one), await kafkaE2e(three)];
    const a = phases.get(one)!;
    const b = phases.get(three)!;
    const la = latencySummary(a.latencies);
    const lb = latencySummary(b.latencies);
    return {
      p50one: la.p50,
      p99one: la.p99,
      p50three: lb.p50,
      p99three: lb.p99,
      deliveredOne: (100 * a.delivered) / a.expected,
      deliveredThree: (100 * b.delivered) / b.expected,
      errors: a.errors + b.errors,
      kafkaP50one: k1.p50Ms,
      kafkaP99one: k1.p99Ms,
      kafkaP50three: k3.p50Ms,
      kafkaP99three: k3.p99Ms,
    };
  },
  target(m, rounds) {
    // replication may cost kchat what it costs Kafka, plus 10 ms; nothing may be lost on either
    const limit = m.p99one + Math.max(0, m.kafkaP99three - m.kafkaP99one) + 10;
    const all = rounds.every((r) => r.deliveredOne === 100 && r.deliveredThree === 100);
    return {
      text: `p99 on 3 brokers ${m.p99three.toFixed(1)} ≤ p99 on 1 broker ${m.p99one.toFixed(1)} + Kafka's own replication cost ${(m.kafkaP99three - m.kafkaP99one).toFixed(0)} + 10 = ${limit.toFixed(1)} ms, and every copy delivered on both in every round`,
      pass: m.p99three <= limit && all,
    };
  },
  notes: [
    'One send = one copy to every member of its channel; delivered = copies received / expected after a 15 s drain.',
    'Both clusters run on this one machine (the 3-node one as three JVMs): replication here costs CPU, not network; on separate hosts it costs a network round trip to the slowest in-sync follower instead.',
  ],
  async teardown() {
    for (const s of [one, three]) for (const c of s?.sockets ?? []) c.ws.close();
  },
});
