// Movie bot answer time, in-process (the part of the 200 ms reply budget
// the movie bot spends), over the full catalog: curated films plus every
// KOBIS dump in ../shared/data/kobis. Printed beside the bootcamp baseline
// measured in the same round: one fixed phrasing, exact title equality over
// the same rows, answer as a Python-style list repr. Each round uses a fresh
// bot (no memo), so its first pass is the cold figure.
//   npx tsx bench/bot-reply/movie-answer.ts [--passes 20]
import { benchArgs, benchTempDir, latencySummary, numberArg, repoRoot, runBench } from '../lib/index.ts';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig, type Config } from '../../core/config.ts';
import { Database } from '../../core/db.ts';
import { createMovieBot, importKobisFile } from '../../bots/movie/index.ts';
import { loadMovies } from '../../bots/movie/store.ts';

const args = benchArgs(
  `Usage: npx tsx bench/bot-reply/movie-answer.ts [--passes 20]

Per round: a fresh movie bot answers 17 questions (particles, spacing, typos,
English, a numbered choice, filmographies, an unknown title, small talk)
--passes times; the bootcamp's exact-title lookup answers the same.`,
  { passes: { type: 'string', default: '20' } },
);
const PASSES = numberArg(args.values, 'passes', { min: 1 });
const kobisDir = path.resolve(repoRoot, '..', 'shared', 'data', 'kobis');

const QUESTIONS = [
  '파묘 감독은 누구야?', '기생충에서 누가 나와?', '서울의봄 언제 개봉했어?', '범죄 도시 4 러닝타임', '한산 용의 출현 감독',
  'who directed Parasite?', 'Top Gun Maverick runtime', '파뮤 감독', '기생중 출연진', '서울의 봉 감독은', '범죄도시 감독', '2',
  '봉준호 감독 영화 뭐 있어?', '송강호 나온 영화', '모가디슈 감독', '존재하지않는영화 감독 누구야', '안녕',
];

let config: Config;
let db: Database;
let rows: Awaited<ReturnType<typeof loadMovies>> = [];

async function freshBot() {
  const bot = createMovieBot({ db, config, providers: [] });
  await bot.init();
  return bot;
}

async function measure() {
  const bot = await freshBot();
  const ctx = { userId: 'u_bench', channel: 'bench' };
  const ours: number[] = [];
  for (let r = 0; r < PASSES; r++) {
    for (const q of QUESTIONS) {
      const t = performance.now();
      await bot.answer(q, ctx);
      ours.push(performance.now() - t);
    }
  }
  // the bootcamp bot: `@영화봇 <title>` only, exact string equality, list repr answer
  const baseline: number[] = [];
  let understood = 0;
  for (let r = 0; r < PASSES; r++) {
    for (const q of QUESTIONS) {
      const t = performance.now();
      const hit = rows.filter((m) => m.titleKo === q.trim());
      const reply = hit.length ? `[${hit.map((m) => `('${m.titleKo}', '${m.directors.map((d) => d.ko).join(',')}')`).join(', ')}]` : '[]';
      baseline.push(performance.now() - t);
      if (r === 0 && reply !== '[]') understood++;
    }
  }
  let answered = 0;
  for (const q of QUESTIONS) {
    const a = await bot.answer(q, { userId: 'u_check', channel: 'bench' });
    if (a.handled && !/찾지 못했어요|couldn't find|고를 목록이 없어요|no list/.test(a.text)) answered++;
  }
  const o = latencySummary(ours);
  const cold = latencySummary(ours.slice(0, QUESTIONS.length));
  const b = latencySummary(baseline);
  return { oursP50: o.p50, oursP95: percentile95(ours), oursMax: o.max, coldP50: cold.p50, coldMax: cold.max, answered, baseP50: b.p50, baseP95: percentile95(baseline), baseMax: b.max, baseAnswered: understood };
}

function percentile95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)];
}

await runBench({
  name: 'movie-answer',
  title: `Movie bot answer time (in-process), ${QUESTIONS.length} questions × ${PASSES} passes vs the bootcamp's exact-title lookup`,
  args,
  params: { questions: QUESTIONS.length, passes: PASSES, kobis: fs.existsSync(kobisDir) },
  metrics: {
    ours: {
      oursP50: 'movie bot p50 [ms, 3 digits]',
      oursP95: 'movie bot p95 [ms, 2 digits]',
      oursMax: 'movie bot max [ms, 1 digits]',
      coldP50: 'movie bot, first pass (no memo) p50 [ms, 3 digits]',
      coldMax: 'movie bot, first pass max [ms, 1 digits]',
      answered: 'questions answered (movie bot) [count]',
    },
    baseline: {
      baseP50: 'bootcamp exact title p50 [ms, 3 digits]',
      baseP95: 'bootcamp exact title p95 [ms, 2 digits]',
      baseMax: 'bootcamp exact title max [ms, 1 digits]',
      baseAnswered: 'questions answered (bootcamp) [count]',
    },
  },
  async setup() {
    config = loadConfig({ ...process.env, DATA_DIR: benchTempDir('movie'), KOBIS_API_KEY: '', TMDB_TOKEN: '' });
    db = await Database.open(config.dbPath);
    await (await freshBot()).answer('파묘 감독', { userId: 'u_init', channel: 'bench' }); // creates the catalog tables
    if (fs.existsSync(kobisDir)) {
      for (const f of fs.readdirSync(kobisDir).filter((x) => x.endsWith('.json'))) await importKobisFile(db, path.join(kobisDir, f));
    } else process.stderr.write(`(no ${kobisDir}: measuring the curated catalog only)\n`);
    rows = await loadMovies(db);
    process.stderr.write(`catalog: ${rows.length} films\n`);
  },
  async warmup() {
    await measure();
  },
  round: measure,
  notes: ['The movie bot\'s "unanswered" questions are the unknown title (answered with a suggestion) and a bare `2` with no pending list (answered with a hint).'],
  async teardown() {
    await db.close();
  },
});
