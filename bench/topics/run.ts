// Topic statistics benchmark (one day of 1M messages ≤ 2 s): two generated
// days of 1M messages each (the measured day and its reference day). Each
// round loads them into a fresh DuckDB file, then times
//   (a) the one-off incremental catch-up of the per-day term counts
//       (audit/topics.ts: the tokenizing moved to ingest time), msgs/s;
//   (b) the stats request for the second day after catch-up (topics()),
//       median of --requests;
//   (c) the request-time method it replaces (topicsScan(): SELECT every text
//       of both days + tokenize), the baseline,
// and checks (b) and (c) answer the same.
//
//   npx tsx bench/topics/run.ts                  # 2 days × 1,000,000 messages, 3 rounds
//   npx tsx bench/topics/run.ts --per-day 100000 # quick (not the published figure)
import { benchArgs, benchTempDir, median, numberArg, repoRoot, runBench } from '../lib/index.ts';
import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Database } from '../../core/db.ts';
import { addDays } from '../../core/time.ts';
import { ensureIngestSchema } from '../../ingest/schema.ts';
import { period, topics, topicsScan } from '../../audit/stats.ts';
import { catchUpTopics } from '../../audit/topics.ts';
import { loadConfig } from '../../core/config.ts';
import { chooseTermAnalyzer } from '../../core/korean/terms.ts';
import { CSV_COLUMNS, generateCsv } from '../search/generate.ts';

const args = benchArgs(
  `Usage: npx tsx bench/topics/run.ts [--per-day 1000000] [--requests 5] [--threads 2]

Topic statistics for one day: incremental per-day term counts (catch-up at
ingest time, then a cheap request) vs request-time tokenizing of both days.
The generated CSV is cached in bench/.data; every round loads it into a fresh
DuckDB file.`,
  {
    'per-day': { type: 'string', default: '1000000' },
    requests: { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
  },
);
const perDay = numberArg(args.values, 'per-day', { min: 1000 });
const REQUESTS = numberArg(args.values, 'requests', { min: 1 });
const THREADS = numberArg(args.values, 'threads', { min: 1 });
const START_DAY = '2024-07-01';
const TZ = 'Asia/Seoul';
const dataDir = path.join(repoRoot, 'bench', '.data');
const work = benchTempDir('topics');

/** The generated CSV of two days of `n` messages each (cached across runs). */
async function csvFor(n: number): Promise<string> {
  const label = n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`;
  fs.mkdirSync(dataDir, { recursive: true });
  fs.chmodSync(dataDir, 0o755);
  const csv = path.join(dataDir, `topics-2x${label}.csv`);
  if (!fs.existsSync(csv)) {
    const t0 = performance.now();
    await generateCsv(csv, { messages: 2 * n, start: Date.parse(`${START_DAY}T00:00:00+09:00`), perDay: n });
    process.stderr.write(`generated ${2 * n} messages over 2 days in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${csv}\n`);
  }
  fs.chmodSync(csv, 0o644);
  return csv;
}

let round = 0;
/** One full measurement on a fresh database loaded from `csv`. */
async function measureOnce(csv: string) {
  const dbFile = path.join(work, `topics-${round++}.duckdb`);
  // DuckDB reads files only from the folders it is allowed: the CSV's and its own
  const db = await Database.open(dbFile, { settings: { threads: String(THREADS) }, harden: { allowedDirectories: [work, path.dirname(csv)] } });
  try {
    await ensureIngestSchema(db);
    const cols = CSV_COLUMNS.map((c) => `'${c}': '${c === 'ts_ms' || c === 'kafka_offset' ? 'BIGINT' : c === 'kafka_partition' ? 'INTEGER' : 'VARCHAR'}'`).join(', ');
    await db.run(
      `INSERT INTO messages SELECT id, channel, user_id, nick, type, text, to_timestamp(ts_ms / 1000), ts_ms, NULL,
              'chat.events', kafka_partition, kafka_offset, now(), 'bench', NULL
         FROM read_csv('${csv}', header = true, quote = '"', escape = '"', columns = {${cols}})`,
    );
    const p = period(addDays(START_DAY, 1), addDays(START_DAY, 1), TZ);
    // the product's analyser (Kiwi, loaded before timing; the rule tokenizer when KCHAT_KIWI=off), the same for all three
    const analyzer = await chooseTermAnalyzer(loadConfig(), { wait: true });
    let t0 = performance.now();
    const cu = await catchUpTopics(db, TZ, { analyzer });
    const catchUpS = (performance.now() - t0) / 1000;
    const times: number[] = [];
    let ours = await topics(db, p, { limit: 20, analyzer });
    for (let r = 0; r < REQUESTS; r++) {
      t0 = performance.now();
      ours = await topics(db, p, { limit: 20, analyzer });
      times.push(performance.now() - t0);
    }
    t0 = performance.now();
    const old = await topicsScan(db, p, { limit: 20, analyzer });
    const scanMs = performance.now() - t0;
    // coverage says how the counts were made (the scan has none): compare the answers themselves
    if (!isDeepStrictEqual({ ...ours, coverage: null }, { ...old, coverage: null })) throw new Error('incremental and request-time topic statistics differ');
    return { catchUpS, catchUpRate: cu.rows / catchUpS, request: median(times), scan: scanMs, messages: ours.period.messages };
  } finally {
    await db.close();
    for (const f of [dbFile, dbFile + '.wal']) fs.rmSync(f, { force: true });
  }
}

let csv = '';
await runBench({
  name: 'topics',
  title: `Topic statistics for one day of ${perDay.toLocaleString('en-US')} messages: incremental counts vs request-time tokenizing`,
  args,
  params: { perDay, requests: REQUESTS, duckdbThreads: THREADS },
  metrics: {
    ours: {
      request: `stats request after catch-up, median of ${REQUESTS} [ms]`,
      catchUpS: 'one-off catch-up of both days (ingest-time work) [s]',
      catchUpRate: 'catch-up rate [msgs/s]',
    },
    baseline: {
      scan: 'request-time SELECT + tokenize of both days [ms, 0 digits]',
    },
  },
  async setup() {
    csv = await csvFor(perDay);
  },
  async warmup() {
    await measureOnce(await csvFor(Math.min(perDay, 20_000)));
  },
  async round() {
    const m = await measureOnce(csv);
    return { request: m.request, scan: m.scan, catchUpS: m.catchUpS, catchUpRate: m.catchUpRate };
  },
  target: (m) => ({ text: `stats request ${m.request.toFixed(0)} ms ≤ 2,000 ms, answers identical to the request-time method (checked every round)`, pass: m.request <= 2000 }),
});
