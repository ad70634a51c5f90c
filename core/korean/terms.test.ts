// Topic terms without the model: Kiwi's morphemes → terms, when a word needs
// its context, how a message is prepared, and the rule tokenizer fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { morphTerms, needsContext, prepareText, ruleTerms } from './terms.ts';

test('Kiwi morphemes → nouns, English stems and verb lemmas; grammar and one-syllable nouns dropped', () => {
  const terms = morphTerms(['서버', 'NNG', '죽', 'VV', 'Kafka', 'SL', '중', 'NNG', '마이그레이션', 'NNG', '늦어지', 'VV', '크', 'VA', '하', 'VV', 'the', 'SL', '노션', 'NNP']);
  assert.deepEqual(
    terms.map((t) => [t.term, t.kind, t.latin]),
    [
      ['서버', 'noun', false],
      ['죽다', 'verb', false],
      ['kafka', 'noun', true],
      ['마이그레이션', 'noun', false],
      ['늦어지다', 'verb', false],
      ['크다', 'verb', false],
      ['노션', 'noun', false],
    ],
  );
  assert.equal(terms[2].surface, 'Kafka', 'the spelling is kept for display');
});

test('a one-syllable noun glued to another is part of a compound (핫픽스, 롤백); grammar syllables are dropped', () => {
  const nouns = (m: string[]) => morphTerms(m).map((t) => t.term);
  assert.deepEqual(nouns(['핫', 'NNG', '픽스', 'NNP']), ['핫픽스']);
  assert.deepEqual(nouns(['롤', 'NNG', '백', 'NNG', '을', 'JKO']), ['롤백']);
  assert.deepEqual(nouns(['회의', 'NNG', '록', 'NNG']), ['회의록'], 'a last piece joins the one before it');
  assert.deepEqual(nouns(['배포', 'NNG', '때', 'NNG']), ['배포'], '때 is grammar, not part of the noun');
  assert.deepEqual(nouns(['장애', 'NNG', '건', 'NNG', '이', 'JKS']), ['장애']);
  assert.deepEqual(nouns(['서버', 'NNG', '장애', 'NNG']), ['서버', '장애'], 'two real nouns stay two');
  assert.deepEqual(nouns(['핫', 'NNG', '픽스', 'NNG', '배포', 'NNG']), ['핫픽스', '배포']);
  assert.deepEqual(nouns(['핫', 'NNG', '하', 'XSA', '네', 'EF']), [], 'a one-syllable noun alone is dropped');
});

test('a laugh or sob typed onto a word is taken off it (했어욬ㅋ, 끝났어요ㅠㅠ), a real final ㅋ stays (부엌)', () => {
  assert.deepEqual(prepareText('재시작했어욬ㅋ 배포 끝났어요ㅠㅠ 그렇닼'), ['재시작했어요', '배포', '끝났어요', '그렇다']);
  assert.deepEqual(prepareText('부엌 새벽녘 ㅋㅋㅋ'), ['부엌', '새벽녘', 'ㅋㅋㅋ']);
});

test('a word Kiwi read alone as one noun ending like a particle is re-read in its message', () => {
  assert.equal(needsContext('노션에', ['노션에', 'NNG']), true);
  assert.equal(needsContext('지라가', ['지라가', 'NNG']), true);
  assert.equal(needsContext('서버', ['서버', 'NNG']), false, 'no particle-like ending');
  assert.equal(needsContext('회의', ['회의', 'NNG']), false, '회의 is a known noun (의 is not cut)');
  assert.equal(needsContext('서버가', ['서버', 'NNG']), false, 'Kiwi already split the particle');
  assert.equal(needsContext('봤어요', ['보', 'VV']), false);
});

test('messages are prepared as Kiwi reads them: NFC, full-width Latin, no links or mentions', () => {
  assert.deepEqual(prepareText('  @민수 ＫＡＦＫＡ   설정\n바꿨어요 https://x.example/a #ops'), ['ＫＡＦＫＡ'.normalize('NFKC'), '설정', '바꿨어요']);
  assert.deepEqual(prepareText('회의록'.normalize('NFD')), ['회의록']);
});

test('the rule tokenizer stands in with nouns only (its known limit: other verbs stay inflected)', async () => {
  const [terms] = await ruleTerms.terms(['회의했어요 서버가 죽었어요']);
  assert.deepEqual(
    terms.map((t) => [t.term, t.kind]),
    [
      ['회의', 'noun'],
      ['서버', 'noun'],
      ['죽었어요', 'noun'],
    ],
  );
});
