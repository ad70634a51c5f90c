import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choseong, editDistance, finalOf, hasFinal, isChoseongQuery, jamoDistance, jamoSimilarity, joinSyllable, splitSyllable, toJamo } from './hangul.ts';

test('splits and joins syllables', () => {
  assert.deepEqual(splitSyllable('닭'), { initial: 'ㄷ', medial: 'ㅏ', final: 'ㄺ' });
  assert.deepEqual(splitSyllable('가'), { initial: 'ㄱ', medial: 'ㅏ', final: '' });
  assert.equal(splitSyllable('A'), null);
  assert.equal(joinSyllable('ㄷ', 'ㅏ', 'ㄺ'), '닭');
  assert.equal(joinSyllable('ㅎ', 'ㅣ', 'ㅎ'), '힣');
  assert.equal(joinSyllable('ㅏ', 'ㄱ'), null);
});

test('finals, including compound finals and the ㄹ final', () => {
  assert.equal(finalOf('값'), 'ㅄ');
  assert.equal(finalOf('서울'.at(-1)!), 'ㄹ');
  assert.equal(hasFinal('묘'), false);
  assert.equal(hasFinal('독'), true);
  assert.equal(finalOf('x'), null);
});

test('jamo decomposition, with compound jamo split into keystrokes', () => {
  assert.equal(toJamo('감독'), 'ㄱㅏㅁㄷㅗㄱ');
  assert.equal(toJamo('닭'), 'ㄷㅏㄺ');
  assert.equal(toJamo('닭', true), 'ㄷㅏㄹㄱ');
  assert.equal(toJamo('회의', true), 'ㅎㅗㅣㅇㅡㅣ');
  // NFD input decomposes the same way as NFC
  assert.equal(toJamo('감독'.normalize('NFD')), 'ㄱㅏㅁㄷㅗㄱ');
  assert.equal(toJamo('API 장애'), 'API ㅈㅏㅇㅇㅐ');
});

test('choseong extraction', () => {
  assert.equal(choseong('파묘'), 'ㅍㅁ');
  assert.equal(choseong('Kafka 장애'), 'Kafka ㅈㅇ');
  assert.equal(isChoseongQuery('ㅍㅁ'), true);
  assert.equal(isChoseongQuery('파묘'), false);
});

test('jamo-level distance counts a typo inside a syllable as one edit', () => {
  assert.equal(jamoDistance('감독', '감독'), 0);
  assert.equal(jamoDistance('감독', '감돆'), 1); // ㄱ → ㄲ final
  assert.equal(jamoDistance('닭', '닥'), 1); // ㄺ → ㄱ: one keystroke less
  assert.equal(jamoDistance('파묘', '파뮤'), 1);
  assert.equal(jamoDistance('회의', '회이'), 1);
  assert.equal(jamoDistance('', '가'), 2);
  assert.equal(jamoDistance('Kafka', 'kafka'), 0);
  assert.ok(jamoDistance('장애', '회의') > 3);
});

test('normalised similarity is 1 for equal words and falls with distance', () => {
  assert.equal(jamoSimilarity('파묘', '파묘'), 1);
  assert.equal(jamoSimilarity('', ''), 1);
  const near = jamoSimilarity('범죄도시', '범죄도시2');
  const typo = jamoSimilarity('범죄도시', '범죄도사');
  const far = jamoSimilarity('범죄도시', '서울의 봄');
  assert.ok(near > 0.8 && typo > 0.8, `near ${near} typo ${typo}`);
  assert.ok(far < 0.5, `far ${far}`);
  assert.ok(jamoSimilarity('아바타', '아바타') > jamoSimilarity('아바타', '아마타'));
});

test('editDistance: one implementation, with an early give-up bound', () => {
  assert.equal(editDistance([...'kitten'], [...'sitting']), 3);
  assert.equal(editDistance([...'kitten'], [...'sitting'], 1), 2, 'over the bound → max + 1');
  assert.equal(editDistance([...toJamo('기생중', true)], [...toJamo('기생충', true)], 2), 1);
  assert.equal(editDistance([], [...'abc']), 3);
  assert.equal(editDistance([...'abcdef'], [], 2), 3, 'length gap alone exceeds the bound');
});
