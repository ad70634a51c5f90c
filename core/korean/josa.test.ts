// The one particle chooser, as the bots and the chat UI use it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { josa, pickJosa } from './josa.ts';

test('josa picks the form by the final consonant', () => {
  assert.equal(josa('파묘', '은/는'), '파묘는');
  assert.equal(josa('감독', '은/는'), '감독은');
  assert.equal(josa('감독', '이/가'), '감독이');
  assert.equal(josa('장재현', '을/를'), '장재현을');
  assert.equal(josa('파묘', '을/를'), '파묘를');
  assert.equal(josa('친구', '과/와'), '친구와');
  assert.equal(josa('서울', '으로/로'), '서울로');
  assert.equal(josa('부산', '으로/로'), '부산으로');
  assert.equal(josa('학교', '(으)로'), '학교로');
  assert.equal(josa('닭', '이/가'), '닭이');
  assert.equal(pickJosa('3', '이/가'), '이');
  assert.equal(pickJosa('2', '은/는'), '는');
  assert.equal(pickJosa('7', '으로/로'), '로'); // 칠 ends in ㄹ
  assert.equal(pickJosa('Kafka', '은/는'), '는');
  assert.throws(() => pickJosa('x', '뭐/뭐'), /unknown particle pair/);
});

test('nicknames of unknown sound get both forms when asked (the chat UI), a guess otherwise (the bots)', () => {
  const ui = { foreign: 'both' } as const;
  assert.equal(josa('민수킴', '으로/로', ui), '민수킴으로');
  assert.equal(josa('철수', '으로/로', ui), '철수로');
  assert.equal(josa('서울', '으로/로', ui), '서울로');
  assert.equal(josa('지영', '을/를', ui), '지영을');
  assert.equal(josa('민수', '을/를', ui), '민수를');
  assert.equal(josa('봇', '이/가', ui), '봇이');
  assert.equal(josa('kim', '으로/로', ui), 'kim(으)로');
  assert.equal(josa('Bob', '을/를', ui), 'Bob을(를)');
  assert.equal(josa('Bob', '이/가', ui), 'Bob이(가)');
  assert.equal(josa('alice', '은/는', ui), 'alice은(는)');
  assert.equal(josa('user7', '으로/로', ui), 'user7로', 'a digit is read as Sino-Korean (칠)');
  assert.equal(josa('kim', '으로/로'), 'kim으로', 'the guess reads kim as 킴');
  assert.equal(josa('Spring', '은/는'), 'Spring은');
  assert.equal(josa('민수"', '이/가'), '민수"가', 'closing punctuation is skipped');
  assert.equal(josa('한국어'.normalize('NFD'), '을/를'), '한국어'.normalize('NFD') + '를', 'NFD input reads the same');
});
