// Bot reply latency: question → reply through the real broker and a running
// server (`server/main.ts`, bots in-process), beside the broker's own round
// trip (a plain produce → consume of an envelope on the same broker, same
// client, same run) as the baseline.
//
//   KAFKA_BROKERS=127.0.0.1:19092 npx tsx bench/bot-reply/run.ts [--n 200]
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../core/config.ts';
import { createEnvelope } from '../../core/envelope.ts';
import { createKafka } from '../../core/kafka.ts';
import { BrokerHarness, question } from '../../bots/runtime/harness.ts';

const HELP = `Usage: KAFKA_BROKERS=host:port npx tsx bench/bot-reply/run.ts [--n N]

Starts server/main.ts (gateway, ingest, bots) on a temp DATA_DIR and its own
topic prefix, asks N questions (movie questions and \`@bot 일정 목록\`, one
at a time, each from a different user so the rate limit never applies) and
prints question→reply latency p50/p99 beside the broker's own produce→consume
round trip measured with the same client in the same run.`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(HELP + '\n');
  process.exit(0);
}
const nIdx = args.indexOf('--n');
const N = nIdx >= 0 ? Number(args[nIdx + 1]) : 200;
if (!Number.isInteger(N) || N < 10) throw new Error('--n must be an integer ≥ 10');
const brokers = process.env.KAFKA_BROKERS;
if (!brokers) {
  process.stderr.write('KAFKA_BROKERS is not set (e.g. KAFKA_BROKERS=127.0.0.1:19092)\n');
  process.exit(2);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-bench-bot-'));
const prefix = `bench.botreply.${crypto.randomBytes(3).toString('hex')}.`;
const env = { ...process.env, DATA_DIR: dataDir, KCHAT_TOPIC_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'error', KCHAT_SCHEDULES_FILE: '' };

const server = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'server', 'main.ts')], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
const stopServer = () =>
  new Promise<void>((resolve) => {
    if (server.exitCode !== null) return resolve();
    server.once('exit', () => resolve());
    server.kill('SIGTERM');
  });

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(1)} ms  p99 ${pct(xs, 99).toFixed(1)} ms  max ${Math.max(...xs).toFixed(1)} ms`;

try {
  await new Promise<void>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/kchat ready at/.test(out)) resolve();
    });
    server.once('exit', (code) => reject(new Error(`server exited (${code}) before it was ready`)));
  });
  const config = loadConfig(env);
  const h = new BrokerHarness(createKafka(brokers.split(','), 'bench-bot-reply'), config);
  await h.start();

  const questions = ['@bot 파묘 감독은 누구야?', '@봇 기생충에 누가 나와?', '@bot 일정 목록', '@bot 서울의봄 언제 개봉했어?', '@봇 범죄도시4 러닝타임', '@bot schedule list'];
  // Warm-up: group assignment, JIT, DuckDB caches.
  for (let i = 0; i < 10; i++) await h.ask(questions[i % questions.length], { user: { id: `u_warm${i}`, nick: `워밍${i}` } });

  const baseline: number[] = [];
  const replies: number[] = [];
  for (let i = 0; i < N; i++) {
    // Baseline: one envelope produced and read back by the same client (no bot involved).
    const plain = createEnvelope({ type: 'message', channel: 'bench', user: { id: `u_base${i}`, nick: '기준' }, text: `기준선 ${i}` });
    const seen = h.waitFor((e) => e.id === plain.id);
    const t0 = performance.now();
    await h.post(plain);
    await seen;
    baseline.push(h.arrivals.get(plain.id)! - t0);

    const q = question(questions[i % questions.length], { user: { id: `u_bench${i}`, nick: `벤치${i}` }, channel: 'bench' });
    const reply = h.waitFor((e) => e.reply_to === q.id);
    const t1 = performance.now();
    await h.post(q);
    const r = await reply;
    replies.push(h.arrivals.get(r.id)! - t1);
  }
  await h.stop();
  const under = replies.filter((x) => x < 200).length;
  process.stdout.write(
    [
      `bot reply latency, ${N} questions (movie + schedule list) through ${brokers} and a running server`,
      `  broker round trip (baseline): ${fmt(baseline)}`,
      `  question → bot reply:         ${fmt(replies)}`,
      `  replies within 200 ms: ${under}/${N} (${((100 * under) / N).toFixed(1)}%)`,
      '',
    ].join('\n'),
  );
} finally {
  await stopServer();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
