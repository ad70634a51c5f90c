// Chat latency through the real path: N websocket clients in 10 channels each
// send 1 message a second through a kchat server (ws → gateway → Kafka →
// gateway → ws); every member of the channel records when each message
// arrives. Baseline in the same run, on the same broker: Kafka's own
// org.apache.kafka.tools.EndToEndLatency (one producer, acks=all).
// Target: p99 ≤ 2 × Kafka's p99 + 10 ms, and zero lost messages.
//
//   KAFKA_BROKERS=127.0.0.1:19092 npx tsx bench/chat-latency/run.ts [--clients 200] [--channels 10] [--duration 30] [--rate 1]
//
// Without KAFKA_BROKERS a project-managed broker is started for the run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { loadConfig } from '../../core/config.ts';
import { connectKafka, type BrokerHandle } from '../../kafka/broker.ts';
import { endToEndLatency } from '../../kafka/tools.ts';
import { login, repoRoot, startServer, tempDir, uniquePrefix } from '../../test/helpers/server.ts';

const { values: opts } = parseArgs({
  options: {
    clients: { type: 'string', default: '200' },
    channels: { type: 'string', default: '10' },
    duration: { type: 'string', default: '30' },
    rate: { type: 'string', default: '1' },
    'kafka-messages': { type: 'string', default: '3000' },
    'gateway-only': { type: 'boolean', default: false },
    profile: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  process.stdout.write(`Usage: npx tsx bench/chat-latency/run.ts [--clients 200] [--channels 10] [--duration 30] [--rate 1] [--kafka-messages 3000] [--gateway-only]
  --gateway-only  run the server without ingest and bots (default: everything npm start runs)
  --profile DIR   write a V8 CPU profile of the server process into DIR
Env: KAFKA_BROKERS (unset = start a project-managed broker for the run)\n`);
  process.exit(0);
}
const CLIENTS = Number(opts.clients);
const CHANNELS = Number(opts.channels);
const DURATION_S = Number(opts.duration);
const RATE = Number(opts.rate);
const KAFKA_MESSAGES = Number(opts['kafka-messages']);

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);
const ms = (n: number) => `${n.toFixed(1)} ms`;
const log = (s: string) => process.stderr.write(s + '\n');

interface Client {
  i: number;
  channel: string;
  ws: WebSocket;
}

async function main(): Promise<void> {
  const prefix = uniquePrefix('bench');
  let broker: BrokerHandle;
  if (process.env.KAFKA_BROKERS) {
    broker = await connectKafka(loadConfig({ ...process.env, KCHAT_TOPIC_PREFIX: prefix }));
  } else {
    log('starting a project-managed broker for the run…');
    broker = await connectKafka(loadConfig({ ...process.env, DATA_DIR: tempDir('kchat-bench-broker-'), KCHAT_TOPIC_PREFIX: prefix }), { start: true });
  }
  const env: Record<string, string> = { KAFKA_BROKERS: broker.brokers.join(','), NODE_ENV: 'production', LOG_LEVEL: 'warn' };
  if (opts['gateway-only']) Object.assign(env, { KCHAT_INGEST: '0', KCHAT_BOTS: '0', KCHAT_SCHEDULER: '0' });
  const srv = await startServer({ prefix, env, nodeArgs: opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(opts.profile)}`] : [] });
  log(`server at ${srv.url}; connecting ${CLIENTS} clients in ${CHANNELS} channels…`);

  // ref → send time; arrivals collected by every member of the channel
  const sentAt = new Map<string, number>();
  const sentWall = new Map<string, number>();
  const latencies: number[] = [];
  // breakdown by the envelope's ts (set by the gateway when it builds the event):
  // ingress = client send → gateway; path = gateway → Kafka → gateway → client
  const ingress: number[] = [];
  const egress: number[] = [];
  let deliveries = 0;
  let errors = 0;
  const errorCodes = new Map<string, number>();
  const members = new Map<string, number>();

  const clients: Client[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const channel = `bench-${i % CHANNELS}`;
    const { token } = await login(srv.url, `벤치${i}`);
    const ws = new WebSocket(`${srv.url.replace(/^http/, 'ws')}/ws?token=${token}`);
    const joined = new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        const now = performance.now();
        const wall = Date.now();
        const f = JSON.parse(data.toString()) as { v?: number; type: string; code?: string; ts?: number; user?: { nick: string }; meta?: { ref?: string } };
        if (f.v === 1 && f.type === 'message' && f.meta?.ref) {
          const t0 = sentAt.get(f.meta.ref);
          if (t0 !== undefined) {
            latencies.push(now - t0);
            deliveries++;
            if (f.user?.nick === `벤치${i}`) ingress.push(f.ts! - sentWall.get(f.meta.ref)!);
            egress.push(wall - f.ts!);
          }
        } else if (f.v === 1 && f.type === 'join' && f.user?.nick === `벤치${i}`) {
          resolve();
        } else if (f.type === 'error') {
          errors++;
          errorCodes.set(f.code ?? '?', (errorCodes.get(f.code ?? '?') ?? 0) + 1);
        }
      });
      ws.once('error', reject);
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'join', channel }));
    await joined;
    members.set(channel, (members.get(channel) ?? 0) + 1);
    clients.push({ i, channel, ws });
  }
  log(`all ${CLIENTS} joined; sending ${RATE} msg/s each for ${DURATION_S} s…`);

  // each client sends on its own phase so the load is spread over the second
  let expected = 0;
  let sent = 0;
  const periodMs = 1000 / RATE;
  // how late this process itself runs its callbacks: a busy bench client inflates the figures
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const start = performance.now();
  const timers: NodeJS.Timeout[] = [];
  await new Promise<void>((resolve) => {
    let finished = 0;
    for (const c of clients) {
      let seq = 0;
      const phase = (c.i / CLIENTS) * periodMs;
      const tick = () => {
        const due = start + phase + seq * periodMs;
        if (due - start >= DURATION_S * 1000) {
          if (++finished === clients.length) resolve();
          return;
        }
        const ref = `${c.i}:${seq}`;
        sentAt.set(ref, performance.now());
        sentWall.set(ref, Date.now());
        c.ws.send(JSON.stringify({ type: 'message', channel: c.channel, text: `벤치 메시지 ${c.i}-${seq} 지연 측정 중입니다`, ref }));
        sent++;
        expected += members.get(c.channel)!;
        seq++;
        timers.push(setTimeout(tick, Math.max(0, start + phase + seq * periodMs - performance.now())));
      };
      timers.push(setTimeout(tick, phase));
    }
  });
  const sendSeconds = (performance.now() - start) / 1000;
  // let the last messages arrive (bounded)
  const drainUntil = performance.now() + 15_000;
  while (deliveries < expected && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 100));
  const lost = expected - deliveries;
  loopDelay.disable();
  const clientLoop = { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6 };
  for (const c of clients) c.ws.close();
  await srv.stop();

  log(`chat phase done; running Kafka EndToEndLatency (${KAFKA_MESSAGES} records) on the same broker…`);
  const kafka = await endToEndLatency({ brokers: broker.brokers, topic: `${prefix}e2e-latency`, messages: KAFKA_MESSAGES, size: 300, acks: 'all' });
  await broker.stop();

  latencies.sort((a, b) => a - b);
  ingress.sort((a, b) => a - b);
  egress.sort((a, b) => a - b);
  const ours = { p50: pct(latencies, 50), p99: pct(latencies, 99), max: latencies.at(-1) ?? NaN };
  const target = 2 * kafka.p99Ms + 10;
  const pass = ours.p99 <= target && lost === 0;
  const result = {
    clients: CLIENTS,
    channels: CHANNELS,
    durationS: DURATION_S,
    rate: RATE,
    sent,
    expectedDeliveries: expected,
    deliveries,
    lost,
    errors: Object.fromEntries(errorCodes),
    sentPerSecond: sent / sendSeconds,
    deliveredPerSecond: deliveries / sendSeconds,
    latencyMs: ours,
    breakdownMs: { ingress: { p50: pct(ingress, 50), p99: pct(ingress, 99) }, gatewayToClient: { p50: pct(egress, 50), p99: pct(egress, 99) } },
    benchClientEventLoopDelayMs: clientLoop,
    kafka,
    targetP99Ms: target,
    pass,
  };
  const out = path.join(repoRoot, 'bench', 'results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'chat-latency.json'), JSON.stringify(result, null, 2) + '\n');

  process.stdout.write(`
Chat latency: ${CLIENTS} clients × ${RATE} msg/s in ${CHANNELS} channels for ${DURATION_S} s${opts['gateway-only'] ? ' (gateway only)' : ' (full server: gateway + ingest + bots)'}

| measure | p50 | p99 | max |
|---|---|---|---|
| Kafka EndToEndLatency, ${kafka.messages} records, acks=all (baseline) | ${kafka.p50Ms} ms | ${kafka.p99Ms} ms | (avg ${kafka.avgMs.toFixed(2)} ms) |
| kchat send → receive over websocket | ${ms(ours.p50)} | ${ms(ours.p99)} | ${ms(ours.max)} |
| ↳ client → gateway (ms clock) | ${pct(ingress, 50)} ms | ${pct(ingress, 99)} ms | ${ingress.at(-1)} ms |
| ↳ gateway → Kafka → gateway → client (ms clock) | ${pct(egress, 50)} ms | ${pct(egress, 99)} ms | ${egress.at(-1)} ms |

sent ${sent} messages (${result.sentPerSecond.toFixed(1)}/s); delivered ${deliveries} of ${expected} expected fan-out copies (${result.deliveredPerSecond.toFixed(0)}/s); lost ${lost}; error frames ${errors}${errors ? ' ' + JSON.stringify(result.errors) : ''}
bench client event-loop delay: p50 ${ms(clientLoop.p50)}, p99 ${ms(clientLoop.p99)}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores
target: p99 ≤ 2 × ${kafka.p99Ms} + 10 = ${target} ms and zero lost → ${pass ? 'PASS' : 'FAIL'}
`);
  process.exitCode = pass ? 0 : 1;
}

main().catch((err: Error) => {
  process.stderr.write(`chat-latency: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
