// Topic statistics (Korean-aware keywords, rising terms), volume and bot usage.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { auditFixture, corpusRows, insertMessages, type AuditFixture, type CorpusMessage } from '../audit/fixtures.ts';
import { period, topics, topicsScan } from '../audit/stats.ts';
import { catchUpTopics } from '../audit/topics.ts';
import { tokenize } from '../core/korean/tokenize.ts';
import { localDate } from '../core/time.ts';

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

// The incremental per-day counts (audit/topics.ts) against a from-scratch recount.
async function tables() {
  const q = async (sql: string) => JSON.stringify(await fx.db.all(sql));
  return {
    terms: await q(`SELECT day::VARCHAR AS day, channel, term, count, messages FROM topic_terms ORDER BY ALL`),
    days: await q(`SELECT day::VARCHAR AS day, channel, messages, tokens FROM topic_days ORDER BY ALL`),
    spellings: await q(`SELECT day::VARCHAR AS day, channel, term, spelling, count FROM topic_spellings ORDER BY ALL`),
  };
}

async function recount() {
  const rows = await fx.db.all<{ channel: string; text: string; ts_ms: number }>(`SELECT channel, text, ts_ms FROM messages WHERE type = 'message' AND ts_ms IS NOT NULL`);
  const terms = new Map<string, { count: number; messages: number }>();
  const days = new Map<string, { messages: number; tokens: number }>();
  const spellings = new Map<string, number>();
  for (const r of rows) {
    const dc = `${localDate(r.ts_ms, 'Asia/Seoul')}\t${r.channel}`;
    const d = days.get(dc) ?? { messages: 0, tokens: 0 };
    days.set(dc, d);
    d.messages++;
    const seen = new Set<string>();
    for (const tok of tokenize(r.text, { minHangul: 2 })) {
      d.tokens++;
      const k = `${dc}\t${tok.term}`;
      const e = terms.get(k) ?? { count: 0, messages: 0 };
      terms.set(k, e);
      e.count++;
      if (!seen.has(tok.term)) {
        seen.add(tok.term);
        e.messages++;
      }
      if (tok.kind === 'latin') spellings.set(`${k}\t${tok.surface.toLowerCase()}`, (spellings.get(`${k}\t${tok.surface.toLowerCase()}`) ?? 0) + 1);
    }
  }
  const sorted = <T>(m: Map<string, T>, f: (parts: string[], v: T) => Record<string, unknown>) =>
    JSON.stringify([...m].map(([k, v]) => f(k.split('\t'), v)).sort((a, b) => (JSON.stringify(Object.values(a)) < JSON.stringify(Object.values(b)) ? -1 : 1)));
  return {
    terms: sorted(terms, ([day, channel, term], v) => ({ day, channel, term, ...v })),
    days: sorted(days, ([day, channel], v) => ({ day, channel, ...v })),
    spellings: sorted(spellings, ([day, channel, term, spelling], count) => ({ day, channel, term, spelling, count })),
  };
}

const norm = (s: string) => JSON.stringify((JSON.parse(s) as Record<string, unknown>[]).sort((a, b) => (JSON.stringify(Object.values(a)) < JSON.stringify(Object.values(b)) ? -1 : 1)));

test('incremental topic counts equal a from-scratch recount, rows added in two rounds; a rerun adds nothing', async () => {
  const tz = 'Asia/Seoul';
  await catchUpTopics(fx.db, tz);
  const round1: CorpusMessage[] = [
    { id: 'n01', channel: 'ops', nick: '지영', text: '장애가 또 났어요. Deploying rollback now', at: '2024-08-28 18:00' },
    { id: 'n02', channel: 'ops', nick: '민수', text: '롤백 배포를 했어요 deploy 완료', at: '2024-08-29 09:00' }, // a new day
    { id: 'n03', channel: 'dev', nick: 'Bob', text: 'join', type: 'join', at: '2024-08-29 09:05' },
  ];
  await insertMessages(fx.db, corpusRows(round1).map((r, i) => ({ ...r, offset: 100 + i })));
  await topics(fx.db, period('2024-08-29', '2024-08-29', tz));
  const round2: CorpusMessage[] = [
    { id: 'n04', channel: 'ops', nick: '지영', text: '예전 장애 기록: Kafka 브로커 재시작', at: '2024-08-20 10:00' }, // legacy row, old ts
    { id: 'n05', channel: 'general', nick: '수진', text: '회의실 예약했어요 회의 3시', at: '2024-08-29 13:00' },
  ];
  await insertMessages(fx.db, corpusRows(round2).map((r, i) => ({ ...r, offset: 200 + i })));
  const stats = await catchUpTopics(fx.db, tz);
  assert.equal(stats.rows, 2);
  const got = await tables();
  const want = await recount();
  assert.equal(norm(got.terms), want.terms);
  assert.equal(norm(got.days), want.days);
  assert.equal(norm(got.spellings), want.spellings);
  // A rerun reads nothing and changes nothing.
  assert.equal((await catchUpTopics(fx.db, tz)).rows, 0);
  assert.deepEqual(await tables(), got);
  // And the answers are the request-time method's.
  for (const [from, to, channel] of [
    ['2024-08-20', '2024-08-20', null],
    ['2024-08-26', '2024-08-26', 'ops'],
    ['2024-08-28', '2024-08-28', null],
    ['2024-08-29', '2024-08-29', null],
    ['2024-08-27', '2024-08-29', null],
    ['2024-08-26', '2024-08-29', '#OPS'],
  ] as const) {
    const p = period(from, to, tz);
    assert.deepEqual(await topics(fx.db, p, { channel, limit: 50 }), await topicsScan(fx.db, p, { channel, limit: 50 }), `${from}…${to} ${channel}`);
  }
});
