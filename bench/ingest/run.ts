// Ingest benchmark. Usage: npx tsx bench/ingest/run.ts [--messages N] [--skip-python]
//
// 1. preloads N (default 1,000,000) realistic Korean chat envelopes, all on
//    one Seoul day, into a fresh topic;
// 2. our ingest (kafkajs → parse → DuckDB appender, one transaction per group of
//    partition batches, offsets committed after it)
//    into a fresh DuckDB file: messages/s;
// 3. Kafka's ConsumerPerformance on the same topic (the consume-only ceiling);
// 4. the daily pipeline for that day (DuckDB COPY → zstd Parquet) beside the
//    bootcamp's approach (Python: regex + eval + pandas → parquet) on the same
//    day written in their log format.
// Uses KAFKA_BROKERS when set, else starts the project-managed broker.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../core/config.ts';
import { Database } from '../../core/db.ts';
import { createEnvelope, type Envelope } from '../../core/envelope.ts';
import { createKafka, ensureTopics, envelopeMessage } from '../../core/kafka.ts';
import { dayRange } from '../../core/time.ts';
import { connectKafka } from '../../kafka/broker.ts';
import { consumerPerformance } from '../../kafka/tools.ts';
import { startIngest } from '../../ingest/consumer.ts';
import { runPipeline } from '../../ingest/pipeline.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const N = Number(arg('--messages', '1000000'));
const skipPython = args.includes('--skip-python');
const DAY = '2024-08-27';
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const say = (s: string) => process.stdout.write(s + '\n');

// ── realistic Korean chat ──────────────────────────────────────────────────
const OPENERS = ['혹시', '그럼', '아 맞다', '근데', '저는', '오늘', '내일', '방금', '다들', '음'];
const BODIES = [
  '점심 뭐 드실래요?',
  '회의는 3시에 시작합니다.',
  '파묘 감독은 누구야?',
  '배포는 끝났나요, 아니면 내일 하나요?',
  '서울에서 부산으로 가는 기차가 늦네요...',
  '커피 한 잔 하실 분!',
  '카프카 토픽 파티션을 늘려야 할까요?',
  '덕디비로 집계하니까 빠르네요 ㅋㅋ',
  '이번 주말에 캠핑 가려고 하는데, 같이 갈래요?',
  '요즘 날씨가 너무 변덕스러워요. 감기 조심하세요!',
  '오늘따라 시간이 너무 안 가는 것 같아요',
  'PR 리뷰 부탁드려요 🙏',
  '에러 로그 보니까 NullPointerException 이네요',
  '넵 확인했습니다',
  'ㅋㅋㅋㅋ 진짜요?',
];
const NICKS = Array.from({ length: 200 }, (_, i) => ['민수', '지은', '서연', '도윤', '하준', '수진', '태영', '상우', '쑤', 'tam'][i % 10] + (i >= 10 ? String(i) : ''));
const CHANNELS = ['general', '개발', 'random', '공지', '점심', 'team1', 'team2', 'team3', 'team4', 'team5', 'ops-kr', '데이터', '영화', '질문', '잡담', 'airflow', 'kafka', 'duckdb', '채용', '스터디'];

function envelopes(n: number, start: number, end: number): Envelope[] {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const out: Envelope[] = [];
  const span = end - start;
  for (let i = 0; i < n; i++) {
    const nick = NICKS[Math.floor(rnd() * NICKS.length)];
    out.push(
      createEnvelope({
        type: i % 97 === 0 ? 'join' : 'message',
        channel: CHANNELS[Math.floor(rnd() * CHANNELS.length)],
        user: { id: `u_${nick}`, nick },
        text: i % 97 === 0 ? '' : `${OPENERS[Math.floor(rnd() * OPENERS.length)]} ${BODIES[Math.floor(rnd() * BODIES.length)]}`,
        ts: start + Math.floor((span * i) / n),
      }),
    );
  }
  return out;
}

// Python's repr of a str, so the bootcamp log looks like theirs
function pyRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += '\\' + q;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else out += ch;
  }
  return out + q;
}

function seoulWall(ms: number): string {
  const d = new Date(ms + 9 * 3600_000);
  return d.toISOString().replace('T', ' ').replace('Z', '') + '000';
}

async function main(): Promise<void> {
  const runDir = path.join(root, 'bench', 'results', `ingest-${Date.now()}`);
  fs.mkdirSync(runDir, { recursive: true });
  const config = loadConfig({ ...process.env, DATA_DIR: runDir, KCHAT_TOPIC_PREFIX: `bench-${randomUUID().slice(0, 8)}.`, LOG_LEVEL: 'warn' });
  const broker = await connectKafka(config, { start: true });
  const kafka = createKafka(broker.brokers, 'bench-ingest');
  const topic = config.topics.events;
  try {
    await ensureTopics(kafka, [
      { topic, numPartitions: 6 },
      { topic: config.topics.dlq, numPartitions: 1 },
    ]);

    // 1. preload
    const { start, end } = dayRange(DAY, config.tzReports);
    const t0 = Date.now();
    // in its own function so the 1M envelope objects are garbage before ingest
    // starts (kept alive, they made every major GC of the measured consumer mark them)
    const bytes = await (async () => {
      const all = envelopes(N, start, end);
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      const CHUNK = 5000;
      const inflight: Promise<unknown>[] = [];
      for (let i = 0; i < all.length; i += CHUNK) {
        inflight.push(producer.send({ topic, acks: 1, messages: all.slice(i, i + CHUNK).map(envelopeMessage) }));
        if (inflight.length >= 4) await inflight.shift();
      }
      await Promise.all(inflight);
      await producer.disconnect();
      return all.reduce((s, e) => s + Buffer.byteLength(JSON.stringify(e)), 0);
    })();
    say(`preloaded ${fmt(N)} envelopes (${(bytes / 1e6).toFixed(0)} MB, avg ${Math.round(bytes / N)} B) into ${topic} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // 2. our ingest into a fresh DuckDB file
    const db = await Database.open(config.dbPath);
    const i0 = Date.now();
    const ingest = await startIngest({ config, db, kafka, groupId: `bench-ingest-${randomUUID()}` });
    await ingest.caughtUp();
    const i1 = Date.now();
    const h = ingest.health();
    await ingest.stop();
    const rows = (await db.one<{ n: number }>('SELECT count(*) AS n FROM messages'))!.n;
    if (rows !== N) throw new Error(`ingest stored ${rows} rows, expected ${N}`);
    const oursTotal = N / ((i1 - i0) / 1000);
    const oursFetch = N / ((i1 - (h.first_batch_at ?? i0)) / 1000);

    // 3. Kafka's ConsumerPerformance, same topic, same run
    const cp = await consumerPerformance({ brokers: broker.brokers, topic, messages: N, group: `bench-cp-${randomUUID()}`, timeoutMs: 30_000 });

    say('');
    say('| ingest (1 consumer, 6 partitions) | messages | seconds | messages/s |');
    say('|---|---:|---:|---:|');
    say(`| kchat ingest → DuckDB (incl. group join) | ${fmt(N)} | ${((i1 - i0) / 1000).toFixed(2)} | ${fmt(oursTotal)} |`);
    say(`| kchat ingest → DuckDB (first batch → caught up) | ${fmt(N)} | ${((i1 - (h.first_batch_at ?? i0)) / 1000).toFixed(2)} | ${fmt(oursFetch)} |`);
    say(`| Kafka ConsumerPerformance (consume only, incl. join) | ${fmt(cp.messages)} | ${((cp.rebalanceMs + cp.fetchMs) / 1000).toFixed(2)} | ${fmt(cp.messagesPerSec)} |`);
    say(`| Kafka ConsumerPerformance (fetch only) | ${fmt(cp.messages)} | ${(cp.fetchMs / 1000).toFixed(2)} | ${fmt(cp.fetchMessagesPerSec)} |`);
    say(`ratio ours/ConsumerPerformance (fetch-only figures): ${(oursFetch / cp.fetchMessagesPerSec).toFixed(2)}; target ≥ 100,000 msgs/s: ${oursFetch >= 100_000 ? 'met' : 'NOT met'}`);

    // 4. the daily pipeline beside the bootcamp approach
    const p = await runPipeline({ config, db, date: DAY });
    if (p.status !== 'success' || p.rows !== N) throw new Error(`pipeline: ${p.status} ${p.rows} ${p.reason ?? ''}`);
    say('');
    say(`kchat pipeline run --date ${DAY}: ${fmt(p.rows)} rows, ${p.channels} channels → zstd Parquet in ${(p.duration_ms / 1000).toFixed(2)} s`);
    if (!skipPython) {
      const logFile = path.join(runDir, `chat_${DAY.replace(/-/g, '')}.log`);
      const out = fs.createWriteStream(logFile);
      const src = await db.all<{ text: string; ts_ms: number; nick: string; kafka_offset: number }>('SELECT text, ts_ms, nick, kafka_offset FROM messages ORDER BY ts_ms');
      for (const r of src) out.write(`{'message': ${pyRepr(r.text)}, 'time': '${seoulWall(r.ts_ms)}', 'user': ${pyRepr(r.nick)}, 'offset': ${r.kafka_offset}}\n`);
      await new Promise<void>((resolve) => out.end(resolve));
      const py = ensureVenv();
      const res = spawnSync(py, [path.join(root, 'bench', 'ingest', 'bootcamp_baseline.py'), logFile, path.join(runDir, 'bootcamp-out')], { encoding: 'utf8' });
      if (res.status !== 0) throw new Error(`bootcamp baseline failed: ${res.stderr}`);
      const base = JSON.parse(res.stdout.trim().split('\n').pop()!) as { rows: number; seconds: number };
      say(`bootcamp baseline (regex + eval + pandas → parquet): ${fmt(base.rows)} rows in ${base.seconds.toFixed(2)} s`);
      say(`speed-up: ${(base.seconds / (p.duration_ms / 1000)).toFixed(1)}× (target ≥ 20×)`);
    }
    await db.close();
  } finally {
    await broker.stop();
    if (!args.includes('--keep')) fs.rmSync(runDir, { recursive: true, force: true });
  }
}

/** bench/.venv with pandas + pyarrow, created on first use. */
function ensureVenv(): string {
  const venv = path.join(root, 'bench', '.venv');
  const py = path.join(venv, 'bin', 'python');
  const ok = () => fs.existsSync(py) && spawnSync(py, ['-c', 'import pandas, pyarrow'], { stdio: 'ignore' }).status === 0;
  if (ok()) return py;
  say('creating bench/.venv with pandas + pyarrow (first run only)…');
  if (!fs.existsSync(py) && spawnSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' }).status !== 0) throw new Error('python3 -m venv failed');
  if (spawnSync(py, ['-m', 'pip', 'install', '-q', 'pandas', 'pyarrow'], { stdio: 'inherit' }).status !== 0) throw new Error('pip install pandas pyarrow failed');
  return py;
}

main().catch((err) => {
  process.stderr.write(`bench/ingest: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
