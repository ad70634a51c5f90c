import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripParticle } from './particles.ts';

test('strips case and topic particles from nouns', () => {
  for (const w of ['장애가', '장애를', '장애는', '장애에서', '장애도', '장애의', '장애만', '장애까지', '장애부터', '장애처럼', '장애보다', '장애로', '장애와', '장애랑', '장애요', '장애입니다', '장애예요']) {
    assert.equal(stripParticle(w), '장애', w);
  }
  for (const w of ['감독은', '감독이', '감독을', '감독과', '감독으로', '감독이랑', '감독이나', '감독이라도', '감독이에요', '감독에게', '감독한테', '감독께', '감독조차', '감독마저', '감독밖에']) {
    assert.equal(stripParticle(w), '감독', w);
  }
  assert.equal(stripParticle('서울로'), '서울'); // ㄹ takes 로
});

test('strips stacked particles one layer at a time', () => {
  assert.equal(stripParticle('서버에서는'), '서버');
  assert.equal(stripParticle('팀장에게도'), '팀장');
  assert.equal(stripParticle('메일으로는'.replace('메일으로', '부산으로')), '부산');
  assert.equal(stripParticle('내일까지만'), '내일');
  assert.equal(stripParticle('회의에서도'), '회의');
});

test('does not cut real syllables off nouns', () => {
  for (const w of ['나이', '사과', '도로', '가구', '회의', '정도', '휴가', '포도', '하나', '우리', '민주주의', '비상회의', '이정도', '바나나', '동의', '커피']) {
    assert.equal(stripParticle(w), w, w);
  }
  assert.equal(stripParticle('나이가'), '나이');
  assert.equal(stripParticle('사과를'), '사과');
  assert.equal(stripParticle('도로에서'), '도로');
  assert.equal(stripParticle('회의는'), '회의');
  assert.equal(stripParticle('비상회의는'), '비상회의');
  assert.equal(stripParticle('회의도'), '회의'); // not 회 + 의도
  assert.equal(stripParticle('의도'), '의도');
});

test('mixed scripts keep the Latin stem', () => {
  assert.equal(stripParticle('Kafka에서'), 'Kafka');
  assert.equal(stripParticle('API가'), 'API');
  assert.equal(stripParticle('DuckDB를'), 'DuckDB');
});

test('NFD input is normalised before stripping', () => {
  assert.equal(stripParticle('장애가'.normalize('NFD')), '장애');
});
