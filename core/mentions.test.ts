// Mentions with Korean particles and titles, look-alike spellings, mail
// addresses, bots and unknown nicks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findMentions } from './mentions.ts';
import { nickSkeleton } from './nick.ts';

const people: Record<string, string> = { 민수: 'u_minsu', 지현: 'u_jihyun', 민수킴: 'u_minsukim', Minji: 'u_minji', '김 철수': 'u_cs' };
const byFolded = new Map(Object.entries(people).map(([nick, id]) => [nickSkeleton(nick), { id }]));
const lookup = (folded: string) => byFolded.get(folded);
const ids = (text: string) => findMentions(text, lookup).ids;

test('a nick followed by a title, a vocative or a particle is a mention', () => {
  assert.deepEqual(ids('@민수님 회의 언제예요?'), ['u_minsu']);
  assert.deepEqual(ids('@지현아 점심 먹자'), ['u_jihyun']);
  assert.deepEqual(ids('@민수가 말한 거 확인했어요'), ['u_minsu']);
  assert.deepEqual(ids('@민수님께서 올리신 자료'), ['u_minsu']);
  assert.deepEqual(ids('이건 @지현한테 물어봐'), ['u_jihyun']);
  assert.deepEqual(ids('@민수, @지현! 둘 다 봐 주세요'), ['u_minsu', 'u_jihyun']);
  assert.deepEqual(ids('(@민수)'), ['u_minsu']);
});

test('the longest nick wins: 민수킴 is not 민수 + 킴', () => {
  assert.deepEqual(ids('@민수킴님 안녕하세요'), ['u_minsukim']);
  assert.deepEqual(ids('@민수 @민수킴'), ['u_minsu', 'u_minsukim']);
});

test('case, width and Latin names with Korean particles', () => {
  assert.deepEqual(ids('@minji님 리뷰 부탁'), ['u_minji']);
  assert.deepEqual(ids('@ＭＩＮＪＩ 확인'), ['u_minji']);
  assert.deepEqual(ids('@Minji가 했어요'), ['u_minji']);
});

test('a nick with a space inside', () => {
  assert.deepEqual(ids('@김 철수님 반가워요'), ['u_cs']);
});

test('not mentions: mail addresses, a nick that goes on into another word, nothing after @', () => {
  assert.deepEqual(ids('메일은 minsu@example.com 으로'), []);
  assert.deepEqual(ids('@민수수 누구?'), []);
  assert.deepEqual(ids('@ 혼자'), []);
  assert.deepEqual(ids('@@민수'), []);
});

test('unknown nicks are named; bots and @here are not people', () => {
  const m = findMentions('@모르는사람 안녕, @bot 도움말, @here 공지, @민수님', lookup, (w) => w.toLowerCase() === 'bot');
  assert.deepEqual(m.ids, ['u_minsu']);
  assert.deepEqual(m.unknown, ['모르는사람']);
});

test('spans cover @nick without its ending', () => {
  const text = '안녕 @민수님';
  const m = findMentions(text, lookup);
  assert.deepEqual(m.spans.map(([a, b]) => text.slice(a, b)), ['@민수']);
});
