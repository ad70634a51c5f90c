// Topic statistics (Korean-aware keywords, rising terms), volume and bot usage.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { auditFixture, type AuditFixture } from '../audit/fixtures.ts';

let fx: AuditFixture;
before(async () => {
  fx = await auditFixture();
});
after(async () => {
  await fx.close();
});

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fx.app.request(path, { headers: { authorization: `Bearer ${fx.adminToken}` } });
  return { status: res.status, body: (await res.json()) as T };
}

interface Kw {
  term: string;
  count: number;
  score: number;
  previous: number;
}

test('keywords count 장애가/장애를/장애는 as one term, without particles or stopwords', async () => {
  const { status, body } = await get<{ keywords: Kw[]; rising: Kw[]; period: { messages: number } }>('/api/stats/topics?from=2024-08-26&channel=ops');
  assert.equal(status, 200);
  assert.equal(body.period.messages, 3);
  const jang = body.keywords.find((k) => k.term === '장애');
  assert.deepEqual(jang && { term: jang.term, count: jang.count }, { term: '장애', count: 3 });
  const terms = body.keywords.map((k) => k.term);
  for (const t of ['장애가', '장애를', '장애는', 'https', '있어요']) assert.ok(!terms.includes(t), t);
  assert.ok(terms.includes('kafka'));
});

test('rising terms are those more frequent than in the previous period', async () => {
  // 2024-08-28 vs 2024-08-27: 파묘/감독 were 08-27 topics, kafka/deploy are new on 08-28
  const { body } = await get<{ keywords: Kw[]; rising: Kw[]; reference: { from: string; to: string } }>('/api/stats/topics?from=2024-08-28&to=2024-08-28');
  assert.deepEqual(body.reference, { ...body.reference, from: '2024-08-27', to: '2024-08-27' });
  assert.equal(body.keywords[0].term, 'deploy');
  assert.equal(body.keywords[0].count, 2);
  assert.ok(body.rising.some((k) => k.term === 'deploy' && k.score > 0 && k.previous === 0));
  assert.ok(!body.keywords.some((k) => k.term === '파묘'));
});

test('volume by day, hour, channel and user', async () => {
  const day = await get<{ buckets: { key: string; count: number }[]; total: number }>('/api/stats/volume?by=day&from=2024-08-26&to=2024-08-28');
  assert.deepEqual(day.body.buckets, [
    { key: '2024-08-26', count: 4 },
    { key: '2024-08-27', count: 5 },
    { key: '2024-08-28', count: 8 },
  ]);
  const hour = await get<{ buckets: { key: string; count: number }[] }>('/api/stats/volume?by=hour&from=2024-08-26');
  assert.deepEqual(hour.body.buckets, [
    { key: '2024-08-26 09:00', count: 2 },
    { key: '2024-08-26 10:00', count: 1 },
    { key: '2024-08-26 11:00', count: 1 },
  ]);
  const chan = await get<{ buckets: { key: string; count: number }[] }>('/api/stats/volume?by=channel&from=2024-08-26&to=2024-08-28');
  assert.deepEqual(chan.body.buckets[0], { key: 'ops', count: 6 });
  const user = await get<{ buckets: { key: string; count: number }[] }>('/api/stats/volume?by=user&from=2024-08-26&to=2024-08-28&channel=ops');
  assert.deepEqual(user.body.buckets.slice(0, 2), [
    { key: '지영', count: 3 },
    { key: '민수', count: 2 },
  ]);
});

test('bot usage reads bot_commands when it exists', async () => {
  const empty = await get<{ commands: unknown[] }>('/api/stats/bots?from=2024-08-26');
  assert.deepEqual(empty.body.commands, []);
  await fx.db.run(`CREATE TABLE bot_commands (ts TIMESTAMPTZ NOT NULL, channel VARCHAR NOT NULL, user_id VARCHAR NOT NULL, nick VARCHAR NOT NULL, bot VARCHAR NOT NULL,
    command VARCHAR NOT NULL, args VARCHAR NOT NULL, result VARCHAR NOT NULL, question_id VARCHAR, reply_id VARCHAR, duration_ms DOUBLE NOT NULL)`);
  for (const [cmd, result] of [['movie', 'ok'], ['movie', 'ok'], ['schedule.add', 'error']]) {
    await fx.db.run(`INSERT INTO bot_commands VALUES ('2024-08-26 03:00:00+00', 'general', 'u_1', '민수', 'kchat봇', ?, '', ?, NULL, NULL, 12.5)`, [cmd, result]);
  }
  const { body } = await get<{ commands: { command: string; calls: number; errors: number }[]; total: number }>('/api/stats/bots?from=2024-08-26');
  assert.equal(body.total, 3);
  assert.deepEqual(body.commands.map((c) => [c.command, c.calls, c.errors]), [
    ['movie', 2, 0],
    ['schedule.add', 1, 1],
  ]);
});

test('bad parameters are 400 naming the problem', async () => {
  for (const [path, re] of [
    ['/api/stats/topics?from=2024-13-01', /from must be a date/],
    ['/api/stats/topics?from=2024-08-28&to=2024-08-01', /before from/],
    ['/api/stats/topics?from=2024-08-28&limit=0', /limit must be/],
    ['/api/stats/volume?by=week', /by must be one of/],
  ] as const) {
    const { status, body } = await get<{ error: string }>(path);
    assert.equal(status, 400, path);
    assert.match(body.error, re);
  }
});
