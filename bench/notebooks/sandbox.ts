// What the SQL sandbox costs per statement: the same aggregate query over
// 20 000 Korean chat rows run (a) straight on a pooled DuckDB connection
// (baseline: db.all) and (b) through the sandbox (keyword + tree check,
// prepare, READ ONLY transaction, streaming with row cap, JSON-safe rows).
// Also: a whole notebook run (daily-audit.md, 6 sql/plot cells) and its
// server-side HTML export with SVG charts.
//   npx tsx bench/notebooks/sandbox.ts [rows=20000] [reps=200]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../core/config.ts';
import { Database } from '../../core/db.ts';
import { INGEST_SCHEMA } from '../../ingest/schema.ts';
import { NotebookService, renderHtml, SHIPPED_NOTEBOOKS } from '../../audit/notebook/index.ts';

const ROWS = Number(process.argv[2] ?? 20000);
const REPS = Number(process.argv[3] ?? 200);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-bench-nb-'));
const config = loadConfig({ ...process.env, DATA_DIR: dataDir });
const db = await Database.open(config.dbPath);
await db.ensureSchema(INGEST_SCHEMA);
const words = ['회의는', '회의를', '배포가', '배포를', '점심', '장애가', '카프카에서', '오늘', '내일', '확인했어요'];
await db.run(
  `INSERT INTO messages (id, channel, user_id, nick, type, text, search_text, ts, ts_ms, kafka_topic, kafka_partition, kafka_offset, ingested_at, source, meta)
   SELECT 'm' || i, ['general','dev','ops'][1 + i % 3], 'u' || (i % 17), '사용자' || (i % 17), 'message',
          $w[1 + i % 10] || ' ' || $w[1 + (i * 7) % 10], '', TIMESTAMPTZ '2024-08-27 00:00:00+09' + to_seconds(i * 4), 0, 'chat.events', 0, i,
          TIMESTAMPTZ '2024-08-27 00:00:00+09' + to_seconds(i * 4 + 1), 'kafka', '{}'
   FROM range(?) t(i)`.replace(/\$w/g, `[${words.map((w) => `'${w}'`).join(',')}]`),
  [ROWS],
);
const svc = await NotebookService.open(config, db);
const SQL = "SELECT channel, hour(timezone('Asia/Seoul', ts)) AS h, count(*) AS n FROM messages WHERE nick <> $who GROUP BY ALL ORDER BY 1, 2";

async function time(label: string, fn: () => Promise<unknown>, reps = REPS): Promise<number> {
  for (let i = 0; i < 5; i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  const ms = (performance.now() - t0) / reps;
  return ms;
}

const base = await time('baseline', () => db.all(SQL, { who: '없음' }));
const box = await time('sandbox', () => svc.sandbox.query(SQL, { who: '없음' }));
const { notebook } = svc.store.read('daily-audit');
const nbRun = await time('notebook', () => svc.run('daily-audit', notebook, { trigger: 'cli', params: { day: '2024-08-27' }, ephemeral: true }), 20);
const run = await svc.run('daily-audit', notebook, { trigger: 'cli', params: { day: '2024-08-27' }, ephemeral: true });
const html = await time('html', async () => renderHtml(notebook, run), 20);
console.log(`rows=${ROWS} reps=${REPS} (notebooks from ${path.relative(process.cwd(), SHIPPED_NOTEBOOKS)})`);
console.log(`query per statement   baseline db.all: ${base.toFixed(2)} ms   sandbox: ${box.toFixed(2)} ms   overhead: ${(box - base).toFixed(2)} ms (${((box / base - 1) * 100).toFixed(0)}%)`);
console.log(`daily-audit.md run (6 cells): ${nbRun.toFixed(1)} ms   HTML export with 2 SVG charts: ${html.toFixed(1)} ms`);
svc.close();
await db.close();
fs.rmSync(dataDir, { recursive: true, force: true });
