// Chat latency through the real path: N websocket clients in 10 channels each
// send 1 message a second through a kchat server (ws → gateway → Kafka →
// gateway → ws); every member of the channel records when each message
// arrives. Baseline in every round, on the same broker, right after the chat
// phase: Kafka's own org.apache.kafka.tools.EndToEndLatency (acks=all, one
// record at a time). Target (issue #17): p99 ≤ 3 × Kafka's p99 + 10 ms, zero lost.
//
//   npx tsx bench/chat-latency/run.ts            # own broker, full server, 200 clients, 3 × 30 s
import { atExit, benchArgs, benchBroker, benchTempDir, joinWhenOpen, latencySummary, numberArg, prepareServerFiles, runBench, treeCpuSeconds, type BenchBroker } from '../lib/index.ts';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { endToEndLatency } from '../../kafka/tools.ts';
import { buildServer } from '../../server/build.ts';
import { login, searchReady, startServer, type TestServer } from '../../test/helpers/server.ts';

const args = benchArgs(
  `Usage: npx tsx bench/chat-latency/run.ts [--clients 200] [--channels 10] [--duration 30] [--rate 1]
        [--kafka-messages 3000] [--warmup 30] [--gateway-only] [--url URL] [--profile DIR]

Starts its own broker and a kchat server as \`npm start\` runs it (compiled, with its command line,
search service included), logs in N websocket clients spread over the channels, warms up by sending
as a round does for WARMUP s (the new broker's and search service's JIT compilers are busy for about
a minute after they start, and the server's lazy work — Kiwi's first load — happens then), then per round
has each client send RATE messages/s for DURATION s (sends spread over each second) and
records every fan-out copy's latency; then runs Kafka's EndToEndLatency on the same broker.
  --gateway-only  run the server without ingest, bots and scheduler
  --url URL       measure a server that is already running (needs KAFKA_BROKERS = its broker)
  --profile DIR   write a V8 CPU profile of the server process into DIR`,
  {
    clients: { type: 'string', default: '200' },
    channels: { type: 'string', default: '10' },
    duration: { type: 'string', default: '30' },
    rate: { type: 'string', default: '1' },
    'kafka-messages': { type: 'string', default: '3000' },
    warmup: { type: 'string', default: '30' },
    'gateway-only': { type: 'boolean', default: false },
    url: { type: 'string' },
    profile: { type: 'string' },
  },
);
const CLIENTS = numberArg(args.values, 'clients', { min: 1 });
const CHANNELS = numberArg(args.values, 'channels', { min: 1 });
const DURATION_S = numberArg(args.values, 'duration', { min: 1 });
const RATE = numberArg(args.values, 'rate', { min: 0.01, integer: false });
const KAFKA_MESSAGES = numberArg(args.values, 'kafka-messages', { min: 100 });
const WARMUP_S = numberArg(args.values, 'warmup', { min: 1 });
const DRAIN_MS = 15_000;
if (args.values.url && !process.env.KAFKA_BROKERS) {
  process.stderr.write('--url needs KAFKA_BROKERS set to the broker that server uses (for the baseline on the same broker)\n');
  process.exit(2);
}

interface Arrival {
  /** ref → performance.now() at send */
  sentAt: Map<string, number>;
  sentWall: Map<string, number>;
  latencies: number[];
  /** client send → the gateway's envelope ts (ms clock) */
  ingress: number[];
  /** the gateway's envelope ts → client receive (gateway → Kafka → gateway → ws) */
  egress: number[];
  deliveries: number;
  expected: number;
  sent: number;
  errors: number;
}

const newPhase = (): Arrival => ({ sentAt: new Map(), sentWall: new Map(), latencies: [], ingress: [], egress: [], deliveries: 0, expected: 0, sent: 0, errors: 0 });
let phase = newPhase();
let phaseNo = 0;

interface Client {
  i: number;
  channel: string;
  ws: WebSocket;
}

const clients: Client[] = [];
const members = new Map<string, number>();

async function connect(url: string): Promise<void> {
  process.stderr.write(`server at ${url}; connecting ${CLIENTS} clients in ${CHANNELS} channels…\n`);
  for (let i = 0; i < CLIENTS; i++) {
    const channel = `bench-${i % CHANNELS}`;
    const nick = `벤치${i}`;
    const { token } = await login(url, nick);
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`);
    const joined = new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        const now = performance.now();
        const wall = Date.now();
        const f = JSON.parse(data.toString()) as { v?: number; type: string; ts?: number; user?: { nick: string }; meta?: { ref?: string } };
        if (f.v === 1 && f.type === 'message' && f.meta?.ref) {
          const t0 = phase.sentAt.get(f.meta.ref);
          if (t0 === undefined) return; // an earlier phase's straggler
          phase.latencies.push(now - t0);
          phase.deliveries++;
          if (f.user?.nick === nick) phase.ingress.push(f.ts! - phase.sentWall.get(f.meta.ref)!);
          phase.egress.push(wall - f.ts!);
        } else if (f.v === 1 && f.type === 'join' && f.user?.nick === nick) {
          resolve();
        } else if (f.type === 'error') {
          phase.errors++;
        }
      });
      ws.once('error', reject);
    });
    await joinWhenOpen(ws, channel, joined);
    members.set(channel, (members.get(channel) ?? 0) + 1);
    clients.push({ i, channel, ws });
  }
}

/** Every client sends RATE msgs/s for `seconds`, each on its own phase within the period; then drain. */
async function sendPhase(seconds: number): Promise<{ p: Arrival; sendSeconds: number; loopP99: number }> {
  phase = newPhase();
  const p = phase;
  const no = ++phaseNo;
  const periodMs = 1000 / RATE;
  // how late this process runs its own callbacks: a busy bench client inflates the figures
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const start = performance.now();
  await new Promise<void>((resolve) => {
    let finished = 0;
    for (const c of clients) {
      let seq = 0;
      const offset = (c.i / CLIENTS) * periodMs;
      const tick = () => {
        if (offset + seq * periodMs >= seconds * 1000) {
          if (++finished === clients.length) resolve();
          return;
        }
        const ref = `${no}:${c.i}:${seq}`;
        p.sentAt.set(ref, performance.now());
        p.sentWall.set(ref, Date.now());
        c.ws.send(JSON.stringify({ type: 'message', channel: c.channel, text: `벤치 메시지 ${c.i}-${seq} 지연 측정 중입니다`, ref }));
        p.sent++;
        p.expected += members.get(c.channel)!;
        seq++;
        setTimeout(tick, Math.max(0, start + offset + seq * periodMs - performance.now()));
      };
      setTimeout(tick, offset);
    }
  });
  const sendSeconds = (performance.now() - start) / 1000;
  const drainUntil = performance.now() + DRAIN_MS;
  while (p.deliveries < p.expected && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 50));
  loopDelay.disable();
  return { p, sendSeconds, loopP99: loopDelay.percentile(99) / 1e6 };
}

let broker: BenchBroker;
let server: TestServer | null = null;
let e2eTopicNo = 0;

const mode = args.values.url ? `the server at ${args.values.url}` : args.values['gateway-only'] ? 'gateway only' : 'full server: gateway + ingest + bots + search service';
await runBench({
  name: 'chat-latency',
  title: `Chat latency: ${CLIENTS} clients × ${RATE} msg/s in ${CHANNELS} channels, ${DURATION_S} s per round (${mode}) vs Kafka EndToEndLatency`,
  args,
  params: { clients: CLIENTS, channels: CHANNELS, durationS: DURATION_S, rate: RATE, kafkaMessages: KAFKA_MESSAGES, mode },
  metrics: {
    ours: {
      p50: 'kchat send → receive p50 [ms]',
      p99: 'kchat send → receive p99 [ms]',
      max: 'kchat send → receive max [ms]',
      ingressP99: '↳ client → gateway p99 [ms]',
      egressP99: '↳ gateway → Kafka → gateway → client p99 [ms]',
      lost: 'fan-out copies lost [count]',
      errors: 'error frames [count]',
      deliveredPerS: 'fan-out copies delivered per second [msgs/s]',
    },
    baseline: {
      kafkaP50: 'Kafka EndToEndLatency p50 [ms]',
      kafkaP99: 'Kafka EndToEndLatency p99 [ms]',
    },
    info: {
      clientLoopP99: 'bench client event-loop delay p99 [ms]',
      serverCpu: 'server + search service CPU while sending [% of one core]',
    },
  },
  async setup() {
    broker = await benchBroker('chat-latency');
    let url = args.values.url;
    if (!url) {
      // KCHAT_SEARCH on: the search service (a JVM consuming chat.events) runs beside the server as with `npm start`
      const env: Record<string, string> = { KAFKA_BROKERS: broker.brokers.join(','), NODE_ENV: 'production', LOG_LEVEL: 'warn', KCHAT_SEARCH: 'on' };
      if (args.values['gateway-only']) Object.assign(env, { KCHAT_INGEST: '0', KCHAT_BOTS: '0', KCHAT_SCHEDULER: '0', KCHAT_SEARCH: 'off' });
      const nodeArgs = args.values.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.values.profile}`] : [];
      await buildServer();
      await prepareServerFiles({ ...process.env, ...env });
      server = await startServer({ compiled: true, prefix: broker.prefix, dataDir: benchTempDir('chat-latency-server'), env, nodeArgs });
      atExit(async () => void (await server?.stop()));
      if (!args.values['gateway-only']) await searchReady(server);
      url = server.url;
    }
    await connect(url);
    return broker;
  },
  async warmup() {
    process.stderr.write(`${CLIENTS} clients joined; sending for ${WARMUP_S} s…\n`);
    await sendPhase(WARMUP_S);
    // the JVM tool's own warm-up (class loading, topic creation) happens here, not in round 1
    await endToEndLatency({ brokers: broker.brokers, topic: `${broker.prefix}e2e-latency-warmup`, messages: 200, size: 300, acks: 'all' });
  },
  async round() {
    const cpu0 = server ? treeCpuSeconds(server.proc.pid!) : NaN;
    const t0 = performance.now();
    const { p, sendSeconds, loopP99 } = await sendPhase(DURATION_S);
    // (over the sends and the drain after them)
    const serverCpu = server ? (100 * (treeCpuSeconds(server.proc.pid!) - cpu0)) / ((performance.now() - t0) / 1000) : NaN;
    const ours = latencySummary(p.latencies);
    const kafka = await endToEndLatency({ brokers: broker.brokers, topic: `${broker.prefix}e2e-latency-${++e2eTopicNo}`, messages: KAFKA_MESSAGES, size: 300, acks: 'all' });
    return {
      p50: ours.p50,
      p99: ours.p99,
      max: ours.max,
      ingressP99: latencySummary(p.ingress).p99,
      egressP99: latencySummary(p.egress).p99,
      lost: p.expected - p.deliveries,
      errors: p.errors,
      deliveredPerS: p.deliveries / sendSeconds,
      kafkaP50: kafka.p50Ms,
      kafkaP99: kafka.p99Ms,
      clientLoopP99: loopP99,
      serverCpu,
    };
  },
  target(m, rounds) {
    const limit = 3 * m.kafkaP99 + 10;
    const lost = rounds.reduce((s, r) => s + r.lost, 0);
    return { text: `kchat p99 ${m.p99.toFixed(1)} ≤ 3 × Kafka p99 ${m.kafkaP99} + 10 = ${limit} ms, and zero lost in every round (lost ${lost})`, pass: m.p99 <= limit && lost === 0 };
  },
  notes: [
    `One send = one copy to every member of its channel (${CLIENTS / CHANNELS} per channel); lost = expected copies − delivered after a ${DRAIN_MS / 1000} s drain.`,
    'The ↳ rows split the latency by the envelope\'s ts (set by the gateway; millisecond clock). Kafka EndToEndLatency: 300-byte records, acks=all, one at a time, right after each chat phase on the same broker.',
  ],
  async teardown() {
    for (const c of clients) c.ws.close();
    await server?.stop();
    server = null;
  },
});
