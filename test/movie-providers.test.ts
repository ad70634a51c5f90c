// Live providers against loopback servers replaying recorded KOBIS and TMDB
// responses: they fill what the catalog lacks, cache (memory + DuckDB),
// and on timeout or HTTP 500 the bot still answers from its catalog.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../core/config.ts';
import { Database } from '../core/db.ts';
import { createMovieBot, providersFromConfig } from '../bots/movie/index.ts';
import { ApiCache } from '../bots/movie/providers/cache.ts';
import { createKobisProvider } from '../bots/movie/providers/kobis.ts';
import { createTmdbProvider } from '../bots/movie/providers/tmdb.ts';
import { ensureMovieSchema } from '../bots/movie/store.ts';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (p: string) => fs.readFileSync(path.join(fixtures, p), 'utf8');

type Mode = 'ok' | 'hang' | 'error';
interface Replay {
  url: string;
  mode: Mode;
  requests: string[];
  close(): Promise<void>;
}

/** A loopback API that answers recorded bodies by path, or hangs, or fails with 500. */
async function replay(routes: (u: URL, req: http.IncomingMessage) => string | null): Promise<Replay> {
  const hanging = new Set<http.ServerResponse>();
  const state: Replay = { url: '', mode: 'ok', requests: [], close: async () => undefined };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    state.requests.push(u.pathname + u.search);
    if (state.mode === 'hang') {
      hanging.add(res);
      return;
    }
    if (state.mode === 'error') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      return;
    }
    const body = routes(u, req);
    if (body === null) res.writeHead(404, { 'content-type': 'application/json' }).end('{"status_code":34,"status_message":"The resource you requested could not be found."}');
    else res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return state;
}

let dir: string;
let db: Database;
let kobis: Replay;
let tmdb: Replay;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-movie-prov-'));
  db = await Database.open(path.join(dir, 'kchat.duckdb'));
  await ensureMovieSchema(db);
  kobis = await replay((u) => {
    if (u.searchParams.get('key') !== 'test-kobis-key') return fixture('kobis-api/fault-invalid-key.json');
    if (u.pathname.endsWith('/searchMovieList.json') && u.searchParams.get('movieNm') === '모가디슈') return fixture('kobis-api/searchMovieList-moga.json');
    if (u.pathname.endsWith('/searchMovieInfo.json') && u.searchParams.get('movieCd') === '20204117') return fixture('kobis-api/searchMovieInfo-20204117.json');
    if (u.pathname.endsWith('/searchMovieList.json')) return '{"movieListResult":{"totCnt":0,"source":"영화진흥위원회","movieList":[]}}';
    return null;
  });
  tmdb = await replay((u, req) => {
    if (req.headers.authorization !== 'Bearer test-tmdb-token') return '{"status_code":7,"status_message":"Invalid API key"}';
    if (u.searchParams.get('language') !== 'ko-KR') return null;
    if (u.pathname === '/3/search/movie' && u.searchParams.get('query') === '듄') return fixture('tmdb/search-dune.json');
    if (u.pathname === '/3/search/movie') return '{"page":1,"results":[],"total_pages":0,"total_results":0}';
    if (u.pathname === '/3/movie/438631') return fixture('tmdb/movie-438631.json');
    if (u.pathname === '/3/movie/438631/credits') return fixture('tmdb/credits-438631.json');
    return null;
  });
});

after(async () => {
  await kobis.close();
  await tmdb.close();
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) =>
  loadConfig({ DATA_DIR: dir, KOBIS_API_KEY: 'test-kobis-key', KOBIS_BASE_URL: kobis.url, TMDB_TOKEN: 'test-tmdb-token', TMDB_BASE_URL: tmdb.url, MOVIE_PROVIDER_TIMEOUT_MS: '300', ...extra } as NodeJS.ProcessEnv);
const ctx = { userId: 'u1', channel: 'general' };

describe('KOBIS provider', () => {
  test('search and details parse the recorded responses; the key never reaches the cache key', async () => {
    const cache = new ApiCache(db, 60_000);
    const p = createKobisProvider({ apiKey: 'test-kobis-key', baseUrl: kobis.url, timeoutMs: 1000, cache });
    const [hit] = await p.search('모가디슈');
    assert.equal(hit.kobisCd, '20204117');
    assert.equal(hit.directors[0].ko, '류승완');
    const full = await p.details(hit);
    assert.equal(full?.runtime, 121);
    assert.deepEqual(full?.cast.map((c) => c.ko), ['김윤석', '조인성', '허준호', '구교환']);
    const keys = await db.all<{ key: string }>("SELECT key FROM movie_api_cache WHERE provider = 'kobis'");
    assert.ok(keys.length >= 2);
    assert.ok(keys.every((k) => !k.key.includes('test-kobis-key')));
  });

  test('a KOBIS fault (bad key) is an error naming KOBIS', async () => {
    const p = createKobisProvider({ apiKey: 'wrong', baseUrl: kobis.url, timeoutMs: 1000, cache: new ApiCache(null, 60_000) });
    await assert.rejects(p.search('모가디슈'), /KOBIS error 320010/);
  });
});

describe('TMDB provider', () => {
  test('search + movie + credits in Korean with the bearer token', async () => {
    const p = createTmdbProvider({ token: 'test-tmdb-token', baseUrl: tmdb.url, timeoutMs: 1000, cache: new ApiCache(null, 60_000) });
    const [dune] = await p.search('듄');
    assert.equal(dune.titleKo, '듄');
    assert.equal(dune.titleEn, 'Dune');
    const full = await p.details(dune);
    assert.deepEqual(full?.directors, [{ ko: '드니 빌뇌브', en: 'Denis Villeneuve' }]);
    assert.equal(full?.runtime, 155);
    assert.deepEqual(full?.countries, ['미국']);
    assert.equal(full?.cast[0].ko, '티모시 샬라메');
  });
});

describe('the bot with providers', () => {
  test('a film missing from the catalog is found through the providers', async () => {
    const bot = createMovieBot({ db, config: env() });
    await bot.init();
    assert.equal((await bot.answer('모가디슈 감독 누구야?', ctx)).text, '모가디슈(2021)의 감독은 류승완입니다.');
    assert.equal((await bot.answer('모가디슈에 누가 나와?', ctx)).text, '모가디슈(2021)에는 김윤석, 조인성, 허준호, 구교환 등이 출연합니다.');
    // not in KOBIS → TMDB
    assert.equal((await bot.answer('듄 러닝타임', ctx)).text, '듄(2021)의 상영시간은 155분 (2시간 35분)입니다.');
    assert.equal((await bot.answer('who directed 듄?', ctx)).text, '듄(2021)의 감독은 드니 빌뇌브입니다.');
  });

  test('answers are cached: asking again makes no new request, even after a restart (DuckDB cache)', async () => {
    const before = kobis.requests.length + tmdb.requests.length;
    const bot = createMovieBot({ db, config: env() });
    await bot.init();
    assert.equal((await bot.answer('모가디슈 출연진', ctx)).text, '모가디슈(2021)에는 김윤석, 조인성, 허준호, 구교환 등이 출연합니다.');
    assert.equal((await bot.answer('듄 러닝타임', ctx)).text, '듄(2021)의 상영시간은 155분 (2시간 35분)입니다.');
    assert.equal(kobis.requests.length + tmdb.requests.length, before);
  });

  test('timeout → answer from the catalog, no exception text', async () => {
    kobis.mode = 'hang';
    tmdb.mode = 'hang';
    try {
      const bot = createMovieBot({ db, config: env({ MOVIE_CACHE_TTL_SECONDS: '0' }) });
      await bot.init();
      assert.equal((await bot.answer('파묘 감독', ctx)).text, '파묘(2024)의 감독은 장재현입니다.', 'catalog facts need no provider');
      const missing = await bot.answer('아가씨 러닝타임', ctx);
      assert.equal(missing.text, '아가씨(2016)는 상영시간 정보가 없어요.');
      const unknown = await bot.answer('모가디슈 감독', ctx);
      assert.match(unknown.text, /^'모가디슈'라는 영화는 찾지 못했어요/);
    } finally {
      kobis.mode = 'ok';
      tmdb.mode = 'ok';
    }
  });

  test('HTTP 500 → answer from the catalog', async () => {
    kobis.mode = 'error';
    tmdb.mode = 'error';
    try {
      const bot = createMovieBot({ db, config: env({ MOVIE_CACHE_TTL_SECONDS: '0' }) });
      await bot.init();
      assert.equal((await bot.answer('아가씨 러닝타임', ctx)).text, '아가씨(2016)는 상영시간 정보가 없어요.');
      assert.match((await bot.answer('비상선언2 감독', ctx)).text, /찾지 못했어요/);
    } finally {
      kobis.mode = 'ok';
      tmdb.mode = 'ok';
    }
  });

  test('no keys configured → no providers', () => {
    assert.equal(providersFromConfig(loadConfig({ DATA_DIR: dir } as NodeJS.ProcessEnv), null).length, 0);
    assert.deepEqual(providersFromConfig(env(), null).map((p) => p.name), ['kobis', 'tmdb']);
  });
});
