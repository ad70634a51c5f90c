import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emlFileName, encodedWords, mailDate } from './eml.ts';
import { exportRange } from './range.ts';

test('encoded words: Korean split into words of at most 75 characters, never inside a character', () => {
  const text = '#개발 2024-08-27 대화 기록 (메시지 120, 수정 3, 삭제 1, 입장 4, 퇴장 2) 😀';
  const words = encodedWords(text).split('\r\n ');
  assert.ok(words.length > 1);
  for (const w of words) assert.ok(w.length <= 75, w);
  const decoded = words.map((w) => Buffer.from(/^=\?UTF-8\?B\?(.*)\?=$/.exec(w)![1], 'base64').toString('utf8')).join('');
  assert.equal(decoded, text);
  assert.equal(encodedWords('plain ascii'), 'plain ascii');
});

test('file names: a channel name from outside never becomes a path', () => {
  assert.equal(emlFileName('개발', '2024-08-27'), '2024-08-27_개발.eml');
  for (const hostile of ['../etc', 'a/b', '..', 'x\\y', '\0']) {
    const name = emlFileName(hostile, '2024-08-27');
    assert.doesNotMatch(name, /[/\\\0]|\.\./, name);
  }
});

test('mail dates carry the offset of the instant', () => {
  assert.equal(mailDate('2024-08-27T09:31:05.000+09:00'), 'Tue, 27 Aug 2024 09:31:05 +0900');
  assert.equal(mailDate('2024-03-10T01:00:00.000-08:00'), 'Sun, 10 Mar 2024 01:00:00 -0800');
});

test('a range is whole days in the reporting zone: 2024-08-27 in Seoul starts at 15:00Z the day before', () => {
  const r = exportRange({ from: '2024-08-27', to: '2024-08-28', format: 'eml' }, 'Asia/Seoul');
  assert.equal(new Date(r.start).toISOString(), '2024-08-26T15:00:00.000Z');
  assert.equal(new Date(r.end).toISOString(), '2024-08-28T15:00:00.000Z');
  assert.equal(r.days, 2);
  assert.throws(() => exportRange({ from: '2024-01-01', to: '2025-01-02' }, 'Asia/Seoul'), /너무 넓습니다/);
  assert.equal(exportRange({ from: '2024-01-01', to: '2024-12-31' }, 'Asia/Seoul').days, 366);
});
