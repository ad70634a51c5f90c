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
