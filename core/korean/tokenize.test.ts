import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stemKorean, terms, tokenize } from './tokenize.ts';

test('particles are stripped so 장애가/장애를/장애는 are one term', () => {
  assert.deepEqual(terms('장애가 났어요. 장애를 보고합니다. 장애는 복구됨'), ['장애', '났어요', '장애', '보고', '장애', '복구됨']);
  assert.deepEqual(terms('장애에서 배운 점'), ['장애', '배운']);
});

test('하다/되다 endings are stripped after nouns', () => {
  assert.equal(stemKorean('회의했어요'), '회의');
  assert.equal(stemKorean('배포합니다'), '배포');
  assert.equal(stemKorean('연결되는'), '연결');
  assert.equal(stemKorean('배포했습니다'), '배포');
  assert.equal(stemKorean('하늘'), '하늘');
  assert.deepEqual(terms('오늘 회의했어요'), ['회의']);
});

test('script-aware segmentation: mixed words, English stemming, emoji and links dropped', () => {
  assert.deepEqual(terms('Kafka에서 API가 timeout 났어요 🔥 https://example.com/x'), ['kafka', 'api', 'timeout', '났어요']);
  assert.deepEqual(terms('The deployments were failing on Kafka brokers'), ['deploy', 'fail', 'kafka', 'broker']);
  assert.deepEqual(
    tokenize('3시에 v2로 배포', { numbers: true }).map((t) => t.term),
    ['3', '2', '배포'],
  );
});

test('NFKC normalisation: full-width Latin and NFD Hangul read like the plain forms', () => {
  assert.deepEqual(terms('ＫＡＦＫＡ 장애가'.normalize('NFD')), ['kafka', '장애']);
});

test('stopwords are dropped for topics but kept when asked', () => {
  assert.deepEqual(terms('그리고 진짜 너무 좋아요 the and'), ['좋아요']);
  assert.ok(tokenize('그리고 the', { keepStopwords: true }).length === 2);
  assert.deepEqual(terms('ㅋㅋㅋㅋ ㅠㅠ'), []);
});
