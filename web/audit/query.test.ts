// The search chips edit the query text: operators replaced in place, words and phrases untouched, dates inclusive.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chipLabel, dateRange, tokens, withDateRange, withOperator, withoutToken } from './query.ts';

test('tokens keep phrases and negations whole and know operators', () => {
  const ts = tokens('배포가 "점심 메뉴" -회의 in:#dev FROM:민수 http://x.y');
  assert.deepEqual(
    ts.map((t) => [t.raw, t.op]),
    [
      ['배포가', null],
      ['"점심 메뉴"', null],
      ['-회의', null],
      ['in:#dev', 'in'],
      ['FROM:민수', 'from'],
      ['http://x.y', null],
    ],
  );
});

test('withOperator replaces or removes an operator and keeps the words', () => {
  assert.equal(withOperator('배포 in:#dev "긴급 공지"', 'in', '#ops'), '배포 "긴급 공지" in:#ops');
  assert.equal(withOperator('배포 from:민수 from:지영', 'from', null), '배포');
  assert.equal(withOperator('', 'type', 'bot'), 'type:bot');
  assert.equal(withOperator('점심', 'from', ' 하 은 '), '점심 from:하은');
  assert.equal(withoutToken('배포 in:#dev 장애', 1), '배포 장애');
});

test('date chips are inclusive days written with on:/after:/before: and read back', () => {
  assert.equal(withDateRange('배포', '2024-08-27', '2024-08-27'), '배포 on:2024-08-27');
  const q = withDateRange('배포 on:2024-01-01', '2024-08-27', '2024-08-31');
  assert.equal(q, '배포 after:2024-08-26 before:2024-09-01');
  assert.deepEqual(dateRange(q), { from: '2024-08-27', to: '2024-08-31' });
  assert.deepEqual(dateRange('배포 on:2024-02-29'), { from: '2024-02-29', to: '2024-02-29' });
  assert.equal(withDateRange(q, '', ''), '배포');
  assert.deepEqual(
    tokens(q).filter((t) => t.op).map(chipLabel),
    ['2024-08-27부터', '2024-08-31까지'],
  );
  assert.equal(chipLabel(tokens('type:bot')[0]), '종류 봇 답변');
});
