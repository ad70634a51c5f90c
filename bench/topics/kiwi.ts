// Kiwi topic terms: what counting with Kiwi costs beside the rule tokenizer,
// and what the Kiwi worker weighs. A fresh DuckDB holds N generated chat
// messages (bench/search/generate.ts: Korean/English, particles, 하다-verbs,
// typos); each round counts them from scratch twice — with Kiwi (the
// product's analyser) and with the rule tokenizer (the baseline, what topics
// used before) — and samples the process RSS: before Kiwi is loaded, with the
// worker loaded (peak during the count) and after the worker is released.
//   npx tsx bench/topics/kiwi.ts                     # 200,000 messages, 3 rounds
//   npx tsx bench/topics/kiwi.ts --messages 1000000
import { benchArgs, benchTempDir, numberArg, repoRoot, runBench } from '../lib/index.ts';
import fs from 'node:fs';
import path from 'node:path';
import { Database } from '../../core/db.ts';
import { loadConfig } from '../../core/config.ts';
import { INGEST_SCHEMA } from '../../ingest/schema.ts';
import { catchUpTopics, ensureTopicSchema } from '../../audit/topics.ts';
import { KiwiAnalyzer } from '../../core/korean/kiwi/analyzer.ts';
import { ensureModel, modelDir } from '../../core/korean/kiwi/model.ts';
import { KiwiTerms, ruleTerms, type TermAnalyzer } from '../../core/korean/terms.ts';
import { CSV_COLUMNS, generateCsv } from '../search/generate.ts';

const args = benchArgs(
  `Usage: npx tsx bench/topics/kiwi.ts [--messages 200000]

Counting topic terms of N messages from scratch with Kiwi (nouns, verb lemmas)
beside the rule tokenizer, and the Kiwi worker's memory (RSS before load,
peak while counting, after release).`,
  { messages: { type: 'string', default: '200000' } },
);
const N = numberArg(args.values, 'messages', { min: 10_000 });
const TZ = 'Asia/Seoul';
const dataDir = path.join(repoRoot, 'bench', '.data');
const work = benchTempDir('topics-kiwi');
let db: Database;
let kiwi: KiwiTerms;

const rssMiB = () => process.memoryUsage().rss / 2 ** 20;

async function count(analyzer: TermAnalyzer, sample: { peak: number }): Promise<number> {
  // from scratch: empty counts, no watermark
  await ensureTopicSchema(db);
  for (const t of ['topic_terms', 'topic_days', 'topic_spellings', 'topic_progress']) await db.run(`DELETE FROM ${t}`);
  const timer = setInterval(() => (sample.peak = Math.max(sample.peak, rssMiB())), 50);
  const t0 = performance.now();
  try {
    const r = await catchUpTopics(db, TZ, { analyzer });
    return r.rows / ((performance.now() - t0) / 1000);
  } finally {
    clearInterval(timer);
  }
}

await runBench({
  name: 'topics-kiwi',
  title: `Topic terms of ${N.toLocaleString('en')} chat messages counted from scratch: Kiwi beside the rule tokenizer; the Kiwi worker's memory`,
  args,
  params: { messages: N },
  metrics: [
    { key: 'kiwi', label: 'count with Kiwi (nouns + verb lemmas, one worker thread)', unit: 'msgs/s', side: 'ours', digits: 0 },
    { key: 'rule', label: 'count with the rule tokenizer (before)', unit: 'msgs/s', side: 'baseline', digits: 0 },
    { key: 'load', label: 'Kiwi worker load (wasm + model)', unit: 's', side: 'info', digits: 1 },
    { key: 'before', label: 'process RSS, Kiwi not loaded', unit: 'MiB', side: 'info', digits: 0 },
    { key: 'peak', label: 'process RSS peak while counting with Kiwi', unit: 'MiB', side: 'info', digits: 0 },
    { key: 'after', label: 'process RSS after the worker is released', unit: 'MiB', side: 'info', digits: 0 },
  ],
  async setup() {
    await ensureModel(modelDir());
    const csv = path.join(dataDir, `topics-kiwi-${N}.csv`);
    if (!fs.existsSync(csv)) {
      fs.mkdirSync(dataDir, { recursive: true });
      await generateCsv(csv, { messages: N, start: Date.parse('2024-07-01T00:00:00+09:00'), perDay: Math.ceil(N / 4) });
    }
    db = await Database.open(path.join(work, 'kiwi.duckdb'), { settings: { threads: '2' } });
    await db.ensureSchema(INGEST_SCHEMA);
    const cols = CSV_COLUMNS.map((c) => `'${c}': '${c === 'ts_ms' || c === 'kafka_offset' ? 'BIGINT' : c === 'kafka_partition' ? 'INTEGER' : 'VARCHAR'}'`).join(', ');
    await db.run(
      `INSERT INTO messages SELECT id, channel, user_id, nick, type, text, lower(text), to_timestamp(ts_ms / 1000), ts_ms, NULL,
              'chat.events', kafka_partition, kafka_offset, now(), 'bench', NULL
         FROM read_csv('${csv}', header = true, quote = '"', escape = '"', columns = {${cols}})`,
    );
  },
  async warmup() {
    const k = new KiwiTerms(new KiwiAnalyzer({ modelDir: modelDir(), idleMs: 60_000, fetch: false, enabled: loadConfig().kiwi.enabled, nice: loadConfig().kiwi.nice }));
    await k.terms(['워밍업 메시지입니다']);
    await k.kiwi.release();
  },
  async round() {
    global.gc?.();
    const before = rssMiB();
    // a new analyser per round: its word cache starts empty, as after a restart
    kiwi = new KiwiTerms(new KiwiAnalyzer({ modelDir: modelDir(), idleMs: 60_000, fetch: false, enabled: true, nice: loadConfig().kiwi.nice }));
    const t0 = performance.now();
    await kiwi.kiwi.ready();
    const load = (performance.now() - t0) / 1000;
    const sample = { peak: rssMiB() };
    const k = await count(kiwi, sample);
    await kiwi.kiwi.release();
    global.gc?.();
    const after = rssMiB();
    const r = await count(ruleTerms, { peak: 0 });
    return { kiwi: k, rule: r, load, before, peak: sample.peak, after };
  },
  notes: [
    'Both counts read the same rows from DuckDB and merge per-day sums in the same transactions; only the analyser differs.',
    'Kiwi analyses each distinct word once per round (the word cache starts empty) and re-reads in context the words it cannot split alone.',
    'RSS is the whole bench process (DuckDB, the messages, the counts); the worker\'s share is peak − before, and it is returned on release.',
  ],
  async teardown() {
    await db.close();
  },
});
