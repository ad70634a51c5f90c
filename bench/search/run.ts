// Search benchmark: our bigram index vs PostgreSQL 15 + pg_trgm GIN vs a
// plain DuckDB ILIKE scan — same generated data, same queries, same run —
// plus topic statistics for one day. Prints a Markdown table.
//
//   npx tsx bench/search/run.ts                 # 1M messages (default)
//   npx tsx bench/search/run.ts --messages 10000000
//   npx tsx bench/search/run.ts --no-pg --rounds 3
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import pg from 'pg';
import { Database } from '../../core/db.ts';
import { addDays, localDate } from '../../core/time.ts';
import { ensureIngestSchema } from '../../ingest/schema.ts';
import { SearchIndex, parseQuery } from '../../audit/search/index.ts';
import { fold } from '../../audit/search/fold.ts';
import { period, topics } from '../../audit/stats.ts';
import { catchUpTopics } from '../../audit/topics.ts';
import { CSV_COLUMNS, generateCsv } from './generate.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const benchDir = path.resolve(here, '..');
const START_DAY = '2024-07-01';
const PG_BIN = '/usr/lib/postgresql/15/bin';

const program = new Command()
  .name('bench/search/run.ts')
  .description('search p50/p99: kchat index vs PostgreSQL pg_trgm vs DuckDB ILIKE; topic statistics for one day')
  .option('--messages <n>', 'messages to generate (1000000; use 10000000 for the 10M run)', '1000000')
  .option('--per-day <n>', 'messages per day (sets the span of the data)', '33000')
  .option('--rounds <n>', 'timed rounds per query for our index', '5')
  .option('--baseline-rounds <n>', 'timed rounds per query for the baselines', '2')
  .option('--no-pg', 'skip the PostgreSQL baseline')
  .option('--no-duckdb', 'skip the DuckDB ILIKE baseline (for quick iterations; published figures include it)')
  .option('--fresh', 'regenerate data even when a loaded copy exists')
  .parse();
const opts = program.opts<{ messages: string; perDay: string; rounds: string; baselineRounds: string; pg: boolean; duckdb: boolean; fresh: boolean }>();
const N = Number(opts.messages);
const perDay = Number(opts.perDay);
const label = N >= 1e6 ? `${N / 1e6}M` : `${N / 1e3}k`;
const dataDir = path.join(benchDir, '.data');
fs.mkdirSync(dataDir, { recursive: true });
fs.chmodSync(dataDir, 0o755);
const csv = path.join(dataDir, `chat-${label}.csv`);
const dbFile = path.join(dataDir, `search-${label}.duckdb`);

const say = (...a: unknown[]) => process.stderr.write(a.join(' ') + '\n');
const ms = (t0: number) => performance.now() - t0;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

// ── data ────────────────────────────────────────────────────────────────
const startMs = Date.parse(`${START_DAY}T00:00:00+09:00`);
const days = Math.ceil(N / perDay);
const day = (i: number) => addDays(START_DAY, Math.min(i, days - 1));

async function load(): Promise<Database> {
  if (opts.fresh) for (const f of [dbFile, dbFile + '.wal', csv]) fs.rmSync(f, { force: true });
  const db = await Database.open(dbFile, { settings: { threads: '2' } });
  await ensureIngestSchema(db);
  const have = (await db.one<{ n: number }>('SELECT count(*) AS n FROM messages'))!.n;
  if (have === N) {
    say(`using loaded ${dbFile} (${N} messages)`);
    return db;
  }
  await db.run('DELETE FROM messages');
  if (!fs.existsSync(csv)) {
    const t0 = performance.now();
    await generateCsv(csv, { messages: N, start: startMs, perDay });
    say(`generated ${N} messages over ${days} days in ${(ms(t0) / 1000).toFixed(1)} s → ${csv}`);
  }
  fs.chmodSync(csv, 0o644);
  const t0 = performance.now();
  const cols = CSV_COLUMNS.map((c) => `'${c}': '${c === 'ts_ms' || c === 'kafka_offset' ? 'BIGINT' : c === 'kafka_partition' ? 'INTEGER' : 'VARCHAR'}'`).join(', ');
  await db.run(
    `INSERT INTO messages SELECT id, channel, user_id, nick, type, text, to_timestamp(ts_ms / 1000), ts_ms, NULL,
            'chat.events', kafka_partition, kafka_offset, now(), 'bench', NULL
       FROM read_csv('${csv}', header = true, quote = '"', escape = '"', columns = {${cols}})`,
  );
  say(`loaded into DuckDB in ${(ms(t0) / 1000).toFixed(1)} s`);
  return db;
}

// ── queries ─────────────────────────────────────────────────────────────
const QUERIES: { kind: string; q: string }[] = [
  { kind: 'short Korean', q: '장애' },
  { kind: 'short Korean', q: '배포' },
  { kind: 'short Korean', q: '파묘' },
  { kind: 'short Korean', q: '감독' },
  { kind: 'short Korean', q: '회식' },
  { kind: 'short Korean', q: '맥' },
  { kind: 'particle', q: '장애가' },
  { kind: 'particle', q: '배포를' },
  { kind: 'particle', q: '서버에서' },
  { kind: 'particle', q: '회의는' },
  { kind: 'particle', q: 'Kafka에서' },
  { kind: 'particle', q: 'API가' },
  { kind: 'phrase', q: '"바로 볼게요"' },
  { kind: 'phrase', q: '"고객사 미팅"' },
  { kind: 'words', q: '장애 복구' },
  { kind: 'words', q: '클러스터 브로커 지연' },
  { kind: 'filter', q: '장애 in:#ops' },
  { kind: 'filter', q: '배포 from:김민수' },
  { kind: 'filter', q: `회의 on:${day(10)}` },
  { kind: 'filter', q: `kafka after:${day(days - 3)}` },
  { kind: 'filter', q: '배포 has:link' },
  { kind: 'filter', q: '장애 type:bot' },
  { kind: 'filter', q: 'from:alice in:#dev' },
  { kind: 'exclusion', q: '배포 -kafka' },
  { kind: 'rare', q: '김치찌개 콘서트' },
  { kind: 'rare', q: '제주도 비행기 예산' },
  { kind: 'rare', q: '없는단어입니다' },
  { kind: 'common', q: '확인' },
  { kind: 'common', q: '있어요' },
  { kind: 'English', q: 'timeout' },
  { kind: 'English', q: 'deploy' },
  { kind: 'English', q: 'rollback staging' },
];

/** The same query as SQL for the baselines: ILIKE per word, filters as columns. */
function toSql(q: string, dialect: 'duckdb' | 'pg'): { where: string; params: unknown[] } {
  const p = parseQuery(q);
  const params: unknown[] = [];
  const ph = () => (dialect === 'pg' ? `$${params.length}` : '?');
  const add = (v: unknown) => {
    params.push(v);
    return ph();
  };
  const phrases = [...q.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  const pattern = (needle: string) => `%${phrases.find((x) => fold(x) === needle) ?? needle}%`;
  const w: string[] = [];
  for (const n of p.must) w.push(`text ILIKE ${add(pattern(n))}`);
  for (const n of p.not) w.push(`text NOT ILIKE ${add(pattern(n))}`);
  if (p.nicks.length) w.push(`nick IN (${p.nicks.map((n) => add(n)).join(', ')})`);
  if (p.channels.length) w.push(`channel IN (${p.channels.map((c) => add(c)).join(', ')})`);
  if (p.types.length) w.push(`type IN (${p.types.map((t) => add(t)).join(', ')})`);
  if (p.from !== null) w.push(`ts_ms >= ${add(p.from)}`);
  if (p.to !== null) w.push(`ts_ms < ${add(p.to)}`);
  if (p.hasLink) w.push(`(text ILIKE '%http://%' OR text ILIKE '%https://%' OR text ILIKE '%www.%')`);
  return { where: w.join(' AND ') || 'true', params };
}

const PAGE = (where: string) => `SELECT id, channel, nick, text, ts_ms, kafka_partition, kafka_offset FROM messages WHERE ${where} ORDER BY ts_ms DESC, id DESC LIMIT 20`;
const COUNT = (where: string) => `SELECT count(*) AS n FROM messages WHERE ${where}`;

// ── PostgreSQL ──────────────────────────────────────────────────────────
async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function startPg(): Promise<{ client: pg.Client; stop: () => void }> {
  const root = path.join(benchDir, '.pg');
  const data = path.join(root, 'data');
  const sock = path.join(root, 'sock');
  fs.mkdirSync(sock, { recursive: true });
  execFileSync('chown', ['-R', 'postgres:postgres', root]);
  const asPg = (cmd: string, args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, cmd), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (!fs.existsSync(path.join(data, 'PG_VERSION'))) {
    asPg('initdb', ['-D', data, '--encoding=UTF8', '--locale=C.UTF-8', '--auth=trust', '-U', 'postgres']);
  }
  const port = await freePort();
  const conf = `-p ${port} -k ${sock} -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c work_mem=64MB -c max_parallel_workers_per_gather=2 -c maintenance_work_mem=1GB -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  asPg('pg_ctl', ['-D', data, '-o', conf, '-l', path.join(root, 'postgres.log'), '-w', 'start']);
  const stop = () => {
    try {
      asPg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    } catch {
      // already stopped
    }
  };
  process.on('exit', stop);
  // One database per data size (search_1m, search_10m) so the 1M and 10M runs do not
  // reload each other's table; a table loaded by older runs into "postgres" is reused when it has N rows.
  const connect = async (database: string) => {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database });
    await c.connect();
    return c;
  };
  const admin = await connect('postgres');
  const mine = `search_${label.toLowerCase()}`;
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [mine])).rowCount! > 0;
  if (!exists) {
    const legacy = await admin.query(`SELECT count(*) AS n FROM messages`).catch(() => null);
    if (legacy && Number(legacy.rows[0].n) === N && !opts.fresh) {
      say('using the PostgreSQL table loaded into database "postgres"');
      return { client: admin, stop };
    }
    await admin.query(`CREATE DATABASE ${mine}`);
  }
  await admin.end();
  return { client: await connect(mine), stop };
}

async function loadPg(client: pg.Client): Promise<void> {
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  await client.query(`CREATE TABLE IF NOT EXISTS messages (id text, channel text, user_id text, nick text, type text, text text, ts_ms bigint, kafka_partition int, kafka_offset bigint)`);
  const have = Number((await client.query('SELECT count(*) AS n FROM messages')).rows[0].n);
  if (have === N && !opts.fresh) {
    say('using loaded PostgreSQL table');
    return;
  }
  if (!fs.existsSync(csv)) await generateCsv(csv, { messages: N, start: startMs, perDay }); // same seed → same data
  fs.chmodSync(csv, 0o644);
  await client.query('TRUNCATE messages');
  await client.query('DROP INDEX IF EXISTS messages_text_trgm');
  let t0 = performance.now();
  await client.query(`COPY messages (${CSV_COLUMNS.join(', ')}) FROM '${csv}' WITH (FORMAT csv, HEADER true)`);
  say(`loaded into PostgreSQL in ${(ms(t0) / 1000).toFixed(1)} s`);
  t0 = performance.now();
  await client.query('CREATE INDEX messages_text_trgm ON messages USING gin (text gin_trgm_ops)');
  await client.query('CREATE INDEX IF NOT EXISTS messages_ts ON messages (ts_ms DESC, id DESC)');
  await client.query('ANALYZE messages');
  say(`built pg_trgm GIN index in ${(ms(t0) / 1000).toFixed(1)} s`);
}

// ── run ─────────────────────────────────────────────────────────────────
async function main(): Promise<void> {
  const db = await load();
  const rssBefore = process.memoryUsage().rss;
  let t0 = performance.now();
  const index = new SearchIndex(db);
  await index.catchUp();
  const buildS = ms(t0) / 1000;
  (globalThis as { gc?: () => void }).gc?.();
  const rssMb = Math.round((process.memoryUsage().rss - rssBefore) / 2 ** 20);
  const mem = index.memory();
  const mib = (b: number) => Math.round(b / 2 ** 20);
  const indexMb = mib(Object.values(mem).reduce((a, b) => a + b, 0));
  const memParts = Object.entries(mem).map(([k, v]) => `${k} ${mib(v)}`).join(', ');
  say(`kchat index: ${index.size} messages in ${buildS.toFixed(1)} s, +${rssMb} MiB RSS; arrays ${indexMb} MiB (${memParts})`);

  const rounds = Number(opts.rounds);
  const bRounds = Number(opts.baselineRounds);
  const ours: number[] = [];
  const duck: number[] = [];
  const pgT: number[] = [];
  const perQuery: { kind: string; q: string; total: number; ours: number; duck: number | null; pg: number | null }[] = [];

  let pgc: Awaited<ReturnType<typeof startPg>> | null = null;
  if (opts.pg) {
    pgc = await startPg();
    await loadPg(pgc.client);
  }

  for (const { kind, q } of QUERIES) {
    const parsed = parseQuery(q);
    index.searchNow(parsed, { limit: 20 }); // warm
    const times: number[] = [];
    let total = 0;
    for (let r = 0; r < rounds; r++) {
      t0 = performance.now();
      const res = await index.search(parsed, { limit: 20 });
      times.push(ms(t0));
      total = res.total;
    }
    ours.push(...times);

    const d = toSql(q, 'duckdb');
    const dt: number[] = [];
    for (let r = 0; r < (opts.duckdb ? bRounds : 0); r++) {
      t0 = performance.now();
      await db.all(PAGE(d.where), d.params);
      await db.one(COUNT(d.where), d.params);
      dt.push(ms(t0));
    }
    duck.push(...dt);

    const pt: number[] = [];
    if (pgc) {
      const p = toSql(q, 'pg');
      for (let r = 0; r < bRounds; r++) {
        t0 = performance.now();
        await pgc.client.query(PAGE(p.where), p.params);
        await pgc.client.query(COUNT(p.where), p.params);
        pt.push(ms(t0));
      }
      pgT.push(...pt);
    }
    perQuery.push({ kind, q, total, ours: pct(times, 50), duck: dt.length ? pct(dt, 50) : null, pg: pt.length ? pct(pt, 50) : null });
    say(`${kind.padEnd(13)} ${q.padEnd(28)} hits ${String(total).padStart(7)}  ours ${pct(times, 50).toFixed(1)} ms  duckdb ${dt.length ? pct(dt, 50).toFixed(0) : '—'} ms${pt.length ? `  pg ${pct(pt, 50).toFixed(0)} ms` : ''}`);
  }

  // Topic statistics for one day (and, for scale, the whole span).
  // The per-day term counts are maintained incrementally (audit/topics.ts):
  // their catch-up (ingest-time work) is timed apart from the request.
  const oneDay = day(Math.floor(days / 2));
  t0 = performance.now();
  const topicCatchUp = await catchUpTopics(db, 'Asia/Seoul');
  const topicCatchUpMs = ms(t0);
  say(`topic counts catch-up: ${topicCatchUp.rows} messages in ${(topicCatchUpMs / 1000).toFixed(1)} s`);
  t0 = performance.now();
  const dayStats = await topics(db, period(oneDay, oneDay, 'Asia/Seoul'), { limit: 20 });
  const topicDayMs = ms(t0);
  say(`topics ${oneDay}: ${dayStats.period.messages} messages in ${topicDayMs.toFixed(0)} ms; top: ${dayStats.keywords.slice(0, 8).map((k) => `${k.term}(${k.count})`).join(' ')}`);
  say(`rising: ${dayStats.rising.slice(0, 5).map((k) => k.term).join(' ')}`);

  const fmt = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x < 10 ? x.toFixed(1) : x.toFixed(0));
  const lines = [
    `### ${label} messages (${days} days, ${localDate(startMs)} …), ${QUERIES.length} queries`,
    '',
    `Index build ${buildS.toFixed(1)} s from DuckDB, +${rssMb} MiB RSS (index arrays ${indexMb} MiB: ${memParts} MiB). Ours: ${rounds} rounds per query; baselines: ${bRounds} rounds (page of 20 + count).`,
    '',
    '| engine | p50 ms | p99 ms |',
    '|---|---:|---:|',
    `| kchat bigram index (hits + total + facets + highlights) | ${fmt(pct(ours, 50))} | ${fmt(pct(ours, 99))} |`,
    pgc ? `| PostgreSQL 15 pg_trgm GIN, ILIKE | ${fmt(pct(pgT, 50))} | ${fmt(pct(pgT, 99))} |` : '| PostgreSQL 15 pg_trgm GIN | skipped | |',
    `| DuckDB ILIKE scan | ${fmt(pct(duck, 50))} | ${fmt(pct(duck, 99))} |`,
    '',
    `Topic statistics for one day (${oneDay}, ${dayStats.period.messages} messages + the previous day as reference): ${topicDayMs.toFixed(0)} ms after the incremental term counts caught up (${topicCatchUp.rows} messages in ${(topicCatchUpMs / 1000).toFixed(1)} s, ingest-time work; 1M-message day: bench/topics/run.ts).`,
    '',
    '<details><summary>per query (p50 ms)</summary>',
    '',
    '| kind | query | hits | ours | pg_trgm | DuckDB ILIKE |',
    '|---|---|---:|---:|---:|---:|',
    ...perQuery.map((r) => `| ${r.kind} | \`${r.q}\` | ${r.total} | ${fmt(r.ours)} | ${fmt(r.pg)} | ${fmt(r.duck)} |`),
    '',
    '</details>',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  if (pgc) {
    await pgc.client.end();
    pgc.stop();
  }
  await db.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
