// The search service itself (search/), driven through the real broker: every
// event applied by message id (edits keep their versions, deletes flag,
// ephemeral answers stay with auditors, members see their channels only),
// bad records skipped, offsets resumed from the last Lucene commit, a crash
// survived, the token required, the Java fold equal to fold.ts, needles of
// 4–11 characters found wherever they sit among the words, channel and
// person filters the same whether Lucene or each match checks them, the
// indexer's pause between polls of a live trickle cut short by a search,
// search threads sharing one search in pieces of segments, and merges run
// at a low priority.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { auditFixture, type AuditFixture, type RawValue } from '../audit/fixtures.ts';
import { SearchClient, type SearchView } from '../audit/search/index.ts';
import { fold } from '../audit/search/fold.ts';
import type { ParsedQuery } from '../audit/search/query.ts';
import { isInputError } from '../core/errors.ts';
import { SearchService } from '../search/index.ts';
import { until } from './helpers/ingest.ts';
import { niceOf } from './helpers/threads.ts';

let fx: AuditFixture;
let service: SearchService;
let client: SearchClient;
before(async () => {
  fx = await auditFixture([], { search: true });
  service = fx.service!;
  client = fx.search;
});
after(async () => {
  await service.stop();
  await fx.close();
});

const T0 = Date.parse('2024-09-02T09:00:00+09:00');
let n = 0;
function envelope(fields: { id?: string; type?: string; channel?: string; nick?: string; text?: string; ts?: number; meta?: Record<string, unknown> }) {
  const nick = fields.nick ?? '민수';
  return { v: 1, id: fields.id ?? `s${++n}`, type: fields.type ?? 'message', channel: fields.channel ?? 'general', user: { id: `u_${nick}`, nick }, text: fields.text ?? '', ts: fields.ts ?? T0 + ++n * 1000, reply_to: null, meta: fields.meta ?? {} };
}

function query(must: string[], extra: Partial<ParsedQuery> = {}): ParsedQuery {
  return { must, not: [], highlight: must, nicks: [], channels: [], types: [], from: null, to: null, hasLink: false, ...extra };
}

const AUDITOR: SearchView = { role: 'auditor' };

async function found(must: string[], view: SearchView = AUDITOR, extra: Partial<ParsedQuery> = {}, via = client) {
  const r = await via.search(query(must.map(fold), extra), { limit: 100, view });
  assert.equal(r.total, r.hits.length, 'total counts every match');
  return r.hits;
}
const ids = async (must: string[], view?: SearchView, extra?: Partial<ParsedQuery>) => (await found(must, view, extra)).map((h) => h.id).sort();

async function produce(...values: RawValue[]) {
  const at = await fx.produce(values);
  await service.sync(60_000);
  return at;
}

describe('events applied by message id', () => {
  test('an edit keeps every version for auditors; members match the current text only', async () => {
    await produce(envelope({ id: 'e1', channel: 'ops', text: '결제 서버가 죽었어요' }));
    await produce(envelope({ id: 'e1-edit', type: 'edit', channel: 'ops', text: '결제 서버가 느려졌어요', meta: { target: 'e1' } }));
    const member: SearchView = { role: 'member', channels: ['ops'] };
    assert.deepEqual(await ids(['죽었'], AUDITOR), ['e1']);
    assert.deepEqual(await ids(['죽었'], member), []);
    assert.deepEqual(await ids(['느려졌'], member), ['e1']);
    const [hit] = await found(['느려졌']);
    assert.equal(hit.edited, true);
    assert.equal(hit.deleted, false);
    assert.equal(hit.text, '결제 서버가 느려졌어요');
    assert.deepEqual(hit.versions?.map((v) => v.text), ['결제 서버가 죽었어요']);
    // the edit event is not a document of its own
    assert.deepEqual(await ids(['결제서버'], AUDITOR), ['e1']);
  });

  test('a deleted message: members never match it, auditors do, flagged', async () => {
    await produce(envelope({ id: 'd1', channel: 'ops', text: '비밀번호는 여기 적지 마세요' }), envelope({ id: 'd1-del', type: 'delete', channel: 'ops', nick: '관리팀', meta: { target: 'd1', role: 'admin' } }));
    assert.deepEqual(await ids(['비밀번호'], { role: 'member', channels: ['ops'] }), []);
    const [hit] = await found(['비밀번호']);
    assert.equal(hit.id, 'd1');
    assert.equal(hit.deleted, true);
  });

  test('ephemeral answers (meta.visible_to) are for auditors only; members see only their channels', async () => {
    await produce(
      envelope({ id: 'v1', channel: 'ops', type: 'bot', nick: 'kchat봇', text: '감사 검색 결과: 장애 3건', meta: { visible_to: ['u_감사'] } }),
      envelope({ id: 'v2', channel: 'ops', text: '감사 일정은 금요일이에요' }),
      envelope({ id: 'v3', channel: 'hr', text: '감사 보고서 초안' }),
    );
    assert.deepEqual(await ids(['감사'], AUDITOR), ['v1', 'v2', 'v3']);
    assert.deepEqual(await ids(['감사'], { role: 'member', channels: ['ops'] }), ['v2']);
    assert.deepEqual(await ids(['감사'], { role: 'member', channels: ['ops', 'hr'] }), ['v2', 'v3']);
    assert.deepEqual(await ids(['감사'], { role: 'member', channels: [] }), []);
    assert.deepEqual((await found(['감사검색'])).map((h) => h.visible_to), [['u_감사']]);
  });

  test('changes that break the rule (core/conversation.ts) change nothing: not the author, not an admin, another channel, after a delete', async () => {
    const member: SearchView = { role: 'member', channels: ['ops', 'hr'] };
    await produce(envelope({ id: 'rule', channel: 'ops', nick: '지영', text: '회의실은 3층 대회의실입니다' }));
    await produce(
      envelope({ id: 'rule-forged', type: 'edit', channel: 'ops', nick: '민수', text: '회의실은 지하 창고입니다', meta: { target: 'rule', role: 'member' } }),
      envelope({ id: 'rule-admin-edit', type: 'edit', channel: 'ops', nick: '관리팀', text: '관리자가 고친 글', meta: { target: 'rule', role: 'admin' } }),
      envelope({ id: 'rule-other-channel', type: 'edit', channel: 'hr', nick: '지영', text: '다른 채널에서 고친 글', meta: { target: 'rule', role: 'member' } }),
      envelope({ id: 'rule-member-del', type: 'delete', channel: 'ops', nick: '민수', meta: { target: 'rule', role: 'member' } }),
    );
    const [untouched] = await found(['대회의실'], member);
    assert.equal(untouched.id, 'rule');
    assert.equal(untouched.text, '회의실은 3층 대회의실입니다');
    assert.equal(untouched.edited, false);
    for (const word of ['지하창고', '관리자가고친', '다른채널에서']) assert.deepEqual(await ids([word], AUDITOR), [], `${word}: a refused edit is no version`);
    // the author deletes; a later edit by the author changes nothing (two sends: the fixture spreads one send over partitions)
    await produce(envelope({ id: 'rule-del', type: 'delete', channel: 'ops', nick: '지영', meta: { target: 'rule', role: 'member' } }));
    await produce(envelope({ id: 'rule-late', type: 'edit', channel: 'ops', nick: '지영', text: '삭제 뒤에 고친 글', meta: { target: 'rule', role: 'member' } }));
    assert.deepEqual(await ids(['대회의실'], member), []);
    const [gone] = await found(['대회의실']);
    assert.equal(gone.deleted, true);
    assert.equal(gone.edited, false);
    assert.deepEqual(await ids(['삭제뒤에'], AUDITOR), []);
  });

  test('an edit or delete that comes before its message is held until the message arrives', async () => {
    await produce(envelope({ id: 'late-edit', type: 'edit', channel: 'dev', text: '배포는 내일로 미뤄요', meta: { target: 'late' } }));
    assert.deepEqual(await ids(['배포는']), [], 'a placeholder never matches');
    await produce(envelope({ id: 'late', channel: 'dev', text: '배포는 오늘 합니다' }));
    const [hit] = await found(['배포는']);
    assert.equal(hit.id, 'late');
    assert.equal(hit.text, '배포는 내일로 미뤄요');
    assert.deepEqual(hit.versions?.map((v) => v.text), ['배포는 오늘 합니다']);
    // the same message again (a replayed import) does not undo the edit
    await produce(envelope({ id: 'late', channel: 'dev', text: '배포는 오늘 합니다' }));
    const [again] = await found(['배포는']);
    assert.equal(again.text, '배포는 내일로 미뤄요');
    assert.equal(again.edited, true);
  });

  test('a repeated plain message is one document (applied by id)', async () => {
    const e = envelope({ id: 'dup', text: '중복 메시지 확인용' });
    await produce(e, e, e);
    assert.deepEqual(await ids(['중복메시지']), ['dup']);
  });
});

test('bad records are skipped with a count; the indexer goes on', async () => {
  const before = (await service.health()).rejected as number;
  await produce(
    'not json at all',
    '{"v":1,"id":"half',
    { ...envelope({ text: '타입이 없는 메시지' }), type: 'robot' },
    { ...envelope({ text: '채널이 이상한 메시지' }), channel: '../etc' },
    { ...envelope({ text: '시간이 음수인 메시지' }), ts: -5 },
    { v: 2, id: 'x', text: '버전 2' },
    envelope({ type: 'edit', text: '대상 없는 수정' }),
    // an encoded lone surrogate (CESU-8 of U+D800) inside the text: not UTF-8, rejected as ingest rejects it
    Buffer.concat([Buffer.from('{"v":1,"id":"cesu","type":"message","channel":"general","user":{"id":"u_x","nick":"x"},"text":"깨진 '), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(`","ts":${T0}}`)]),
    // text after the JSON value, and an overlong encoding of "/": neither is accepted by JSON.parse / a fatal decoder
    JSON.stringify(envelope({ text: '뒤에 쓰레기' })) + ' trailing',
    Buffer.concat([Buffer.from('{"v":1,"id":"over","type":"message","channel":"general","user":{"id":"u_x","nick":"x"},"text":"'), Buffer.from([0xc0, 0xaf]), Buffer.from(`","ts":${T0}}`)]),
    envelope({ id: 'ok-after-bad', text: '잘못된 기록 다음의 정상 메시지' }),
    // a byte-order mark in front of a valid envelope is dropped, as ingest's decoder does
    '\ufeff' + JSON.stringify(envelope({ id: 'with-bom', text: '바이트 순서 표시 다음의 정상 메시지' })),
  );
  assert.equal((await service.health()).rejected, before + 10);
  assert.deepEqual(await ids(['정상메시지']), ['ok-after-bad', 'with-bom']);
  assert.deepEqual(await ids(['메시지'], AUDITOR, { channels: ['../etc'] }), []);
});

test('the service answers only with its bearer token', async () => {
  const url = service.endpoint()!.url;
  assert.equal((await fetch(`${url}/health`)).status, 401);
  assert.equal((await fetch(`${url}/health`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
  const res = await fetch(`${url}/search`, { method: 'POST', headers: { authorization: 'Bearer wrong' }, body: '{}' });
  assert.equal(res.status, 401);
  assert.match(((await res.json()) as { error: string }).error, /token/);
});

test('the Java fold equals fold.ts: tricky texts are found by their folded needles', async () => {
  const texts = ['İstanbul 공항', 'ΣΊΣΥΦΟΣ ΟΔΟΣ', 'ﬁnance ﬂow', '①② 단계', 'ｶﾀｶﾅ ＡＢＣ', 'a\u00a0b\u2003c\u3000d', '\ufeff머리표', 'cafe\u0301 커피', '한\u11a8 조합', '배포 😀👍 완료', 'Straße ǅemal', '탭\t줄\n바꿈'];
  await produce(...texts.map((text, i) => envelope({ id: `fold${i}`, channel: 'fold', text })));
  for (const [i, text] of texts.entries()) {
    const needle = fold(text);
    assert.deepEqual((await found([needle], AUDITOR, { channels: ['fold'] })).map((h) => h.id), [`fold${i}`], `${JSON.stringify(text)} → ${JSON.stringify(needle)}`);
    // and a middle piece of it (bigram phrases across every kind of character)
    const cps = [...needle];
    if (cps.length >= 4) {
      const mid = cps.slice(1, -1).join('');
      assert.ok((await found([mid], AUDITOR, { channels: ['fold'] })).some((h) => h.id === `fold${i}`), `${JSON.stringify(mid)} inside ${JSON.stringify(text)}`);
    }
  }
});

test('needles of 4 to 11 characters are found exactly wherever they sit: a word\'s start, inside a word, across the spaces between words', async () => {
  // a needle of 4+ characters is a phrase of trigrams (SearchQuery.needle): found exactly at a word's start, inside
  // a word, across one or more spaces, in capitals and full-width forms; checked against fold(text).includes(needle)
  const texts = [
    'deploy 완료했어요', 'deployment 시작', 'redeploy 했어요', 'dep loy 띄어 쓴 배포', 'd eploy', 'de ploy 오타', 'xde ploy',
    'deplo 까지만', 'eploy 뒤만', 'dep-loy 하이픈', 'DEPLOY 대문자', 'Ｄｅｐｌｏｙ 전각',
    '서버에서 장애가 났어요', '웹서버에서 로그를 봤는데요', '서버 에서 띄어 씀', '서 버에서 오타', '서버에 서 또', '서버에', '서버',
    '바로 볼게요', '바로볼게요 붙여서', '바 로 볼 게 요', '지금바로 볼게요', '바로 볼게요요',
    '마이그레이션 끝났습니다', '데이터마이그레이션이 끝나면', '마이 그레이션', '마이그레이 션을 다시',
    '배포😀완료 이모지', '배포 😀 완료', 'kafka에서 메시지를', 'Kafka 에서', 'kafkaa에서는 아님',
    '클러스터브로커지연이 길어요', '클러스터 브로커 지연', '클러스터 브로커', '가나다라마바사아자차카 열한 글자',
    // Latin runs (their needles are grams of `lat`, SearchQuery.needle): digits, several runs in one text, long runs
    'kafka 4.0 deploy 완료', 'api-gateway timeout 2024년', 'Timeout30s retry 후 rollback', 'deployments롤백deploy', 'TIME OUT 띄어서',
  ];
  const needles = new Set<string>();
  for (const text of texts) {
    const cps = [...fold(text)];
    for (let len = 4; len <= 11; len++) for (let at = 0; at + len <= cps.length; at += 2) needles.add(cps.slice(at, at + len).join(''));
  }
  await produce(...texts.map((text, i) => envelope({ id: `w${i}`, channel: 'words', text })));
  // an edited message: its earlier version is matched for auditors only
  await produce(envelope({ id: 'w-old', channel: 'words', text: 'rollback 했어요' }));
  await produce(envelope({ id: 'w-old-edit', type: 'edit', channel: 'words', text: '되돌렸어요', meta: { target: 'w-old' } }));
  assert.ok(needles.size > 300, `${needles.size} needles`);
  for (const needle of needles) {
    const expected = texts.flatMap((t, i) => (fold(t).includes(needle) ? [`w${i}`] : []));
    // the edited message: auditors match its current text and its earlier version
    if (['rollback 했어요', '되돌렸어요'].some((t) => fold(t).includes(needle))) expected.push('w-old');
    expected.sort();
    assert.deepEqual((await found([needle], AUDITOR, { channels: ['words'] })).map((h) => h.id).sort(), expected, needle);
  }
  const member: SearchView = { role: 'member', channels: ['words'] };
  assert.deepEqual(await ids(['rollback'], AUDITOR), ['w-old', 'w39']);
  assert.deepEqual(await ids(['rollback'], member), ['w39']);
  assert.deepEqual(await ids(['deploy'], member), ['w0', 'w1', 'w10', 'w11', 'w2', 'w3', 'w37', 'w4', 'w40', 'w5', 'w6']);
});

test('channel and person filters: the same matches, totals and facets whether Lucene or each match checks them', async () => {
  // The service gives a channel or person filter to Lucene when it is much narrower than the needle (here: #quiet,
  // 민지) and checks it on each match otherwise (#bulk, #mid, 지영, a member's channels): both against the truth
  const plan = [
    ...Array.from({ length: 150 }, (_, i) => ({ channel: 'bulk', nick: i % 3 ? '지영' : 'Zoë' })),
    ...Array.from({ length: 48 }, (_, i) => ({ channel: 'mid', nick: i % 6 ? '지영' : '민지' })),
    { channel: 'quiet', nick: '민지' },
    { channel: 'quiet', nick: '지영' },
  ];
  const sent = plan.map((p, i) => ({ id: `pf${i}`, ...p, text: `필터점검 ${i}번째 메시지`, visible: i === 7 }));
  await produce(
    ...sent.map((m) => envelope({ id: m.id, channel: m.channel, nick: m.nick, text: m.text, ...(m.visible ? { type: 'bot', meta: { visible_to: ['u_감사'] } } : {}) })),
    // the needle's neighbours in the same channels, and the channels' other traffic
    ...Array.from({ length: 30 }, (_, i) => envelope({ id: `pf-other${i}`, channel: i % 2 ? 'bulk' : 'quiet', nick: '지영', text: `다른 이야기 ${i}` })),
  );
  const cases: { view: SearchView; channels?: string[]; nicks?: string[] }[] = [
    { view: AUDITOR, channels: ['bulk'] },
    { view: AUDITOR, channels: ['quiet'] },
    { view: AUDITOR, channels: ['bulk', 'quiet'] },
    { view: AUDITOR, nicks: ['지영'] },
    { view: AUDITOR, nicks: ['민지'] },
    { view: AUDITOR, nicks: [fold('ZOË')] },
    { view: AUDITOR, channels: ['mid'], nicks: ['민지'] },
    { view: AUDITOR, channels: ['bulk'], nicks: ['지영', fold('Zoë')] },
    { view: { role: 'member', channels: ['bulk', 'mid'] } },
    { view: { role: 'member', channels: ['quiet'] } },
    { view: { role: 'member', channels: ['quiet', ...Array.from({ length: 20 }, (_, i) => `empty${i}`)] } },
    { view: { role: 'member', channels: ['bulk', 'mid', 'quiet'] }, channels: ['mid'], nicks: ['지영'] },
    { view: { role: 'member', channels: [] } },
  ];
  for (const c of cases) {
    const expected = sent.filter(
      (m) =>
        (!c.channels || c.channels.includes(m.channel)) &&
        (!c.nicks || c.nicks.includes(fold(m.nick))) &&
        (c.view.role === 'auditor' || (c.view.channels.includes(m.channel) && !m.visible)),
    );
    const label = JSON.stringify(c);
    const r = await client.search(query([fold('필터점검')], { channels: c.channels ?? [], nicks: c.nicks ?? [] }), { limit: 1000, view: c.view });
    assert.equal(r.total, expected.length, label);
    assert.deepEqual(r.hits.map((h) => h.id), expected.map((m) => m.id).reverse(), `${label}: newest first`);
    const counted = (key: 'channel' | 'nick') => {
      const m = new Map<string, number>();
      for (const e of expected) m.set(e[key], (m.get(e[key]) ?? 0) + 1);
      return [...m].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
    };
    assert.deepEqual(r.facets.channels, counted('channel'), `${label}: channel facet`);
    assert.deepEqual(r.facets.users, counted('nick'), `${label}: user facet`);
  }
});

describe('offsets live in the Lucene commit', () => {
  test('a restart resumes where the last commit ended: nothing is indexed again', async () => {
    await produce(...Array.from({ length: 50 }, (_, i) => envelope({ id: `r${i}`, channel: 'restart', text: `재시작 전 메시지 ${i}` })));
    const docs = (await service.health()).docs as number;
    await service.stop();
    service = new SearchService(fx.config, fx.config.kafkaBrokers!);
    client = new SearchClient(service);
    await service.start();
    await service.sync(60_000);
    let h = await service.health();
    assert.equal(h.resumed, true);
    assert.equal(h.docs, docs);
    assert.equal(h.indexed, 0, 'no record read twice');
    assert.equal((await found(['재시작전'])).length, 50);
    await produce(envelope({ id: 'r-new', channel: 'restart', text: '재시작 후 메시지' }));
    h = await service.health();
    assert.equal(h.indexed, 1);
    assert.equal((await found(['재시작'])).length, 51);
  });

  test('after a restart, a repeat of an edited or deleted message (a replayed import) does not undo the edit or the delete', async () => {
    const original = envelope({ id: 'sp-edit', channel: 'restart-sp', text: '점검 공지는 월요일입니다' });
    const doomed = envelope({ id: 'sp-del', channel: 'restart-sp', text: '임시 비밀번호는 여기 있어요' });
    await produce(
      original,
      envelope({ id: 'sp-edit-1', type: 'edit', channel: 'restart-sp', text: '점검 공지는 화요일로 바뀌었습니다', meta: { target: 'sp-edit' } }),
      doomed,
      envelope({ id: 'sp-del-1', type: 'delete', channel: 'restart-sp', nick: '관리팀', meta: { target: 'sp-del', role: 'admin' } }),
    );
    await service.stop();
    service = new SearchService(fx.config, fx.config.kafkaBrokers!);
    client = new SearchClient(service);
    await service.start();
    // the started service knows these documents from the index alone (nothing of them is read from Kafka again)
    assert.equal((await service.health()).resumed, true);
    await produce(original, doomed);
    const [edited] = await found(['점검공지'], AUDITOR, { channels: ['restart-sp'] });
    assert.equal(edited.text, '점검 공지는 화요일로 바뀌었습니다');
    assert.deepEqual(edited.versions?.map((v) => v.text), ['점검 공지는 월요일입니다']);
    const member: SearchView = { role: 'member', channels: ['restart-sp'] };
    assert.deepEqual(await ids(['비밀번호'], member), []);
    const [deleted] = await found(['임시비밀번호'], AUDITOR, { channels: ['restart-sp'] });
    assert.equal(deleted.deleted, true);
  });

  test('a crashed service: search answers 503 meanwhile, the supervisor restarts it, and nothing is lost or doubled', async () => {
    process.kill(service.pid!, 'SIGKILL');
    await assert.rejects(
      () => client.search(query([fold('재시작')]), { limit: 5 }),
      (err) => isInputError(err) && err.status === 503 && err.code === 'search_unavailable' && /검색 서비스/.test(err.message),
    );
    await fx.produce(Array.from({ length: 20 }, (_, i) => envelope({ id: `c${i}`, channel: 'restart', text: `장애 중 메시지 ${i}` })));
    await service.sync(120_000);
    const h = await service.health();
    assert.equal(h.state, 'ready');
    assert.equal(h.restarts, 1);
    assert.equal((await found(['장애중메시지'])).length, 20);
    assert.equal((await found(['메시지'], AUDITOR, { channels: ['restart'] })).length, 71);
  });
});

describe('warming up after a start', () => {
  test('a small index has nothing to warm: the service says warm without searching', async () => {
    // the warmer looks at the log's end every 200 ms: right after a restart it may not have looked yet
    const h = await until(async () => {
      const health = await service.health();
      return health.warm ? health : false;
    }, 'the service to say warm', 10_000);
    assert.equal(h.warm, true);
    assert.doesNotMatch(fs.readFileSync(path.join(fx.dir, 'search', 'service.log'), 'utf8'), /"warmed up"/);
  });

  test('from --warm-min-docs on, the service warms up on its own frequent words once caught up, and answers the same', async () => {
    // (and a Latin word: its gram is warmed as a needle and as an exclusion)
    const texts = ['배포 끝났습니다 확인 부탁드려요', '서버 배포가 늦어졌어요', '배포 일정 공유드립니다', '어제 배포한 서버 로그 확인했어요', 'deploy 끝나면 rollback 준비'];
    await produce(...Array.from({ length: 120 }, (_, i) => envelope({ id: `warm${i}`, channel: i % 2 ? 'warm' : 'ops', text: texts[i % texts.length] })));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-warm-'));
    // a second node on the same topic, built from Kafka, warming from 100 documents on; it counts facets from
    // the index's doc values (no memory for per-document ordinals), the first node from its copies
    const second = new SearchService({ ...fx.config, dataDir: dir }, fx.config.kafkaBrokers!, { warmMinDocs: 100, facetBytes: 0 });
    try {
      await second.start();
      await second.sync(120_000);
      const deadline = Date.now() + 60_000;
      while ((await second.health()).warm !== true && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal((await second.health()).warm, true);
      const serviceLog = fs.readFileSync(path.join(dir, 'search', 'service.log'), 'utf8');
      assert.doesNotMatch(serviceLog, /warming up failed/);
      const warmed = serviceLog
        .split('\n')
        .filter((l) => l.includes('"warmed up"'))
        .map((l) => JSON.parse(l) as { searches: number });
      assert.equal(warmed.length, 1, 'one warm-up per start');
      assert.ok(warmed[0].searches >= 8, `searches run while warming: ${warmed[0].searches}`);
      const via = new SearchClient(second);
      const ours = await via.search(query([fold('배포')]), { limit: 5, view: AUDITOR });
      const first = await client.search(query([fold('배포')]), { limit: 5, view: AUDITOR });
      assert.ok(ours.total >= 96, `배포 in ${ours.total} messages: at least the 96 warm-up ones that say it`);
      assert.equal(ours.total, first.total);
      assert.deepEqual(ours.facets, first.facets);
      assert.equal((await second.sync(10_000)).facets_bytes, 0);
      assert.ok((await service.sync(10_000)).facets_bytes > 0, 'the first node holds its ordinals outside the heap');
    } finally {
      await second.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('after a restart the warm-up reads the search files into the page cache and runs the searches people ran before', async () => {
    const texts = ['롤백 준비됐습니다 확인해 주세요', '배포 알림: 서버 점검 끝났어요', '서버가 또 죽었어요 ㅠㅠ', 'staging 배포는 내일 합니다'];
    await produce(...Array.from({ length: 120 }, (_, i) => envelope({ id: `recent${i}`, channel: i % 3 ? 'ops' : 'dev', type: i % 4 === 1 ? 'bot' : 'message', text: texts[i % texts.length] })));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-recent-'));
    const index = path.join(dir, 'search', 'index');
    const file = path.join(index, 'recent-searches.json');
    const start = async () => {
      const node = new SearchService({ ...fx.config, dataDir: dir }, fx.config.kafkaBrokers!, { warmMinDocs: 100, facetBytes: 0 });
      await node.start();
      await node.sync(120_000);
      const deadline = Date.now() + 60_000;
      while ((await node.health()).warm !== true && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal((await node.health()).warm, true, 'the node warmed up');
      return node;
    };
    // the log lines of the node's last start
    const lastStart = () => {
      const lines = fs.readFileSync(path.join(dir, 'search', 'service.log'), 'utf8').split('\n').filter((l) => l.startsWith('{'));
      const from = lines.findLastIndex((l) => l.includes('"index opened"'));
      return lines.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    const searches = [
      { q: query([fold('배포')]), view: AUDITOR },
      { q: query([fold('서버')], { types: ['bot'] }), view: AUDITOR },
      { q: query([fold('롤백 준비')]), view: { role: 'member', channels: ['ops'] } as SearchView },
    ];
    let node = await start();
    // searches per warm-up round: the warm-up's own shapes (no searches were run before this node's first start)
    const perRound = (l: Record<string, unknown>) => Number(l.searches) / Number(l.rounds);
    const shapes = perRound(lastStart().find((l) => l.msg === 'warmed up')!);
    try {
      const via = new SearchClient(node);
      const totals: number[] = [];
      for (const { q, view } of searches) totals.push((await via.search(q, { limit: 5, view })).total);
      await via.search(searches[0].q, { limit: 5, view: AUDITOR }); // the same search again is one search
      assert.ok(totals.every((t) => t > 0), `each search finds something: ${totals}`);
      await node.stop();
      assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'only the service reads what people searched');
      const kept = JSON.parse(fs.readFileSync(file, 'utf8')) as { must: string[]; types: string[]; view: { role: string } }[];
      assert.deepEqual(kept.map((k) => k.must), [[fold('서버')], [fold('롤백 준비')], [fold('배포')]], 'distinct searches, the newest last');
      assert.deepEqual(kept[0].types, ['bot']);
      assert.equal(kept[1].view.role, 'member');

      // a search the service no longer accepts and something that is not a search are left out, the rest warmed
      fs.writeFileSync(file, JSON.stringify([...kept, { must: '배포' }, 42]));
      node = await start();
      let log = lastStart();
      assert.ok(!log.some((l) => l.msg === 'warming up failed'), 'the warm-up did not fail');
      const warmed = log.filter((l) => l.msg === 'warmed up');
      assert.equal(warmed.length, 1, 'one warm-up per start');
      assert.equal(warmed[0].recent, 3, 'the three searches of the last run were warmed');
      assert.equal(perRound(warmed[0]), shapes + 3, 'each round ran them beside its own shapes');
      assert.equal(log.find((l) => l.msg === 'recent searches left out of the warm-up')?.refused, 2);
      // every search file of the index was read, and only those (stored fields are left to the searches)
      const read = log.find((l) => l.msg === 'index read into the page cache');
      assert.ok(read, 'the warm-up read the index into the page cache');
      const searchFiles = fs.readdirSync(index).filter((f) => /\.(tip|tmd|tim|psm|doc|pos|kdi|kdm|kdd|dvm|dvd|cfe|cfs)$/.test(f));
      assert.ok(searchFiles.length > 0);
      assert.equal(read.files, searchFiles.length, `files read: ${searchFiles.join(' ')}`);
      assert.equal(read.bytes, searchFiles.reduce((sum, f) => sum + fs.statSync(path.join(index, f)).size, 0));
      assert.equal(read.skipped_bytes, 0);
      const again = new SearchClient(node);
      for (const [i, { q, view }] of searches.entries()) assert.equal((await again.search(q, { limit: 5, view })).total, totals[i], 'same answers after the restart');

      // an unreadable file: a warning, a warm-up without it, searches answered; the next write replaces it
      await node.stop();
      fs.writeFileSync(file, '[{"must": ["배포"');
      node = await start();
      log = lastStart();
      assert.ok(log.some((l) => l.level === 40 && l.msg === 'the recent searches are unreadable; the warm-up runs without them'));
      assert.equal(log.find((l) => l.msg === 'warmed up')?.recent, 0);
      assert.equal((await new SearchClient(node).search(searches[0].q, { limit: 5, view: AUDITOR })).total, totals[0]);
      await node.stop();
      assert.deepEqual((JSON.parse(fs.readFileSync(file, 'utf8')) as { must: string[] }[]).map((k) => k.must), [[fold('배포')]]);
    } finally {
      await node.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('while chat trickles in the indexer pauses between polls, and a search that waits for the log wakes it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-pace-'));
  // a pause far longer than a search waits for the log's end (1 s): only the wake-up can make the search fresh
  const node = new SearchService({ ...fx.config, dataDir: dir }, fx.config.kafkaBrokers!, { paceMs: 5_000 });
  try {
    await node.start();
    await node.sync(120_000);
    const indexed = async () => (await node.health()).indexed as number;
    // two single records: after the second one the indexer is in a pause of its own (no search woke it since)
    for (const text of ['천천히 들어오는 대화 하나', '천천히 들어오는 대화 둘']) {
      const before = await indexed();
      await fx.produce([envelope({ channel: 'trickle', text })]);
      await until(async () => (await indexed()) > before, 'the record to be indexed', 30_000);
    }
    const paused = await indexed();
    await fx.produce([envelope({ id: 'pace-1', channel: 'trickle', text: '느긋한인덱서도 검색하면 바로 깨어납니다' })]);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(await indexed(), paused, 'the record waits for the end of the pause');
    const r = await new SearchClient(node).search(query([fold('느긋한인덱서')]), { limit: 5, view: AUDITOR });
    assert.equal(r.total, 1, 'the search woke the indexer and found what was just said');
    assert.equal(r.hits[0].id, 'pace-1');
  } finally {
    await node.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('search threads sharing a search in small pieces of segments answer exactly what one pass over each segment does', async () => {
  // enough documents over several commits (segments) that every search is cut into pieces of a few documents
  const words = ['배포', '장애', '회의록', '마이그레이션'];
  for (let batch = 0; batch < 4; batch++) {
    await produce(
      ...Array.from({ length: 60 }, (_, i) =>
        envelope({ id: `p${batch}-${i}`, channel: ['piece-a', 'piece-b', 'piece-c'][i % 3], nick: ['민수', '지연', '하늘'][(i + batch) % 3], text: `${words[i % 4]} 조각 ${batch}번째 묶음의 ${i}번 메시지${i % 7 === 0 ? ' 희귀한낱말' : ''}` }),
      ),
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-pieces-'));
  const node = new SearchService({ ...fx.config, dataDir: dir }, fx.config.kafkaBrokers!, { searchThreads: 3, splitMinDocs: 3 });
  try {
    await node.start();
    await node.sync(120_000);
    const via = new SearchClient(node);
    // every page, followed by its cursor, from both nodes
    const pages = async (c: SearchClient, must: string[], extra: Partial<ParsedQuery>) => {
      const out: { total: number; ids: string[]; facets: unknown }[] = [];
      let cursor: { ts: number; id: string } | null = null;
      do {
        const r = await c.search(query(must.map(fold), extra), { limit: 7, view: AUDITOR, cursor });
        out.push({ total: r.total, ids: r.hits.map((h) => h.id), facets: r.facets });
        const last = r.hits.at(-1);
        cursor = r.next_cursor && last ? { ts: last.ts, id: last.id } : null;
      } while (cursor);
      return out;
    };
    for (const [must, extra] of [
      [['조각'], {}],
      [['배포'], {}],
      [['희귀한낱말'], {}],
      [['메시지'], { channels: ['piece-b'] }],
      [['묶음', '장애'], {}],
    ] as [string[], Partial<ParsedQuery>][]) {
      const ours = await pages(via, must, extra);
      const first = await pages(client, must, extra);
      assert.ok(first[0].total > 0, `${must}: found`);
      assert.deepEqual(ours, first, `${must.join(' ')}: same totals, facets and pages`);
      assert.equal(new Set(ours.flatMap((p) => p.ids)).size, first[0].total, `${must.join(' ')}: the pages hold every match once`);
    }
  } finally {
    await node.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("segments merge on a thread the kernel runs at nice 19; the service's other threads keep the process's priority", { skip: process.platform !== 'linux' && 'nice values per thread are Linux' }, async (t) => {
  if (os.getPriority() >= 19) return t.skip('the tests run at nice 19 already: there is nothing lower to see');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-merges-'));
  const node = new SearchService({ ...fx.config, dataDir: dir }, fx.config.kafkaBrokers!);
  try {
    await node.start();
    let h = await node.sync(120_000);
    assert.equal(h.merges.done, 0, 'one catch-up, one segment: nothing to merge yet');
    assert.equal(h.merges.nice, null);
    // every sync makes what was produced visible: a new small segment each; past ten of them Lucene merges
    for (let batch = 0; batch < 30 && h.merges.done === 0; batch++) {
      await fx.produce(Array.from({ length: 10 }, (_, i) => envelope({ id: `merge${batch}-${i}`, channel: 'merges', text: `병합 확인용 ${batch}번째 묶음 메시지 ${i}` })));
      h = await node.sync(60_000);
    }
    h = await until(async () => {
      const now = await node.sync(10_000);
      return now.merges.done > 0 ? now : false;
    }, 'a merge', 30_000);
    assert.equal(h.merges.nice, 19, 'the kernel ran the merge thread at nice 19');
    const pid = (JSON.parse(fs.readFileSync(path.join(dir, 'search', 'service.json'), 'utf8')) as { pid: number }).pid;
    const own = niceOf(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    assert.equal(own, os.getPriority(), 'the JVM itself keeps the priority it was started with');
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      let comm: string, stat: string;
      try {
        comm = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      } catch {
        continue; // a thread that ended meanwhile
      }
      if (comm.startsWith('Lucene Merge')) continue; // a later merge, lowered too
      assert.equal(niceOf(stat), own, `thread ${comm} (${tid}) keeps the process's priority`);
    }
    // the merged index answers every message of the batches
    await service.sync(60_000);
    const r = await new SearchClient(node).search(query([fold('병합')]), { limit: 1, view: AUDITOR });
    assert.equal(r.total, (await client.search(query([fold('병합')]), { limit: 1, view: AUDITOR })).total);
    assert.ok(r.total >= 100, `병합 in ${r.total} messages`);
  } finally {
    await node.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
