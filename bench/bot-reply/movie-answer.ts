// Movie bot answer time, in-process (the part of the 200 ms reply budget
// the movie bot spends), over the full catalog: curated films plus every
// KOBIS dump in ../shared/data/kobis. Printed beside the bootcamp baseline
// measured in the same run: one fixed phrasing, exact title equality over
// the same rows, answer as a Python-style list repr.
//   npx tsx bench/bot-reply/movie-answer.ts [--rounds 20]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../../core/config.ts';
import { Database } from '../../core/db.ts';
import { createMovieBot, importKobisFile } from '../../bots/movie/index.ts';
import { loadMovies } from '../../bots/movie/store.ts';

process.env.LOG_LEVEL ??= 'warn';
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 20;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const kobisDir = path.resolve(repoRoot, '..', 'shared', 'data', 'kobis');

const QUESTIONS = [
  '파묘 감독은 누구야?', '기생충에서 누가 나와?', '서울의봄 언제 개봉했어?', '범죄 도시 4 러닝타임', '한산 용의 출현 감독',
  'who directed Parasite?', 'Top Gun Maverick runtime', '파뮤 감독', '기생중 출연진', '서울의 봉 감독은', '범죄도시 감독', '2',
  '봉준호 감독 영화 뭐 있어?', '송강호 나온 영화', '모가디슈 감독', '존재하지않는영화 감독 누구야', '안녕',
];

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-bench-movie-'));
const config = loadConfig({ ...process.env, DATA_DIR: dir, KOBIS_API_KEY: '', TMDB_TOKEN: '' });
const db = await Database.open(config.dbPath);
try {
  const bot = createMovieBot({ db, config, providers: [] });
  await bot.init();
  if (fs.existsSync(kobisDir)) {
    for (const f of fs.readdirSync(kobisDir).filter((x) => x.endsWith('.json'))) await importKobisFile(db, path.join(kobisDir, f));
  } else console.error(`(no ${kobisDir}: measuring the curated catalog only)`);
  const rows = await loadMovies(db);
  const ctx = { userId: 'u_bench', channel: 'bench' };
  await bot.answer('파묘 감독', ctx); // reload the index after the imports (not timed)

  const ours: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const q of QUESTIONS) {
      const t = performance.now();
      await bot.answer(q, ctx);
      ours.push(performance.now() - t);
    }
  }

  // Bootcamp baseline: `@영화봇 <title>` only, exact string equality, list repr answer.
  const baseline: number[] = [];
  let understood = 0;
  for (let r = 0; r < rounds; r++) {
    for (const q of QUESTIONS) {
      const t = performance.now();
      const hit = rows.filter((m) => m.titleKo === q.trim());
      const reply = hit.length ? `[${hit.map((m) => `('${m.titleKo}', '${m.directors.map((d) => d.ko).join(',')}')`).join(', ')}]` : '[]';
      baseline.push(performance.now() - t);
      if (r === 0 && reply !== '[]') understood++;
    }
  }
  let oursUnderstood = 0;
  for (const q of QUESTIONS) {
    const a = await bot.answer(q, { userId: 'u_check', channel: 'bench' });
    if (a.handled && !/찾지 못했어요|couldn't find|고를 목록이 없어요|no list/.test(a.text)) oursUnderstood++;
  }

  console.log(`movie bot answer time over ${rows.length} films, ${QUESTIONS.length} questions × ${rounds} rounds`);
  console.log(`  ours (free Korean/English, typos, choices): p50 ${fmt(pct(ours, 50))}  p95 ${fmt(pct(ours, 95))}  max ${fmt(Math.max(...ours))}  — answered ${oursUnderstood}/${QUESTIONS.length}`);
  const cold = ours.slice(0, QUESTIONS.length);
  console.log(`  ours, first round only (no memo): p50 ${fmt(pct(cold, 50))}  max ${fmt(Math.max(...cold))}`);
  console.log(`  baseline (bootcamp exact title, list repr): p50 ${fmt(pct(baseline, 50))}  p95 ${fmt(pct(baseline, 95))}  max ${fmt(Math.max(...baseline))}  — answered ${understood}/${QUESTIONS.length}`);
} finally {
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
