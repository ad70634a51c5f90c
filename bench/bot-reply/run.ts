// Bot reply latency: question → reply through the real broker and a running
// server (`server/main.ts`, bots in-process), beside the broker's own round
// trip (one envelope produced and consumed back by the same client, the
// baseline, measured before each question in the same round).
//
//   npx tsx bench/bot-reply/run.ts [--n 200]      # own broker, 3 rounds of N questions
import { atExit, benchArgs, benchBroker, latencySummary, numberArg, prepareServerFiles, runBench, type BenchBroker } from '../lib/index.ts';
import { createEnvelope } from '../../core/envelope.ts';
import { KafkaClient } from '../../core/kafka.ts';
import { BrokerHarness, question } from '../../bots/runtime/harness.ts';
import { startServer, type TestServer } from '../../test/helpers/server.ts';

const args = benchArgs(
  `Usage: npx tsx bench/bot-reply/run.ts [--n 200]

Starts its own broker and server/main.ts (gateway, ingest, bots) on a temp DATA_DIR,
then per round asks N questions (movie questions and \`@bot 일정 목록\`, one at a
time, each from a different user so the rate limit never applies) and times
question → reply, beside the broker's produce → consume round trip of a plain
envelope with the same client just before each question.`,
  { n: { type: 'string', default: '200' } },
);
const N = numberArg(args.values, 'n', { min: 10 });
const QUESTIONS = ['@bot 파묘 감독은 누구야?', '@봇 기생충에 누가 나와?', '@bot 일정 목록', '@bot 서울의봄 언제 개봉했어?', '@봇 범죄도시4 러닝타임', '@bot schedule list'];

let broker: BenchBroker;
let server: TestServer | null = null;
let h: BrokerHarness;
let asked = 0;

await runBench({
  name: 'bot-reply',
  title: `Bot reply: ${N} questions → replies through the broker and a running server vs the broker's round trip`,
  args,
  params: { questions: N },
  metrics: {
    ours: {
      replyP50: 'question → bot reply p50 [ms]',
      replyP99: 'question → bot reply p99 [ms]',
      replyMax: 'question → bot reply max [ms]',
      within200: 'replies within 200 ms [%, 1 digits]',
    },
    baseline: {
      baseP50: 'broker round trip p50 [ms]',
      baseP99: 'broker round trip p99 [ms]',
    },
  },
  async setup() {
    broker = await benchBroker('bot-reply');
    await prepareServerFiles();
    server = await startServer({ prefix: broker.prefix, env: { KAFKA_BROKERS: broker.brokers.join(','), NODE_ENV: 'production', LOG_LEVEL: 'error', KCHAT_SCHEDULES_FILE: '' } });
    atExit(async () => void (await server?.stop()));
    const config = broker.config({ DATA_DIR: server.dataDir });
    h = new BrokerHarness(new KafkaClient({ config, brokers: broker.brokers, clientId: 'bench-bot-reply' }), config);
    await h.start();
    return broker;
  },
  async warmup() {
    // group assignment, JIT, DuckDB caches
    for (let i = 0; i < 10; i++) await h.ask(QUESTIONS[i % QUESTIONS.length], { user: { id: `u_warm${i}`, nick: `워밍${i}` } });
  },
  async round() {
    const baseline: number[] = [];
    const replies: number[] = [];
    for (let i = 0; i < N; i++) {
      const k = asked++;
      const plain = createEnvelope({ type: 'message', channel: 'bench', user: { id: `u_base${k}`, nick: '기준' }, text: `기준선 ${k}` });
      const seen = h.waitFor((e) => e.id === plain.id);
      const t0 = performance.now();
      await h.post(plain);
      await seen;
      baseline.push(h.arrivals.get(plain.id)! - t0);

      const q = question(QUESTIONS[i % QUESTIONS.length], { user: { id: `u_bench${k}`, nick: `벤치${k}` }, channel: 'bench' });
      const reply = h.waitFor((e) => e.reply_to === q.id);
      const t1 = performance.now();
      await h.post(q);
      const r = await reply;
      replies.push(h.arrivals.get(r.id)! - t1);
    }
    const b = latencySummary(baseline);
    const r = latencySummary(replies);
    return { baseP50: b.p50, baseP99: b.p99, replyP50: r.p50, replyP99: r.p99, replyMax: r.max, within200: (100 * replies.filter((x) => x < 200).length) / N };
  },
  target: (m) => ({ text: `question → reply p99 ${m.replyP99.toFixed(1)} ≤ 200 ms`, pass: m.replyP99 <= 200 }),
  async teardown() {
    await h.stop();
    await server?.stop();
    server = null;
  },
});
