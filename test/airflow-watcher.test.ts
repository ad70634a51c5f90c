// The Airflow REST watcher against a loopback fake that replays recorded
// v1 (Airflow 2, basic auth) and v2 (Airflow 3, /auth/token) responses.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEnvelope, type Envelope } from '../core/envelope.ts';
import { LocalClaimer } from '../bots/runtime/claims.ts';
import { SYSTEM_BOT } from '../bots/system/airflow.ts';
import { JOB_EVENTS_SCHEMA, jobObserver } from '../bots/system/jobs.ts';
import { AirflowClient, AirflowWatcher, parseDeadlines } from '../bots/system/watcher.ts';
import { botEnv, seoul, type BotEnv } from './helpers/bots.ts';
import { repoRoot } from './helpers/server.ts';

const FIX = path.join(repoRoot, 'test', 'fixtures', 'airflow');
const fixture = (v: string, name: string) => fs.readFileSync(path.join(FIX, v, name), 'utf8');

interface Fake {
  url: string;
  requests: { method: string; path: string; auth: string | undefined }[];
  close(): Promise<void>;
}

/** Replays the recorded responses; checks credentials the way Airflow does. */
async function fakeAirflow(): Promise<Fake> {
  const token = JSON.parse(fixture('v2', 'token.json')).access_token as string;
  const requests: Fake['requests'] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    requests.push({ method: req.method!, path: url.pathname, auth: req.headers.authorization });
    const send = (status: number, body: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (url.pathname === '/auth/token' && req.method === 'POST') {
        const b = JSON.parse(body || '{}');
        return b.username === 'ops' && b.password === 'pw' ? send(201, fixture('v2', 'token.json')) : send(401, '{"detail":"Invalid credentials"}');
      }
      const m = /^\/api\/(v1|v2)\/dags\/([^/]+)\/dagRuns$/.exec(url.pathname);
      if (!m) return send(404, '{"detail":"Not Found"}');
      const ok = m[1] === 'v1' ? req.headers.authorization === 'Basic ' + Buffer.from('ops:pw').toString('base64') : req.headers.authorization === `Bearer ${token}`;
      if (!ok) return send(401, fixture('v1', 'unauthorized.json'));
      if (!url.searchParams.get('end_date_gte') && !url.searchParams.get('start_date_gte')) return send(400, '{"detail":"missing filter"}');
      send(200, fixture(m[1], m[2] === '~' ? 'dagRuns.json' : `dagRuns_${decodeURIComponent(m[2])}.json`));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => new Promise((r) => server.close(() => r())) };
}

for (const version of ['v1', 'v2'] as const) {
  describe(`Airflow watcher (${version} API)`, () => {
    let fake: Fake;
    let env: BotEnv;
    const posted: Envelope[] = [];
    let watcher: AirflowWatcher;
    before(async () => {
      fake = await fakeAirflow();
      env = await botEnv({}, seoul(2024, 9, 2, 23, 0)); // the watcher was switched on Monday 23:00 KST
      await env.db.ensureSchema(JOB_EVENTS_SCHEMA);
      const { deadlines, problems } = parseDeadlines(JSON.stringify([{ dag_id: 'kchat_daily_parquet', by: '07:30', days: '평일' }, { dag_id: 'team4_toparquet', by: '06:00', days: '주말' }]));
      assert.deepEqual(problems, []);
      watcher = new AirflowWatcher({
        client: new AirflowClient({ apiUrl: `${fake.url}/api/${version}`, user: 'ops', password: 'pw' }),
        db: env.db,
        claimer: new LocalClaimer(),
        publish: async (e) => void posted.push(e),
        tz: 'Asia/Seoul',
        deadlines,
        callbackGraceMinutes: 15,
        now: env.clock.now,
      });
      await watcher.init();
      // team4_toparquet's callback did arrive (seen on the topic by the sync consumer).
      await jobObserver(env.db)(
        createEnvelope({ type: 'bot', channel: 'ops', user: SYSTEM_BOT, text: '✅', meta: { kind: 'airflow', source: 'callback', dag_id: 'team4_toparquet', run_id: 'scheduled__2024-09-01T15:30:00+00:00', state: 'success' } }),
      );
    });
    after(async () => {
      await fake.close();
      await env.close();
    });

    test('a finished run without a callback is reported once, after the grace period', async () => {
      // 00:10 KST: kchat_daily_parquet ended at 00:07 — still inside the 15-minute grace.
      assert.deepEqual(await watcher.poll(seoul(2024, 9, 3, 0, 10)), []);
      const keys = await watcher.poll(seoul(2024, 9, 3, 0, 30));
      assert.deepEqual(keys, ['airflow:missing:kchat_daily_parquet:scheduled__2024-09-01T15:00:00+00:00']);
      const e = posted.at(-1)!;
      assert.equal(e.channel, 'ops');
      assert.match(e.text, /⚠️ Airflow 콜백 없이 끝난 실행: kchat_daily_parquet/);
      assert.match(e.text, /상태: ❌ failed/);
      assert.match(e.text, /끝난 시각: 2024-09-03 00:07/);
      assert.deepEqual(await watcher.poll(seoul(2024, 9, 3, 1, 0)), [], 'reported once');
    });

    test('"expected by 07:30 on weekdays" is reported once when the DAG has not succeeded', async () => {
      assert.deepEqual(await watcher.poll(seoul(2024, 9, 3, 7, 29)), [], 'not before the deadline');
      const keys = await watcher.poll(seoul(2024, 9, 3, 7, 31));
      assert.deepEqual(keys, ['airflow:deadline:kchat_daily_parquet:2024-09-03']);
      assert.match(posted.at(-1)!.text, /⏰ kchat_daily_parquet: 평일 07:30까지 성공해야 하는데 아직 성공하지 않았어요 \(최근 실행 scheduled__2024-09-01T15:00:00\+00:00: failed\)/);
      assert.deepEqual(await watcher.poll(seoul(2024, 9, 3, 8, 0)), []);
      assert.ok(!posted.some((p) => p.text.includes('team4_toparquet: 주말')), 'a weekend deadline does not apply on Tuesday');
    });

    test(`authenticates the ${version} way`, () => {
      const api = fake.requests.filter((r) => r.path.startsWith('/api/'));
      assert.ok(api.length > 0);
      if (version === 'v1') {
        assert.ok(api.every((r) => r.auth?.startsWith('Basic ')));
        assert.ok(!fake.requests.some((r) => r.path === '/auth/token'));
      } else {
        assert.equal(fake.requests.filter((r) => r.path === '/auth/token').length, 1, 'the token is fetched once and reused');
        assert.ok(api.every((r) => r.auth?.startsWith('Bearer ')));
      }
    });
  });
}

test('wrong credentials fail with a clear error, and bad deadline config names the field', async () => {
  const fake = await fakeAirflow();
  try {
    const v1 = new AirflowClient({ apiUrl: `${fake.url}/api/v1`, user: 'ops', password: 'nope' });
    await assert.rejects(v1.dagRuns(new Date().toISOString()), /Airflow \/dags\/~\/dagRuns answered 401/);
    const v2 = new AirflowClient({ apiUrl: `${fake.url}/api/v2`, user: 'ops', password: 'nope' });
    await assert.rejects(v2.dagRuns(new Date().toISOString()), /\/auth\/token answered 401/);
  } finally {
    await fake.close();
  }
  assert.match(parseDeadlines('[{"dag_id":"x","by":"7시"}]').problems[0], /field '0.by': by must be HH:MM/);
  assert.match(parseDeadlines('[{"dag_id":"x","by":"07:30","days":"가끔"}]').problems[0], /days '가끔'/);
  assert.match(parseDeadlines('{oops').problems[0], /not valid JSON/);
});
