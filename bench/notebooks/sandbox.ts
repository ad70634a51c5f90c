// What the SQL sandbox costs per statement: the same aggregate query over
// 20,000 Korean chat rows run (a) straight on a pooled DuckDB connection
// (baseline: db.all) and (b) through the sandbox (keyword + tree check,
// prepare, READ ONLY transaction, streaming with row cap, JSON-safe rows).
// Also: a whole notebook run (daily-audit.md, 6 sql/plot cells) and its
// server-side HTML export with SVG charts.
//   npx tsx bench/notebooks/sandbox.ts [--rows 20000] [--reps 200]
import { benchArgs, benchTempDir, numberArg, runBench } from '../lib/index.ts';
import { loadConfig } from '../../core/config.ts';
import { Database } from '../../core/db.ts';
import { ensureIngestSchema } from '../../ingest/schema.ts';
import { NotebookService, renderHtml } from '../../audit/notebook/index.ts';

const args = benchArgs(
  `Usage: npx tsx bench/notebooks/sandbox.ts [--rows 20000] [--reps 200]

Mean time of one statement straight on DuckDB (baseline) and through the SQL
sandbox, over --reps repetitions per round; a daily-audit.md notebook run and its
HTML export (20 repetitions each).`,
  { rows: { type: 'string', default: '20000' }, reps: { type: 'string', default: '200' } },
);
const ROWS = numberArg(args.values, 'rows', { min: 100 });
const REPS = numberArg(args.values, 'reps', { min: 10 });
const NB_REPS = 20;
const SQL = "SELECT channel, hour(timezone('Asia/Seoul', ts)) AS h, count(*) AS n FROM messages WHERE nick <> $who GROUP BY ALL ORDER BY 1, 2";

let db: Database;
let svc: NotebookService;

/** mean ms of `reps` sequential calls */
async function mean(fn: () => Promise<unknown>, reps: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  return (performance.now() - t0) / reps;
}

async function notebookOnce(): Promise<{ run: number; html: number }> {
  const { notebook } = svc.store.read('daily-audit');
  const opts = { trigger: 'cli' as const, params: { day: '2024-08-27' }, ephemeral: true };
  const run = await mean(() => svc.run('daily-audit', notebook, opts), NB_REPS);
  const result = await svc.run('daily-audit', notebook, opts);
  const html = await mean(async () => renderHtml(notebook, result), NB_REPS);
  return { run, html };
}

await runBench({
  name: 'notebooks',
  title: `SQL sandbox overhead per statement (${ROWS.toLocaleString('en-US')} rows) and a daily-audit notebook run`,
  args,
  params: { rows: ROWS, reps: REPS, notebookReps: NB_REPS },
  metrics: {
    ours: {
      sandbox: 'one statement through the sandbox, mean [ms]',
      overhead: 'sandbox overhead [ms]',
      notebook: 'daily-audit.md run, 6 cells, mean [ms]',
      html: 'HTML export with 2 SVG charts, mean [ms]',
    },
    baseline: {
      base: 'one statement, db.all, mean [ms]',
    },
  },
  async setup() {
    const config = loadConfig({ ...process.env, DATA_DIR: benchTempDir('notebooks') });
    db = await Database.open(config.dbPath);
    await ensureIngestSchema(db);
    const words = ['회의는', '회의를', '배포가', '배포를', '점심', '장애가', '카프카에서', '오늘', '내일', '확인했어요'];
    await db.run(
      `INSERT INTO messages (id, channel, user_id, nick, type, text, ts, ts_ms, kafka_topic, kafka_partition, kafka_offset, ingested_at, source, meta)
       SELECT 'm' || i, ['general','dev','ops'][1 + i % 3], 'u' || (i % 17), '사용자' || (i % 17), 'message',
              $w[1 + i % 10] || ' ' || $w[1 + (i * 7) % 10], TIMESTAMPTZ '2024-08-27 00:00:00+09' + to_seconds(i * 4), 0, 'chat.events', 0, i,
              TIMESTAMPTZ '2024-08-27 00:00:00+09' + to_seconds(i * 4 + 1), 'kafka', '{}'
       FROM range(?) t(i)`.replace(/\$w/g, `[${words.map((w) => `'${w}'`).join(',')}]`),
      [ROWS],
    );
    svc = await NotebookService.open(config, db);
  },
  async warmup() {
    await mean(() => db.all(SQL, { who: '없음' }), 10);
    await mean(() => svc.sandbox.query(SQL, { who: '없음' }), 10);
    await notebookOnce();
  },
  async round() {
    // alternate the two, so a change of machine load hits both alike
    let base = 0;
    let box = 0;
    for (let i = 0; i < 10; i++) {
      base += await mean(() => db.all(SQL, { who: '없음' }), REPS / 10);
      box += await mean(() => svc.sandbox.query(SQL, { who: '없음' }), REPS / 10);
    }
    const nb = await notebookOnce();
    return { base: base / 10, sandbox: box / 10, overhead: (box - base) / 10, notebook: nb.run, html: nb.html };
  },
  async teardown() {
    svc.close();
    await db.close();
  },
});
