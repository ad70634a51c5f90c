// Topic statistics benchmark (issue 6: one day of 1M messages ≤ 2 s):
// a fresh DuckDB with two generated days of 1M messages each (the measured
// day and its reference day), then
//   (a) the one-off incremental catch-up of the per-day term counts
//       (audit/topics.ts: the tokenizing moved to ingest time), msgs/s;
//   (b) the stats request for the second day after catch-up (topics());
//   (c) the request-time method it replaces (topicsScan(): SELECT every text
//       of both days + tokenize), same run, as the baseline;
// and checks (b) and (c) answer the same. Prints a Markdown summary.
//
//   npx tsx bench/topics/run.ts                  # 2 days × 1,000,000 messages
//   npx tsx bench/topics/run.ts --per-day 100000 # quick
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { Database } from '../../core/db.ts';
import { addDays } from '../../core/time.ts';
import { INGEST_SCHEMA } from '../../ingest/schema.ts';
import { period, topics, topicsScan } from '../../audit/stats.ts';
import { catchUpTopics } from '../../audit/topics.ts';
import { CSV_COLUMNS, generateCsv } from '../search/generate.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const dataDir = path.resolve(here, '..', '.data');
const START_DAY = '2024-07-01';
const TZ = 'Asia/Seoul';

const program = new Command()
  .name('bench/topics/run.ts')
  .description('topic statistics for one day: incremental counts vs request-time tokenizing')
  .option('--per-day <n>', 'messages per day (two days are generated)', '1000000')
  .option('--rounds <n>', 'timed stats requests after catch-up', '5')
  .option('--threads <n>', 'DuckDB threads', '2')
  .parse();
const opts = program.opts<{ perDay: string; rounds: string; threads: string }>();
const perDay = Number(opts.perDay);
const N = perDay * 2;
const label = perDay >= 1e6 ? `${perDay / 1e6}M` : `${perDay / 1e3}k`;
fs.mkdirSync(dataDir, { recursive: true });
fs.chmodSync(dataDir, 0o755);
const csv = path.join(dataDir, `topics-2x${label}.csv`);
const dbFile = path.join(dataDir, `topics-2x${label}.duckdb`);

const say = (...a: unknown[]) => process.stderr.write(a.join(' ') + '\n');
const ms = (t0: number) => performance.now() - t0;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function main() {
  const startMs = Date.parse(`${START_DAY}T00:00:00+09:00`);
  if (!fs.existsSync(csv)) {
    const t0 = performance.now();
    await generateCsv(csv, { messages: N, start: startMs, perDay });
    say(`generated ${N} messages over 2 days in ${(ms(t0) / 1000).toFixed(1)} s → ${csv}`);
  }
  fs.chmodSync(csv, 0o644);
  // A fresh database every run: the catch-up below starts from nothing.
  for (const f of [dbFile, dbFile + '.wal']) fs.rmSync(f, { force: true });
  const db = await Database.open(dbFile, { settings: { threads: opts.threads } });
  await db.ensureSchema(INGEST_SCHEMA);
  let t0 = performance.now();
  const cols = CSV_COLUMNS.map((c) => `'${c}': '${c === 'ts_ms' || c === 'kafka_offset' ? 'BIGINT' : c === 'kafka_partition' ? 'INTEGER' : 'VARCHAR'}'`).join(', ');
  await db.run(
    `INSERT INTO messages SELECT id, channel, user_id, nick, type, text, lower(text), to_timestamp(ts_ms / 1000), ts_ms, NULL,
            'chat.events', kafka_partition, kafka_offset, now(), 'bench', NULL
       FROM read_csv('${csv}', header = true, quote = '"', escape = '"', columns = {${cols}})`,
  );
  say(`loaded ${N} rows into a fresh DuckDB in ${(ms(t0) / 1000).toFixed(1)} s`);

  const day = addDays(START_DAY, 1);
  const p = period(day, day, TZ);
  const dayRows = (await db.one<{ all: number; msgs: number }>(
    `SELECT count(*)::DOUBLE AS "all", count(*) FILTER (WHERE type = 'message')::DOUBLE AS msgs FROM messages WHERE ts_ms >= ? AND ts_ms < ?`,
    [p.start, p.end],
  ))!;

  // (a) the one-off catch-up (what ingest-time maintenance costs in total)
  t0 = performance.now();
  const cu = await catchUpTopics(db, TZ);
  const catchUpMs = ms(t0);
  const sizes = (await db.one<{ terms: number; spellings: number }>(
    'SELECT (SELECT count(*) FROM topic_terms)::DOUBLE AS terms, (SELECT count(*) FROM topic_spellings)::DOUBLE AS spellings',
  ))!;
  say(`(a) catch-up: ${cu.rows} messages in ${(catchUpMs / 1000).toFixed(1)} s = ${Math.round(cu.rows / (catchUpMs / 1000))} msgs/s; topic_terms ${sizes.terms} rows, topic_spellings ${sizes.spellings}`);
  const rss = Math.round(process.memoryUsage().rss / 2 ** 20);

  // (b) the stats request after catch-up (includes its own catch-up check)
  const times: number[] = [];
  let ours = await topics(db, p, { limit: 20 });
  for (let r = 0; r < Number(opts.rounds); r++) {
    t0 = performance.now();
    ours = await topics(db, p, { limit: 20 });
    times.push(ms(t0));
  }
  say(`(b) stats request ${day}: median ${median(times).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms (${times.map((x) => x.toFixed(0)).join(', ')})`);

  // (c) the request-time method, same data, same run
  t0 = performance.now();
  const old = await topicsScan(db, p, { limit: 20 });
  const oldMs = ms(t0);
  say(`(c) request-time tokenizing (old): ${(oldMs / 1000).toFixed(1)} s`);
  const same = isDeepStrictEqual(ours, old);
  say(`identical answers: ${same ? 'yes' : 'NO'}; top: ${ours.keywords.slice(0, 8).map((k) => `${k.term}(${k.count})`).join(' ')}; rising: ${ours.rising.slice(0, 5).map((k) => k.term).join(' ')}`);

  const lines = [
    `### Topic statistics, one day of ${ours.period.messages} messages (${dayRows.all} rows that day; reference day ${ours.reference.from}: ${ours.reference.messages} messages)`,
    '',
    `${os.cpus().length} CPUs, DuckDB threads ${opts.threads}, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}.`,
    '',
    '| step | time |',
    '|---|---:|',
    `| (a) one-off incremental catch-up of ${cu.rows} messages (2 days; tokenize + merge), done at ingest time | ${(catchUpMs / 1000).toFixed(1)} s (${Math.round(cu.rows / (catchUpMs / 1000))} msgs/s) |`,
    `| (b) stats request for ${day} after catch-up (median of ${times.length}) | ${median(times).toFixed(0)} ms |`,
    `| (c) baseline: request-time SELECT + tokenize of both days | ${(oldMs / 1000).toFixed(1)} s |`,
    '',
    `Answers identical: ${same ? 'yes' : 'NO'}. topic_terms ${sizes.terms} rows, topic_spellings ${sizes.spellings} rows; RSS after catch-up ${rss} MiB.`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  await db.close();
  if (!same) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
