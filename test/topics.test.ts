// Topic statistics (Kiwi nouns, rising terms), volume and bot usage.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { auditFixture, corpusRows, insertMessages, type AuditFixture, type CorpusMessage } from '../audit/fixtures.ts';
import { period, topics, topicsScan, type TopicsResult } from '../audit/stats.ts';
import { catchUpTopics } from '../audit/topics.ts';
import { loadConfig } from '../core/config.ts';
import { ensureModel, modelDir } from '../core/korean/kiwi/model.ts';
import { kiwiTerms, type TermAnalyzer } from '../core/korean/terms.ts';
import { localDate } from '../core/time.ts';

let fx: AuditFixture;
let kiwi: TermAnalyzer;
before(async () => {
  // The model is fetched once (.ci/run does it before the tests); the API below uses the process's Kiwi too.
  await ensureModel(modelDir());
  const k = kiwiTerms(loadConfig());
  await k.kiwi.ready();
  kiwi = k;
  fx = await auditFixture();
  // Requests wait for the counts only so long; count the corpus first so no answer is partial.
  await catchUpTopics(fx.db, 'Asia/Seoul', { analyzer: kiwi });
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

test('keywords count 장애가/장애를/장애는 as one term, without particles, verbs or stopwords', async () => {
  const { status, body } = await get<{ keywords: Kw[]; rising: Kw[]; period: { messages: number }; coverage: TopicsResult['coverage'] }>('/api/stats/topics?from=2024-08-26&channel=ops');
  assert.equal(status, 200);
  assert.equal(body.period.messages, 3);
  const jang = body.keywords.find((k) => k.term === '장애');
  assert.deepEqual(jang && { term: jang.term, count: jang.count }, { term: '장애', count: 3 });
  const terms = body.keywords.map((k) => k.term);
  for (const t of ['장애가', '장애를', '장애는', 'https', '있어요', '났어요', '나다', '복구됐습니다']) assert.ok(!terms.includes(t), t);
  for (const t of ['kafka', '결제', '지연', '복구']) assert.ok(terms.includes(t), t);
  assert.deepEqual(body.coverage, { analyzer: kiwi.name, complete: true, pending_messages: 0, days_by_analyzer: { [kiwi.name]: 1 } });
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
  // key: the Seoul wall-clock label; ts: the bucket's start as an instant (Seoul midnight is 15:00Z the day before)
  const at = (iso: string) => Date.parse(iso);
  const day = await get<{ buckets: { key: string; ts: number; count: number }[]; total: number }>('/api/stats/volume?by=day&from=2024-08-26&to=2024-08-28');
  assert.deepEqual(day.body.buckets, [
    { key: '2024-08-26', ts: at('2024-08-25T15:00:00Z'), count: 4 },
    { key: '2024-08-27', ts: at('2024-08-26T15:00:00Z'), count: 5 },
    { key: '2024-08-28', ts: at('2024-08-27T15:00:00Z'), count: 8 },
  ]);
  const hour = await get<{ buckets: { key: string; ts: number; count: number }[] }>('/api/stats/volume?by=hour&from=2024-08-26');
  assert.deepEqual(hour.body.buckets, [
    { key: '2024-08-26 09:00', ts: at('2024-08-26T09:00:00+09:00'), count: 2 },
    { key: '2024-08-26 10:00', ts: at('2024-08-26T10:00:00+09:00'), count: 1 },
    { key: '2024-08-26 11:00', ts: at('2024-08-26T11:00:00+09:00'), count: 1 },
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
    ['/api/stats/topics?from=2024-08-28&pos=adverbs', /pos must be one of nouns\|verbs\|all/],
  ] as const) {
    const { status, body } = await get<{ error: string }>(path);
    assert.equal(status, 400, path);
    assert.match(body.error, re);
  }
});

// The incremental per-day counts (audit/topics.ts) against a from-scratch recount.
async function tables(db = fx.db) {
  const q = async (sql: string) => JSON.stringify(await db.all(sql));
  return {
    terms: await q(`SELECT day::VARCHAR AS day, channel, kind, term, count, messages FROM topic_terms ORDER BY ALL`),
    days: await q(`SELECT day::VARCHAR AS day, channel, messages, tokens, verb_tokens FROM topic_days ORDER BY ALL`),
    spellings: await q(`SELECT day::VARCHAR AS day, channel, term, spelling, count FROM topic_spellings ORDER BY ALL`),
  };
}

async function recount(analyzer: TermAnalyzer, db = fx.db) {
  const rows = await db.all<{ channel: string; text: string; ts_ms: number }>(`SELECT channel, text, ts_ms FROM messages WHERE type = 'message' AND ts_ms IS NOT NULL`);
  const terms = new Map<string, { count: number; messages: number }>();
  const days = new Map<string, { messages: number; tokens: number; verb_tokens: number }>();
  const spellings = new Map<string, number>();
  const analysed = await analyzer.terms(rows.map((r) => r.text));
  rows.forEach((r, i) => {
    const dc = `${localDate(r.ts_ms, 'Asia/Seoul')}\t${r.channel}`;
    const d = days.get(dc) ?? { messages: 0, tokens: 0, verb_tokens: 0 };
    days.set(dc, d);
    d.messages++;
    const seen = new Set<string>();
    for (const tok of analysed[i]) {
      if (tok.kind === 'verb') d.verb_tokens++;
      else d.tokens++;
      const k = `${dc}\t${tok.kind}\t${tok.term}`;
      const e = terms.get(k) ?? { count: 0, messages: 0 };
      terms.set(k, e);
      e.count++;
      if (!seen.has(k)) {
        seen.add(k);
        e.messages++;
      }
      const sk = `${dc}\t${tok.term}\t${tok.surface.toLowerCase()}`;
      if (tok.latin) spellings.set(sk, (spellings.get(sk) ?? 0) + 1);
    }
  });
  const sorted = <T>(m: Map<string, T>, f: (parts: string[], v: T) => Record<string, unknown>) =>
    JSON.stringify([...m].map(([k, v]) => f(k.split('\t'), v)).sort((a, b) => (JSON.stringify(Object.values(a)) < JSON.stringify(Object.values(b)) ? -1 : 1)));
  return {
    terms: sorted(terms, ([day, channel, kind, term], v) => ({ day, channel, kind, term, ...v })),
    days: sorted(days, ([day, channel], v) => ({ day, channel, ...v })),
    spellings: sorted(spellings, ([day, channel, term, spelling], count) => ({ day, channel, term, spelling, count })),
  };
}

const norm = (s: string) => JSON.stringify((JSON.parse(s) as Record<string, unknown>[]).sort((a, b) => (JSON.stringify(Object.values(a)) < JSON.stringify(Object.values(b)) ? -1 : 1)));
const withoutCoverage = ({ coverage: _c, ...rest }: TopicsResult) => rest;

test('incremental topic counts equal a from-scratch recount, rows added in two rounds; a rerun adds nothing', async () => {
  const tz = 'Asia/Seoul';
  await catchUpTopics(fx.db, tz, { analyzer: kiwi });
  const round1: CorpusMessage[] = [
    { id: 'n01', channel: 'ops', nick: '지영', text: '장애가 또 났어요. Deploying rollback now', at: '2024-08-28 18:00' },
    { id: 'n02', channel: 'ops', nick: '민수', text: '롤백 배포를 했어요 deploy 완료', at: '2024-08-29 09:00' }, // a new day
    { id: 'n03', channel: 'dev', nick: 'Bob', text: 'join', type: 'join', at: '2024-08-29 09:05' },
  ];
  await insertMessages(fx.db, corpusRows(round1).map((r, i) => ({ ...r, offset: 100 + i })));
  await topics(fx.db, period('2024-08-29', '2024-08-29', tz), { analyzer: kiwi });
  const round2: CorpusMessage[] = [
    { id: 'n04', channel: 'ops', nick: '지영', text: '예전 장애 기록: Kafka 브로커 재시작', at: '2024-08-20 10:00' }, // legacy row, old ts
    { id: 'n05', channel: 'general', nick: '수진', text: '회의실 예약했어요 회의 3시', at: '2024-08-29 13:00' },
  ];
  await insertMessages(fx.db, corpusRows(round2).map((r, i) => ({ ...r, offset: 200 + i })));
  const stats = await catchUpTopics(fx.db, tz, { analyzer: kiwi });
  assert.equal(stats.rows, 2);
  assert.equal(stats.analyzer, kiwi.name);
  const got = await tables();
  const want = await recount(kiwi);
  assert.equal(norm(got.terms), want.terms);
  assert.equal(norm(got.days), want.days);
  assert.equal(norm(got.spellings), want.spellings);
  // A rerun reads nothing and changes nothing.
  assert.equal((await catchUpTopics(fx.db, tz, { analyzer: kiwi })).rows, 0);
  assert.deepEqual(await tables(), got);
  // And the answers are the request-time method's, for every view.
  for (const [from, to, channel, pos] of [
    ['2024-08-20', '2024-08-20', null, 'nouns'],
    ['2024-08-26', '2024-08-26', 'ops', 'nouns'],
    ['2024-08-28', '2024-08-28', null, 'verbs'],
    ['2024-08-29', '2024-08-29', null, 'all'],
    ['2024-08-27', '2024-08-29', null, 'nouns'],
    ['2024-08-26', '2024-08-29', '#OPS', 'all'],
  ] as const) {
    const p = period(from, to, tz);
    const o = { channel, limit: 50, pos, analyzer: kiwi };
    const ours = await topics(fx.db, p, o);
    assert.equal(ours.coverage.complete, true);
    assert.deepEqual(withoutCoverage(ours), withoutCoverage(await topicsScan(fx.db, p, o)), `${from}…${to} ${channel} ${pos}`);
  }
});

// A held-out day of IT chat: sentences with particles, spacing variants, typos, loanwords and English.
const HELD_OUT: CorpusMessage[] = [
  ['어제 서버가 죽었어요', '민수'],
  ['배포가 늦어졌어요', '지영'],
  ['로그를 봤는데요', '수진'],
  ['마이그레이션 끝났습니다', '철수'],
  ['회의록은 노션에 올렸어요', '지영'],
  ['컨슈머가 또 밀렸네요. Kafka 컨슈머 그룹 확인 부탁드려요', '민수'],
  ['서버장애 때문에 배포를 미뤘어요', '수진'], // no space between two nouns
  ['서버 장애 원인은 로그에서 찾았어요', '철수'],
  ['마이그레이션은 내일 다시 해요?', 'Alice'],
  ['배포 됬어요 ㅋㅋ 로그 확인해 주세요', '민수'], // 됬어요: the common misspelling of 됐어요
  ['노션에서 회의록 찾았어요', '지영'],
  ['deploy 끝나면 API 로그 봐주세요', 'Bob'],
].map(([text, nick], i) => ({ id: `h${i}`, channel: 'dev', nick, text, at: `2024-09-02 ${String(9 + (i % 8)).padStart(2, '0')}:${String(10 + i).padStart(2, '0')}` }));

test('a held-out day: every planted noun is named, no inflected verb form; verbs only as lemmas with pos=verbs', async () => {
  await insertMessages(fx.db, corpusRows(HELD_OUT).map((r, i) => ({ ...r, offset: 300 + i })));
  await catchUpTopics(fx.db, 'Asia/Seoul', { analyzer: kiwi });
  const nouns = await get<{ keywords: Kw[]; coverage: TopicsResult['coverage']; pos: string }>('/api/stats/topics?from=2024-09-02&limit=100');
  assert.equal(nouns.status, 200);
  assert.equal(nouns.body.pos, 'nouns');
  assert.equal(nouns.body.coverage.analyzer, kiwi.name);
  const count = (kws: Kw[], t: string) => kws.find((k) => k.term === t)?.count ?? 0;
  const kw = nouns.body.keywords;
  // nouns and noun compounds stay whole, whatever particle or spacing followed them
  assert.equal(count(kw, '서버'), 3);
  assert.equal(count(kw, '배포'), 3);
  assert.equal(count(kw, '로그'), 4);
  assert.equal(count(kw, '마이그레이션'), 2);
  assert.equal(count(kw, '회의록'), 2);
  assert.equal(count(kw, '컨슈머'), 2);
  assert.equal(count(kw, '노션'), 2);
  assert.equal(count(kw, '장애'), 2);
  assert.equal(count(kw, 'kafka'), 1);
  assert.equal(count(kw, 'deploy'), 1);
  const terms = kw.map((k) => k.term);
  for (const form of ['죽었어요', '늦어졌어요', '봤는데요', '끝났습니다', '올렸어요', '밀렸네요', '미뤘어요', '찾았어요', '됬어요', '서버가', '노션에', '회의록은', '서버장애', '죽다', '보다']) {
    assert.ok(!terms.includes(form), `${form} is not a topic noun`);
  }
  const verbs = await get<{ keywords: Kw[] }>('/api/stats/topics?from=2024-09-02&pos=verbs&limit=100');
  const vterms = verbs.body.keywords.map((k) => k.term);
  for (const lemma of ['죽다', '늦어지다', '보다', '끝나다', '올리다', '찾다']) assert.ok(vterms.includes(lemma), `${lemma} counted as a lemma`);
  assert.equal(count(verbs.body.keywords, '찾다'), 2);
  for (const t of ['서버', '배포', '하다', '되다']) assert.ok(!vterms.includes(t), `${t} is not in the verbs view`);
  const all = await get<{ keywords: Kw[] }>('/api/stats/topics?from=2024-09-02&pos=all&limit=200');
  assert.equal(all.body.keywords.length, new Set([...terms, ...vterms]).size);
});
