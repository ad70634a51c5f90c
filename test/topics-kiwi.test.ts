// Kiwi's life in the product: the rule tokenizer stands in until the model is
// there and the days it counted are then recounted (backfill), `kchat topics
// rebuild` with its progress report, a missing model is a clear fallback,
// the worker is released when idle, and SQL's ko_tokens() gives the nouns
// topic statistics count.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { auditFixture, corpusRows, insertMessages, type AuditFixture, type CorpusMessage } from '../audit/fixtures.ts';
import { period, topics } from '../audit/stats.ts';
import { catchUpTopics } from '../audit/topics.ts';
import { maintainTopics, rebuildTopics } from '../audit/topics-rebuild.ts';
import { SqlSandbox } from '../audit/sql/sandbox.ts';
import { loadConfig } from '../core/config.ts';
import { Database } from '../core/db.ts';
import { KiwiAnalyzer } from '../core/korean/kiwi/analyzer.ts';
import { ensureModel, modelDir } from '../core/korean/kiwi/model.ts';
import { TermsThread } from '../core/korean/terms-thread-host.ts';
import { chooseTermAnalyzer, KiwiTerms, KiwiUnavailableError, kiwiTerms, ruleTerms, THREAD_MIN_TEXTS } from '../core/korean/terms.ts';
import { kchat } from './helpers/cli.ts';
import { repoRoot } from './helpers/server.ts';
import { threadNice } from './helpers/threads.ts';

const TZ = 'Asia/Seoul';
const DAYS: CorpusMessage[] = [
  ['2024-09-02 10:00', '어제 서버가 죽었어요'],
  ['2024-09-02 11:00', '배포가 늦어졌어요'],
  ['2024-09-03 10:00', '로그를 봤는데요'],
  ['2024-09-03 11:00', '마이그레이션 끝났습니다'],
  ['2024-09-04 10:00', '컨슈머 회의록은 노션에 있어요'],
].map(([at, text], i) => ({ id: `k${i}`, channel: 'dev', nick: '민수', text, at }));

let fx: AuditFixture;
let kiwi: KiwiTerms;
before(async () => {
  await ensureModel(modelDir());
  // before this process loads a Kiwi worker itself (see NICE_PROBE)
  if (process.platform === 'linux') niceProbe = runNiceProbe();
  kiwi = kiwiTerms(loadConfig());
  await kiwi.kiwi.ready();
  fx = await auditFixture(DAYS);
});
after(async () => {
  await fx.close();
});

test('days the rule tokenizer counted are recounted with Kiwi, newest first, each in one step', async () => {
  // Before the model was there: the stand-in counts, inflected verbs and all.
  await catchUpTopics(fx.db, TZ, { analyzer: ruleTerms });
  const early = await topics(fx.db, period('2024-09-02', '2024-09-02', TZ), { analyzer: ruleTerms });
  assert.equal(early.coverage.analyzer, 'rule');
  assert.ok(early.keywords.some((k) => k.term === '죽었어요'), 'the rule tokenizer keeps 죽었어요 (why Kiwi is used)');
  // Kiwi arrives: new messages are counted with it at once, and the old days are recounted.
  await insertMessages(fx.db, corpusRows([{ id: 'k9', channel: 'dev', nick: '지영', text: '배포 로그를 다시 봤어요', at: '2024-09-04 12:00' }]).map((r) => ({ ...r, offset: 50 })));
  const mixed = await topics(fx.db, period('2024-09-02', '2024-09-04', TZ), { analyzer: kiwi });
  assert.equal(mixed.coverage.complete, false, 'rule-counted days are reported, not hidden');
  assert.deepEqual(mixed.coverage.days_by_analyzer, { mixed: 1, rule: 2 });
  await maintainTopics(fx.db, TZ, { analyzer: kiwi });
  const done = await topics(fx.db, period('2024-09-02', '2024-09-04', TZ), { analyzer: kiwi, limit: 50 });
  assert.deepEqual(done.coverage, { analyzer: kiwi.name, complete: true, pending_messages: 0, days_by_analyzer: { [kiwi.name]: 3 } });
  const terms = done.keywords.map((k) => k.term);
  for (const noun of ['서버', '배포', '로그', '마이그레이션', '컨슈머', '회의록', '노션']) assert.ok(terms.includes(noun), noun);
  for (const form of ['죽었어요', '늦어졌어요', '봤는데요', '끝났습니다', '봤어요']) assert.ok(!terms.includes(form), form);
  assert.equal(done.keywords.find((k) => k.term === '로그')?.count, 2);
  // Nothing is left to do: a second pass recounts nothing.
  const again = await rebuildTopics(fx.db, TZ, { analyzer: kiwi, staleOnly: true });
  assert.deepEqual([again.days, again.complete], [0, true]);
});

test('a held-out style day: every planted noun (loanwords, compounds, glued or spaced) and no inflected verb form', async () => {
  // Written for this test: particles, spacing variants (서버점검, 카프카브로커), typos (통과했슴다, 햇어요, 알려줄게여),
  // a laugh typed onto a word (재시작했어욬ㅋ), English mixed in.
  const day: CorpusMessage[] = [
    '카프카 브로커가 또 멈췄네요',
    '대시보드를 새로 만들었는데 다들 보셨나요?',
    '인증서가 만료돼서 로그인이 안 돼요ㅠㅠ',
    '스프린트 회고는 내일로 미뤘습니다',
    '핫픽스 배포했고 롤백은 안 했어요',
    '레플리카 하나가 뒤쳐졌어요',
    'PR 리뷰 부탁드려요~ 테스트 다 통과했슴다',
    '디비 백업이 실패했던데 확인해주실래요',
    '서버점검 끝나면 알려줄게여',
    '카프카브로커 재시작했어욬ㅋ',
    'Grafana 대시보드 봤는데 CPU가 튀었어요',
    '인증서 갱신 햇어요',
  ].map((text, i) => ({ id: `h${i}`, channel: 'ops', nick: '지영', text, at: `2024-09-10 ${String(9 + (i % 9)).padStart(2, '0')}:00` }));
  await insertMessages(fx.db, corpusRows(day).map((r, i) => ({ ...r, offset: 100 + i })));
  await maintainTopics(fx.db, TZ, { analyzer: kiwi });
  const r = await topics(fx.db, period('2024-09-10', '2024-09-10', TZ), { analyzer: kiwi, limit: 100 });
  const terms = r.keywords.map((k) => k.term);
  const planted = ['카프카', '브로커', '대시보드', '인증서', '로그인', '스프린트', '회고', '핫픽스', '롤백', '배포', '레플리카', '리뷰', '테스트', '디비', '백업', '서버', '점검', '재시작', '갱신'];
  for (const noun of planted) assert.ok(terms.includes(noun), `${noun} is a keyword (got ${terms.join(', ')})`);
  assert.equal(r.keywords.find((k) => k.term === '카프카')?.count, 2, '카프카 spaced and glued is one term');
  assert.equal(r.keywords.find((k) => k.term === '인증서')?.count, 2);
  // No word as written that carries a verb ending, and nothing that ends like one.
  const inflected = ['멈췄네요', '만들었는데', '보셨나요', '돼요', '미뤘습니다', '했어요', '뒤쳐졌어요', '부탁드려요', '통과했슴다', '실패했던데', '확인해주실래요', '끝나면', '알려줄게여', '재시작했어욬', '재시작했어요', '봤는데', '튀었어요', '햇어요'];
  for (const form of inflected) assert.ok(!terms.some((t) => t.includes(form)), `${form} is not a keyword`);
  for (const t of terms) assert.doesNotMatch(t, /(요|습니다|슴다|는데|던데|나요|게여|래요)$/, `${t} looks inflected`);
  // Verb lemmas only where a view asks for them.
  const verbs = await topics(fx.db, period('2024-09-10', '2024-09-10', TZ), { analyzer: kiwi, limit: 100, pos: 'verbs' });
  for (const lemma of ['멈추다', '미루다', '튀다']) assert.ok(verbs.keywords.some((k) => k.term === lemma), lemma);
});

test('kchat topics rebuild --from --to recounts that range with a progress report', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-topics-cli-'));
  try {
    const config = loadConfig({ ...process.env, DATA_DIR: dir, NODE_ENV: 'test' });
    const db = await Database.open(config.dbPath);
    await db.ensureSchema((await import('../ingest/schema.ts')).INGEST_SCHEMA);
    await insertMessages(db, corpusRows(DAYS));
    await catchUpTopics(db, TZ, { analyzer: ruleTerms });
    await db.close();
    const r = await kchat(['topics', 'rebuild', '--from', '2024-09-03', '--to', '2024-09-04', '--json'], dir, { env: { LOG_LEVEL: 'info' } });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { days: number; messages: number; analyzer: string; complete: boolean };
    assert.deepEqual([out.days, out.messages, out.analyzer, out.complete], [2, 3, kiwi.name, true]);
    assert.match(r.stderr, /\[2\/2\] 2024-09-03: 3 messages recounted/);
    assert.match(r.stderr, /recounting topic terms: progress/, 'and a log line for the server log');
    const reopened = await Database.open(config.dbPath);
    try {
      const days = await reopened.all<{ day: string; analyzer: string }>(`SELECT day::VARCHAR AS day, analyzer FROM topic_days ORDER BY day`);
      assert.deepEqual(days, [
        { day: '2024-09-02', analyzer: 'rule' },
        { day: '2024-09-03', analyzer: kiwi.name },
        { day: '2024-09-04', analyzer: kiwi.name },
      ]);
    } finally {
      await reopened.close();
    }
    const bad = await kchat(['topics', 'rebuild', '--from', '2024-13-01'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--from must be a date YYYY-MM-DD, got "2024-13-01"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('without a model Kiwi says why and the rule tokenizer counts; KCHAT_KIWI=off never loads it', async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-no-model-'));
  try {
    const missing = new KiwiTerms(new KiwiAnalyzer({ modelDir: empty, idleMs: 1000, fetch: false, enabled: true }));
    await assert.rejects(missing.terms(['서버가 죽었어요']), (err: Error) => err instanceof KiwiUnavailableError && err.message.includes(empty));
    assert.equal(missing.kiwi.state(), 'failed');
    const off = await chooseTermAnalyzer(loadConfig({ ...process.env, KCHAT_KIWI: 'off' }));
    assert.equal(off.name, 'rule');
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});

// In a process of its own, started before this one loads Kiwi: threads (and processes) inherit the
// nice value of the thread that starts them, so a worker that lowered its main thread by mistake
// would hide behind a Kiwi worker loaded before.
const NICE_PROBE = `
import fs from 'node:fs';
import { loadConfig } from './core/config.ts';
import { KiwiAnalyzer } from './core/korean/kiwi/analyzer.ts';
import { modelDir } from './core/korean/kiwi/model.ts';
import { threadNice } from './test/helpers/threads.ts';
const threads = () => Object.fromEntries(fs.readdirSync('/proc/' + process.pid + '/task').map((t) => [t, threadNice(t)]));
const before = threads();
const k = new KiwiAnalyzer({ modelDir: modelDir(), idleMs: 600000, fetch: false, enabled: true, nice: loadConfig().kiwi.nice });
const answer = await k.analyze(['회의록'], false);
const during = threads();
await k.release();
console.log(JSON.stringify({ pid: process.pid, before, during, info: k.info(), answer }));
process.exit(0);
`;

type NiceProbe = { pid: number; before: Record<string, number>; during: Record<string, number>; info: { nice: number; thread: number | null }; answer: unknown };
let niceProbe: NiceProbe | null = null;
function runNiceProbe(): NiceProbe {
  const out = execFileSync(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', NICE_PROBE], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'warn' } });
  return JSON.parse(out.trim().split('\n').at(-1)!) as NiceProbe;
}

test('the Kiwi worker analyses at a low priority (KCHAT_KIWI_NICE, 19): its own thread only, the rest of the process keeps its own', { skip: process.platform !== 'linux' && 'nice values per thread are Linux' }, (t) => {
  const probe = niceProbe!;
  if (probe.before[probe.pid] === 19) return t.skip('the tests run at nice 19 already: there is nothing lower to see');
  assert.deepEqual(probe.answer, [['회의록', 'NNG']]);
  const { thread, nice } = probe.info;
  assert.ok(thread !== null && thread !== probe.pid && !(thread in probe.before), 'the worker named its own, new thread');
  assert.equal(nice, 19, 'background work by default');
  assert.equal(probe.during[thread], 19, 'the kernel runs the analysing thread at nice 19');
  assert.equal(probe.during[probe.pid], probe.before[probe.pid], 'the main thread (the event loop answering requests) keeps its priority');
  for (const [tid, n] of Object.entries(probe.before)) if (tid in probe.during) assert.equal(probe.during[tid], n, `thread ${tid} keeps its priority`);
  // a value the kernel does not have is refused by name
  assert.throws(() => loadConfig({ KCHAT_KIWI_NICE: '25' }), /KCHAT_KIWI_NICE must be an integer from 0 to 19, got "25"/);
  assert.throws(() => loadConfig({ KCHAT_KIWI_NICE: '낮게' }), /KCHAT_KIWI_NICE/);
  assert.equal(loadConfig({ KCHAT_KIWI_NICE: '0' }).kiwi.nice, 0);
});

test('a big batch is prepared and composed in turns of the event loop, with the same terms as the blocking path', async () => {
  // 3,000 messages of real phrasing with English words, spacing variants and typos; the second run finds every word
  // cached (and none needs its message read again — 노션에 would: that is a wait for the worker, which yields anyway)
  const base = [...DAYS.slice(0, 4).map((m) => m.text), '어제 deploy 했는데 rollback 해야 될듯ㅋㅋ', 'Kafka consumer lag 확인 부탁드려요', '서버장애 원인 분석 중입니다ㅠㅠ', '회의록올렸어요 확인해주세요'];
  const texts = Array.from({ length: 3000 }, (_, i) => `${base[i % base.length]} ${i % 7 ? '' : 'PR#' + i}`);
  const here = new KiwiTerms(kiwi.kiwi); // no terms thread: the batch is this thread's work
  const first = await here.terms(texts);
  let ticks = 0;
  let running = true;
  const tick = () => {
    if (!running) return;
    ticks++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const second = await here.terms(texts); // nothing left for the worker: only this thread's work
  running = false;
  assert.ok(ticks > 0, 'other work ran on the event loop while the batch was composed');
  assert.deepEqual(second, first);
  assert.deepEqual(here.termsSync(texts), first);
  const en = first[base.indexOf('Kafka consumer lag 확인 부탁드려요')].map((t) => t.term);
  assert.deepEqual(en.slice(0, 3), ['kafka', 'consum', 'lag']);
});

test("big batches are composed on the terms thread at the analysis's low priority, with the same terms, by the process's one Kiwi", async () => {
  const shared = kiwi; // the process's KiwiTerms (kiwiTerms()), which has the thread
  const thread = shared.thread;
  assert.ok(thread, 'the process has a terms thread');
  // real phrasing: loanwords Kiwi reads only in their message (노션에, 지라가), spacing variants, typos, English,
  // and words nobody has asked about yet (the thread must ask Kiwi for them)
  const base = ['컨슈머 회의록은 노션에 있어요', '지라가 또 느려요', '서버장애 원인 분석 중입니다ㅠㅠ', '서버 장애 원인분석 끝났습니다', '배포가 늦어졌어요', '어제 deploy 했는데 rollback 해야 될듯ㅋㅋ', '마이그래이션 끝낫어요', '쿠버네티스 파드가 재시작됐어요'];
  const fresh = ['카산드라', '프로메테우스', '그라파나', '엘라스틱서치', '레디스', '몽고디비'];
  const texts = Array.from({ length: THREAD_MIN_TEXTS + 44 }, (_, i) => `${base[i % base.length]}${i % 50 ? '' : ` ${fresh[i / 50]}에서 봤어요`}`);
  const cached = shared.cacheSize();
  const batches = thread.info().batches;
  const { loads, words } = shared.kiwi.info();
  const got = await shared.terms(texts);
  const info = thread.info();
  assert.equal(info.batches, batches + 1, 'the batch went to the thread');
  assert.equal(shared.cacheSize(), cached, "this thread's word cache did none of the work");
  assert.ok(shared.kiwi.info().words > words, "the thread asked the process's Kiwi for the words it did not know");
  assert.equal(shared.kiwi.info().loads, loads, 'no second model was loaded for it');
  assert.deepEqual(got, await new KiwiTerms(shared.kiwi).terms(texts), 'the same terms as composed on this thread');
  assert.deepEqual(got[8].map((t) => t.term), ['컨슈머', '회의록', '노션']);
  assert.deepEqual(got[1].map((t) => t.term), ['지라', '느리다']);
  assert.deepEqual(got[50].map((t) => t.term), ['서버', '장애', '원인', '분석', '프로메테우스', '보다']);
  // a chat's small batch stays on the caller's thread
  await shared.terms(texts.slice(0, 3));
  assert.equal(thread.info().batches, info.batches);
  if (process.platform !== 'linux' || threadNice(process.pid) === 19) return; // nothing lower to see
  assert.ok(info.thread !== null && info.thread !== process.pid, 'a thread of its own');
  assert.equal(info.nice, 19);
  assert.equal(threadNice(info.thread!), 19, 'the kernel runs the composing thread at nice 19');
  assert.notEqual(threadNice(process.pid), 19, 'the main thread (the event loop answering requests) keeps its priority');
});

test('a count that stops does not wait for the terms thread: its batch is dropped, the next one is composed', async () => {
  const texts = Array.from({ length: THREAD_MIN_TEXTS }, (_, i) => `새로 온 낱말${i}들을 팀원이 정리했어요`);
  const stop = new AbortController();
  const stopped = kiwi.terms(texts, stop.signal);
  stop.abort();
  await assert.rejects(stopped);
  const again = await kiwi.terms(texts);
  assert.equal(again.length, texts.length);
  assert.ok(again.every((terms) => terms.some((t) => t.term === '팀원')), JSON.stringify(again[0]));
});

test("the terms thread gives a count's garbage back as it goes instead of letting it pile up beside the model", async () => {
  // a thread with a small word cache, which collects after 4 MiB (the product's: 100,000 words, 16 MiB), fed the
  // long tail of a real history: batches as a count sends them (2,048 stored messages), each with words the cache
  // has not seen, so its older half is dropped again and again, and each batch waits for Kiwi
  const thread = new TermsThread(kiwi.kiwi, { nice: 0, idleMs: 60_000, cacheWords: 2_000, collectAfterMiB: 4 });
  const terms = new KiwiTerms(kiwi.kiwi, undefined, thread);
  const base = ['컨슈머 랙이 또 늘었어요', '서버장애 원인 분석 중입니다ㅠㅠ', '배포가 늦어졌어요', '마이그래이션 끝낫어요 확인 부탁드려요', '어제 deploy 했는데 rollback 해야 될듯ㅋㅋ'];
  try {
    let batches = 0;
    while ((thread.info().heap?.collections ?? 0) < 2 && batches < 50) {
      const texts = Array.from({ length: 2048 }, (_, i) => `${base[i % base.length]}${i % 4 ? '' : ` 낱말${batches * 2048 + i}호에서 봤어요`}`);
      const got = await terms.terms(texts);
      assert.ok(got[0].some((t) => t.term === '낱말'), JSON.stringify(got[0]));
      batches++;
    }
    const heap = thread.info().heap!;
    assert.ok(heap.collections >= 2, `the thread collected ${heap.collections} times in ${batches} batches`);
    assert.ok(heap.usedAfter < heap.usedBefore - 2 ** 20, `its last collection freed ${((heap.usedBefore - heap.usedAfter) / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(thread.info().running, 'the thread goes on');
  } finally {
    await thread.release();
  }
});

test('the worker is released after it has been idle, and comes back on the next analysis', async () => {
  const k = new KiwiTerms(new KiwiAnalyzer({ modelDir: modelDir(), idleMs: 200, fetch: false, enabled: true }));
  const released = once(k.kiwi, 'release');
  const [first] = await k.terms(['회의록 올렸어요']);
  assert.deepEqual(first.map((t) => t.term), ['회의록', '올리다']);
  await released;
  assert.equal(k.kiwi.state(), 'idle');
  const [second] = await k.terms(['컨슈머 그룹 재시작했어요']);
  assert.deepEqual(second.map((t) => t.term), ['컨슈머', '그룹', '재시작']);
  assert.equal(k.kiwi.info().loads, 2);
  // the model files' bytes (~95 MB read into the worker to build the model) are not kept beside it
  assert.ok(k.kiwi.info().loadLeftMiB < 16, `${k.kiwi.info().loadLeftMiB} MiB of buffers left in the worker after loading`);
  await k.kiwi.release();
});

test('releaseIfIdle: a loaded worker that has been quiet for the given time is released at once', async () => {
  const k = new KiwiTerms(new KiwiAnalyzer({ modelDir: modelDir(), idleMs: 600_000, fetch: false, enabled: true }));
  assert.equal(await k.kiwi.releaseIfIdle(0), false, 'nothing loaded: nothing to release');
  const [first] = await k.terms(['회의록 올렸어요']);
  assert.deepEqual(first.map((t) => t.term), ['회의록', '올리다']);
  assert.equal(await k.kiwi.releaseIfIdle(60_000), false, 'used just now: it stays');
  assert.equal(k.kiwi.state(), 'ready');
  await new Promise((r) => setTimeout(r, 50));
  const released = once(k.kiwi, 'release');
  assert.equal(await k.kiwi.releaseIfIdle(20), true);
  await released;
  assert.equal(k.kiwi.state(), 'idle');
  const [again] = await k.terms(['컨슈머 재시작했어요']);
  assert.deepEqual(again.map((t) => t.term), ['컨슈머', '재시작']);
  await k.kiwi.release();
});

test('a load that nothing waits for any more is stopped — not a failure — and a caller without a signal keeps it going', async () => {
  const k = new KiwiAnalyzer({ modelDir: modelDir(), idleMs: 600_000, fetch: false, enabled: true });
  const stop = new AbortController();
  const waiting = k.analyze(['회의록'], false, stop.signal);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(k.state(), 'loading');
  stop.abort(); // e.g. the topic count yielded to a bulk ingest
  assert.equal(await waiting, null);
  assert.equal(k.state(), 'idle', 'stopped, not failed');
  assert.equal(k.info().loads, 0);
  // two callers, one stops waiting: the other still gets its answer from the load
  const stop2 = new AbortController();
  const a = k.analyze(['서버'], false, stop2.signal);
  const b = k.analyze(['회의록'], false);
  stop2.abort();
  assert.equal(await a, null);
  assert.deepEqual(await b, [['회의록', 'NNG']]);
  assert.equal(k.state(), 'ready');
  assert.equal(k.info().loads, 1);
  await k.release();
});

test("SQL's ko_tokens() gives the nouns topic statistics count, ko_lemmas() the verbs", async () => {
  const box = await SqlSandbox.open(fx.db, { dataDir: fx.dir });
  try {
    const r = await box.query("SELECT ko_tokens('마이그레이션 끝났습니다. 회의록은 노션에 올렸어요') AS n, ko_lemmas('서버가 죽었어요') AS v");
    assert.deepEqual(r.rows[0], [['마이그레이션', '회의록', '노션'], ['죽다']]);
    // Over the stored messages: exactly the noun counts behind topic statistics.
    await rebuildTopics(fx.db, TZ, { analyzer: kiwi });
    const counted = await box.query(`SELECT t, count(*)::INTEGER AS n FROM messages, unnest(ko_tokens(text)) AS u(t) WHERE type = 'message' GROUP BY t ORDER BY t`);
    const stats = await fx.db.all<{ term: string; n: number }>(`SELECT term, sum(count)::INTEGER AS n FROM topic_terms WHERE kind = 'noun' GROUP BY term ORDER BY term`);
    assert.deepEqual(counted.rows, stats.map((r) => [r.term, r.n]));
    assert.ok(counted.rows.length >= 7);
  } finally {
    box.close();
  }
});

test('the background maintenance loads Kiwi only when there is something to count', async () => {
  await maintainTopics(fx.db, TZ); // whatever is pending is counted
  await kiwi.kiwi.release();
  const loads = kiwi.kiwi.info().loads;
  await maintainTopics(fx.db, TZ);
  assert.equal(kiwi.kiwi.state(), 'idle', 'nothing new: the worker (~0.65 GiB) stays unloaded');
  assert.equal(kiwi.kiwi.info().loads, loads);
  await insertMessages(fx.db, corpusRows([{ id: 'n1', channel: 'dev', nick: '수진', text: '쿠버네티스 노드가 재부팅됐어요', at: '2024-09-11 10:00' }]).map((r) => ({ ...r, offset: 200 })));
  await maintainTopics(fx.db, TZ);
  assert.equal(kiwi.kiwi.info().loads, loads + 1, 'a new message: Kiwi is loaded to count it');
  const day = await topics(fx.db, period('2024-09-11', '2024-09-11', TZ), { analyzer: kiwi });
  assert.ok(day.keywords.some((k) => k.term === '쿠버네티스'));
  await kiwi.kiwi.release();
});

test('a worker released while idle is not loaded again just to be chosen: only a word its cache does not know loads it', async () => {
  const config = loadConfig();
  const chosen = await chooseTermAnalyzer(config, { wait: true });
  assert.equal(chosen, kiwi);
  const [first] = await chosen.terms(['배포 일정 공유드립니다']);
  assert.deepEqual(first.map((t) => t.term), ['배포', '일정', '공유', '드리다']);
  await kiwi.kiwi.release();
  const loads = kiwi.kiwi.info().loads;
  const again = await chooseTermAnalyzer(config, { wait: true });
  assert.equal(again, kiwi, 'Kiwi is still the analyser (its counts keep their label)');
  assert.equal(kiwi.kiwi.state(), 'idle', 'choosing it did not load the model');
  const [cached] = await again.terms(['배포 일정 공유드립니다']);
  assert.deepEqual(cached, first, 'the same terms from the cache');
  assert.equal(kiwi.kiwi.state(), 'idle', 'every word was in the cache');
  const [fresh] = await again.terms(['로드밸런서 인증서를 갱신했어요']);
  assert.deepEqual(fresh.map((t) => t.term), ['로드밸런서', '인증서', '갱신']);
  assert.equal(kiwi.kiwi.info().loads, loads + 1, 'a new word loaded it');
  assert.equal(kiwi.kiwi.state(), 'ready');
});
