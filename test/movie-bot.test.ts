// The movie bot end to end over a real DuckDB file: seeding, questions in
// Korean and English, the numbered choice flow (per user and channel,
// expiring), unknown titles and small talk.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../core/config.ts';
import { Database } from '../core/db.ts';
import { createMovieBot, movieHelp, type MovieBot } from '../bots/movie/index.ts';
import { loadCurated } from '../bots/movie/catalog.ts';

let dir: string;
let db: Database;
let bot: MovieBot;
let clock = Date.now();
const alice = { userId: 'u_alice', channel: 'general' };
const bob = { userId: 'u_bob', channel: 'general' };
const ask = async (q: string, ctx = alice) => (await bot.answer(q, ctx)).text;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-movie-'));
  const config = loadConfig({ DATA_DIR: dir } as NodeJS.ProcessEnv);
  db = await Database.open(config.dbPath);
  bot = createMovieBot({ db, config, providers: [], now: () => clock });
  await bot.init();
  await bot.init(); // idempotent: seeding twice keeps one row per film
});

after(async () => {
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('movie bot', () => {
  test('seeds the curated catalog into movies and movie_people once', async () => {
    const curated = loadCurated();
    const row = await db.one<{ n: number }>("SELECT count(*) AS n FROM movies WHERE source = 'curated'");
    assert.equal(row?.n, curated.length);
    const people = await db.one<{ n: number }>("SELECT count(*) AS n FROM movie_people WHERE movie_id = 'c:exhuma'");
    assert.equal(people?.n, 5, '1 director + 4 cast');
  });

  test('answers the issue examples', async () => {
    assert.equal(await ask('파묘 감독은 누구야?'), '파묘(2024)의 감독은 장재현입니다.');
    assert.equal(await ask('기생충에서 누가 나와?'), '기생충(2019)에는 송강호, 이선균, 조여정, 최우식, 박소담 등이 출연합니다.');
    assert.equal(await ask('Who directed Parasite?'), 'Parasite (2019) was directed by Bong Joon-ho.');
  });

  test('more Korean phrasings', async () => {
    assert.equal(await ask('서울의봄 언제 개봉했어?'), '서울의 봄(2023)은 2023년 11월 22일에 개봉했습니다.');
    assert.equal(await ask('범죄 도시 4 러닝타임 알려줘'), '범죄도시4(2024)의 상영시간은 109분 (1시간 49분)입니다.');
    assert.equal(await ask('헤어질결심 장르가 뭐야'), '헤어질 결심(2022)의 장르는 미스터리, 멜로/로맨스입니다.');
    assert.equal(await ask('곡성은 어느 나라 영화야?'), '곡성(2016)은 한국·미국 합작 영화입니다.');
    assert.equal(await ask('미나리 누가 연출했어'), '미나리(2020)의 감독은 정이삭입니다.');
    assert.equal(await ask('엑시트 감독이랑 출연진'), '엑시트(2019)의 감독은 이상근입니다. 엑시트(2019)에는 조정석, 임윤아, 고두심, 박인환 등이 출연합니다.');
    assert.equal(await ask('기생충에 송강호 나와?'), '네, 송강호는 기생충(2019)에 출연합니다.');
    assert.match(await ask('파묘'), /^파묘\(2024\): 감독 장재현/);
  });

  test('typos and English', async () => {
    assert.equal(await ask('파뮤 감독'), '파묘(2024)의 감독은 장재현입니다.');
    assert.equal(await ask('서울의 봉 누가 만들었어?'), '서울의 봄(2023)의 감독은 김성수입니다.');
    assert.equal(await ask('how long is Top Gun Maverick?'), 'Top Gun: Maverick (2022) runs 130 minutes.');
    assert.equal(await ask("who's in train to busan"), 'Train to Busan (2016) stars Gong Yoo, Jung Yu-mi, Ma Dong-seok, Kim Su-an, Kim Eui-sung.');
  });

  test('filmographies', async () => {
    assert.equal(await ask('봉준호 감독 영화 뭐 있어?'), '봉준호 감독의 영화: 살인의 추억(2003), 괴물(2006), 기생충(2019).');
    assert.equal(await ask('김한민 감독 작품'), '김한민 감독의 영화: 명량(2014), 한산: 용의 출현(2022), 노량: 죽음의 바다(2023).');
    assert.match(await ask('마동석 나온 영화'), /^마동석이 출연한 영화: 범죄도시\(2017\), 부산행\(2016\)|^마동석이 출연한 영화: 부산행\(2016\), 범죄도시\(2017\)/);
    assert.equal(await ask('films by Christopher Nolan'), 'Films directed by Christopher Nolan: Interstellar (2014), Oppenheimer (2023).');
  });

  test('several matches → numbered choice, `2` answers the pending question', async () => {
    const prompt = await ask('범죄도시 감독 누구야?');
    assert.equal(prompt, '여러 편이 있어요: 1. 범죄도시(2017) 2. 범죄도시2(2022) 3. 범죄도시3(2023) 4. 범죄도시4(2024) — `@bot 2`처럼 번호로 골라 주세요.');
    // bob has no pending list in this channel; alice's list is hers
    assert.match(await ask('2', bob), /no list to pick from/);
    assert.match(await ask('2번', { userId: 'u_alice', channel: 'random' }), /고를 목록이 없어요/);
    assert.equal(await ask('4번'), '범죄도시4(2024)의 감독은 허명행입니다.');
    assert.equal(await ask('2'), '범죄도시2(2022)의 감독은 이상용입니다.');
    assert.equal(await ask('9'), '1부터 4 사이의 번호로 골라 주세요.');
    assert.match(await ask('베테랑 출연진'), /1\. 베테랑\(2015\) 2\. 베테랑2\(2024\)/);
    assert.equal(await ask('2'), '베테랑2(2024)에는 황정민, 정해인, 장윤주, 오대환 등이 출연합니다.');
    assert.match(await ask('Along with the Gods runtime'), /^Several films match: 1\. Along with the Gods: The Two Worlds \(2017\) 2\. /);
    assert.equal(await ask('1'), 'Along with the Gods: The Two Worlds (2017) runs 139 minutes.');
  });

  test('a pending choice expires after a few minutes', async () => {
    assert.match(await ask('신과함께 감독'), /여러 편이 있어요/);
    clock += 6 * 60_000;
    assert.match(await ask('1번'), /고를 목록이 없어요/);
  });

  test('unknown titles get a helpful answer, small talk is left to the runtime', async () => {
    const unknown = await bot.answer('존재하지않는영화제목 감독 누구야?', alice);
    assert.equal(unknown.handled, true);
    assert.match(unknown.text, /^'존재하지않는영화제목'이라는 영화는 찾지 못했어요\./);
    const near = await ask('기셍츙츙 감독');
    assert.match(near, /찾지 못했어요\. 혹시 .*기생충\(2019\)/);
    assert.match(await ask('감독 누구야?'), /제목을 함께 적어 주세요/);
    assert.match(await ask('who directed Foobarbaz Quux?'), /^I couldn't find a film called "Foobarbaz Quux"/);
    for (const q of ['안녕', '오늘 점심 뭐 먹지', 'hello', '   ']) assert.equal((await bot.answer(q, alice)).handled, false, q);
  });

  test('hostile or huge input never throws', async () => {
    for (const q of ["'; DROP TABLE movies; -- 감독", '\u0000\udc80파묘 감독', '가'.repeat(5000) + ' 감독', '💥'.repeat(300)]) {
      const a = await bot.answer(q, alice);
      assert.equal(typeof a.text, 'string');
      assert.doesNotMatch(a.text, /Error|at .*\.ts/);
    }
    assert.equal((await db.one<{ n: number }>('SELECT count(*) AS n FROM movies'))?.n, loadCurated().length);
  });

  test('help lines are real questions the bot answers', async () => {
    for (const line of [...movieHelp.ko, ...movieHelp.en]) {
      const a = await bot.answer(line.replace(/^@bot\s+/, ''), alice);
      assert.equal(a.handled, true, line);
      assert.doesNotMatch(a.text, /찾지 못했어요|couldn't find|여러 편/, line);
    }
  });
});
