// `kchat movies import`: every shared KOBIS dump loads with counts that
// match the data, re-import updates instead of duplicating, other dump
// shapes of the same API load, bad records are rejected with a reason, and
// curated films keep their facts. Then the bot answers from imported films.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../core/config.ts';
import { Database } from '../core/db.ts';
import { createMovieBot, importKobisFile } from '../bots/movie/index.ts';
import { loadCurated } from '../bots/movie/catalog.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const kobisDir = path.resolve(repoRoot, '..', 'shared', 'data', 'kobis');
const haveData = fs.existsSync(kobisDir);
const skip = haveData ? false : `shared data folder ${kobisDir} is absent`;

let dir: string;
let db: Database;
const config = () => loadConfig({ DATA_DIR: dir } as NodeJS.ProcessEnv);

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-movie-import-'));
  db = await Database.open(config().dbPath);
});
after(async () => {
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const count = async (sql: string, params: unknown[] = []) => (await db.one<{ n: number }>(sql, params))?.n ?? -1;

describe('KOBIS dumps from ../shared/data/kobis', { skip }, () => {
  const files = haveData ? fs.readdirSync(kobisDir).filter((f) => f.endsWith('.json')).sort() : [];
  const curated = loadCurated();
  const curatedCodes = new Set(curated.map((m) => m.kobisCd).filter(Boolean));

  test('every file imports: read = records in the file, nothing lost', async () => {
    assert.ok(files.length >= 8, 'the shared folder holds the 2015–2022 dumps');
    let expectedRows = 0;
    for (const f of files) {
      const records = JSON.parse(fs.readFileSync(path.join(kobisDir, f), 'utf8')) as { movieCd: string }[];
      const report = await importKobisFile(db, path.join(kobisDir, f));
      assert.equal(report.format, 'array', f);
      assert.equal(report.read, records.length, `${f}: read`);
      assert.equal(report.rejected.length, 0, `${f}: ${JSON.stringify(report.rejected.slice(0, 3))}`);
      assert.equal(report.updated, 0, `${f}: first import only inserts`);
      const linked = records.filter((r) => curatedCodes.has(r.movieCd)).length;
      assert.ok(report.curated >= linked, `${f}: films linked to curated entries stay curated`);
      assert.equal(report.imported + report.curated, records.length, `${f}: imported + kept curated = read`);
      expectedRows += report.imported;
    }
    assert.equal(await count("SELECT count(*) AS n FROM movies WHERE source = 'kobis'"), expectedRows);
    assert.equal(await count("SELECT count(*) AS n FROM movies WHERE source = 'curated'"), curated.length);
    // directors of imported films land in movie_people
    assert.equal(await count("SELECT count(*) AS n FROM movie_people WHERE movie_id = 'k:20204117' AND role = 'director' AND name_ko = '류승완'"), 1);
  });

  test('re-importing a file updates, never duplicates', async () => {
    const before = await count('SELECT count(*) AS n FROM movies');
    const f = path.join(kobisDir, files[0]);
    const report = await importKobisFile(db, f);
    assert.equal(report.imported, 0);
    assert.equal(report.updated + report.curated, report.read);
    assert.equal(await count('SELECT count(*) AS n FROM movies'), before);
  });

  test('curated facts win over KOBIS for the same film', async () => {
    assert.equal(await count("SELECT count(*) AS n FROM movies WHERE kobis_cd = '20183782'"), 1, '기생충 exists once');
    const row = await db.one<{ source: string; year: number }>("SELECT source, year FROM movies WHERE kobis_cd = '20183782'");
    assert.equal(row?.source, 'curated');
  });

  test('the bot answers from imported films', async () => {
    const bot = createMovieBot({ db, config: config(), providers: [] });
    await bot.init();
    const ctx = { userId: 'u1', channel: 'general' };
    assert.equal((await bot.answer('모가디슈 감독은 누구야?', ctx)).text, '모가디슈(2021)의 감독은 류승완입니다.');
    assert.equal((await bot.answer('비상선언 언제 개봉했어', ctx)).text, '비상선언(2022)은 2022년 8월 3일에 개봉했습니다.');
    assert.equal((await bot.answer('공조 출연진', ctx)).text, '공조(2017)는 출연진 정보가 없어요.');
    // a curated title keeps answering with its curated facts even with namesakes imported (헌트 2013/2020 US films)
    assert.equal((await bot.answer('헌트 감독', ctx)).text, '헌트(2022)의 감독은 이정재입니다.');
    assert.match((await bot.answer('류승완 감독 영화', ctx)).text, /모가디슈\(2021\)/);
    assert.match((await bot.answer('어벤져스 감독', ctx)).text, /^여러 편이 있어요: .*어벤져스: 인피니티 워\(2018\).*어벤져스: 엔드게임\(2019\)/);
  });
});

describe('other dump shapes and bad input', () => {
  const write = (name: string, body: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, body);
    return f;
  };
  const rec = (cd: string, nm: string, extra: Record<string, unknown> = {}) => ({
    movieCd: cd, movieNm: nm, movieNmEn: '', prdtYear: '2020', openDt: '20200101', typeNm: '장편', prdtStatNm: '개봉',
    nationAlt: '한국', genreAlt: '드라마', repNationNm: '한국', repGenreNm: '드라마', directors: [{ peopleNm: '홍길동' }], companys: [], ...extra,
  });

  test('a searchMovieList response', async () => {
    const f = write('list.json', JSON.stringify({ movieListResult: { totCnt: 2, source: '영화진흥위원회', movieList: [rec('99000001', '테스트영화 하나'), rec('99000002', '테스트영화 둘')] } }));
    const r = await importKobisFile(db, f);
    assert.deepEqual([r.format, r.read, r.imported, r.rejected.length], ['searchMovieList', 2, 2, 0]);
  });

  test('JSON lines with a broken line and records missing fields', async () => {
    const lines = [JSON.stringify(rec('99000003', '줄단위 영화')), '{"movieCd": "9900', JSON.stringify(rec('', '코드없음')), JSON.stringify(rec('99000004', '')), JSON.stringify(rec('99000005', '날짜이상', { openDt: '2020/13' })), ''];
    const r = await importKobisFile(db, write('dump.jsonl', lines.join('\n')));
    assert.equal(r.format, 'jsonl');
    assert.equal(r.read, 5);
    assert.equal(r.imported, 1);
    assert.deepEqual(
      r.rejected.map((x) => x.line),
      [2, 3, 4, 5],
    );
    assert.match(r.rejected[0].reason, /invalid JSON/);
    assert.match(r.rejected[1].reason, /missing movieCd/);
    assert.match(r.rejected[2].reason, /missing movieNm/);
    assert.match(r.rejected[3].reason, /openDt "2020\/13" is not YYYYMMDD/);
  });

  test('a movieInfo detail fills cast and runtime', async () => {
    const body = fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'kobis-api', 'searchMovieInfo-20204117.json'), 'utf8');
    const r = await importKobisFile(db, write('info.json', body));
    assert.deepEqual([r.format, r.read, r.imported + r.updated], ['movieInfo', 1, 1]);
    const row = await db.one<{ runtime: number }>("SELECT runtime FROM movies WHERE id = 'k:20204117'");
    assert.equal(row?.runtime, 121);
    assert.equal(await count("SELECT count(*) AS n FROM movie_people WHERE movie_id = 'k:20204117' AND role = 'cast'"), 4);
  });

  test('not a KOBIS document, not JSON, missing file: a clear reason and nothing written', async () => {
    const before = await count('SELECT count(*) AS n FROM movies');
    const fault = await importKobisFile(db, path.join(repoRoot, 'test', 'fixtures', 'kobis-api', 'fault-invalid-key.json'));
    assert.equal(fault.format, 'unknown');
    assert.match(fault.rejected[0].reason, /KOBIS error 320010/);
    const csv = await importKobisFile(db, write('x.csv', 'movieCd,movieNm\n1,a\n'));
    assert.match(csv.rejected[0].reason, /not JSON/);
    const missing = await importKobisFile(db, path.join(dir, 'nope.json'));
    assert.match(missing.rejected[0].reason, /cannot read file: ENOENT/);
    assert.equal(await count('SELECT count(*) AS n FROM movies'), before);
  });
});
