// A stats request that comes before Kiwi has loaded (e.g. right after an
// import, whose background count waited for ingest to catch up) counts with
// Kiwi when its model is on disk: it waits the few seconds the load takes
// instead of counting with the rule tokenizer, whose inflected verbs
// (죽었어요, 봤는데요) would otherwise be the answer until a recount.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { auditFixture, type AuditFixture, type CorpusMessage } from '../audit/fixtures.ts';
import { period, topics } from '../audit/stats.ts';
import { loadConfig } from '../core/config.ts';
import { ensureModel, modelDir } from '../core/korean/kiwi/model.ts';
import { kiwiTerms, releaseKiwi } from '../core/korean/terms.ts';

const TZ = 'Asia/Seoul';
const DAY: CorpusMessage[] = [
  ['2024-09-15 10:00', '어제 서버가 죽었어요'],
  ['2024-09-15 10:05', '배포가 늦어졌어요'],
  ['2024-09-15 10:10', '로그를 봤는데요'],
  ['2024-09-15 10:20', '마이그레이션 끝났습니다'],
  ['2024-09-15 10:30', '컨슈머 회의록은 노션에 있어요'],
  ['2024-09-15 10:40', '서버 로그를 다시 봤는데요'],
].map(([at, text], i) => ({ id: `r${i}`, channel: 'dev', nick: '지영', text, at }));

let fx: AuditFixture;
before(async () => {
  await ensureModel(modelDir());
  fx = await auditFixture(DAY);
});
after(async () => {
  await releaseKiwi();
  await fx.close();
});

test('the first stats request waits for a model on disk and answers in nouns, not inflected verbs', async () => {
  const kiwi = kiwiTerms(loadConfig()).kiwi;
  assert.equal(kiwi.isReady(), false, 'Kiwi is not loaded before the request');
  assert.equal(kiwi.modelPresent(), true);
  const r = await topics(fx.db, period('2024-09-15', '2024-09-15', TZ), { limit: 50, waitMs: 60_000 });
  const terms = r.keywords.map((k) => k.term);
  assert.equal(r.coverage.analyzer, kiwiTerms(loadConfig()).name, JSON.stringify(r.coverage));
  assert.equal(r.coverage.complete, true, JSON.stringify(r.coverage));
  for (const noun of ['서버', '배포', '로그', '마이그레이션', '컨슈머', '회의록', '노션']) assert.ok(terms.includes(noun), `${noun} in ${terms.join(' ')}`);
  for (const verb of ['죽었어요', '늦어졌어요', '봤는데요', '끝났습니다']) assert.ok(!terms.includes(verb), `${verb} is not a keyword: ${terms.join(' ')}`);
});
