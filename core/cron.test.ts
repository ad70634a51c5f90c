// The one cron dialect (node-cron's): what the schedule bot accepts is what
// node-cron runs, next occurrences in a zone from any clock, Korean errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTask, validate } from 'node-cron';
import { isCron, nextOccurrence, parseCron, shortestIntervalMs } from './cron.ts';
import { isInputError } from './errors.ts';
import { zonedTime } from './time.ts';

const seoul = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => zonedTime(y, mo, d, h, mi, s, 'Asia/Seoul');
const next = (expr: string, after: number, tz = 'Asia/Seoul') => nextOccurrence(parseCron(expr), after, tz);

test('accepts exactly what node-cron accepts', () => {
  const exprs = ['30 9 * * 1-5', '0 */2 * * *', '0 10 * * MON,wed', '0 0 1 jan *', '*/10 * * * * *', '0 30 9 * * 1-5', '@daily', '0 22-2 * * *', '0 9 L * *', '0 9 ? * 1#2', '0 9 15W * *',
    '61 9 * * *', '30 9 * *', '30 9 * * 8', '30 9 * * mon-', '5/15 * * * *', '* * * * * * *', '', 'rm -rf /', '0 9 * * 1;', '０ 9 * * *'];
  for (const e of exprs) assert.equal(isCron(e), validate(e), e);
});

test('errors name the field and the value, in Korean', () => {
  const message = (expr: string) => {
    try {
      parseCron(expr);
    } catch (err) {
      assert.ok(isInputError(err));
      assert.equal(err.code, 'bad_cron');
      return err.message;
    }
    assert.fail(`${expr} parsed`);
  };
  assert.equal(message('61 9 * * *'), 'cron 분(minute) 값 61은 0~59 범위를 벗어납니다');
  assert.equal(message('30 25 * * *'), 'cron 시(hour) 값 25는 0~23 범위를 벗어납니다');
  assert.match(message('30 9 * * 8'), /요일\(day of week\) 값 8은/);
  assert.match(message('30 9 * *'), /5개 필드.*4개가 있습니다/);
  assert.match(message('30 9 * * mon-'), /요일\(day of week\) 필드의 'mon-'을\(를\) 읽을 수 없습니다/);
  assert.match(message('30 9 * * 1; rm'), /쓸 수 없는 문자/);
});

test('next occurrences in Asia/Seoul from any clock', () => {
  // Friday 2024-08-30 10:00 KST → Monday 09:30
  assert.equal(next('30 9 * * 1-5', seoul(2024, 8, 30, 10, 0)), seoul(2024, 9, 2, 9, 30));
  assert.equal(next('30 9 * * 1-5', seoul(2024, 9, 2, 9, 29)), seoul(2024, 9, 2, 9, 30));
  assert.equal(next('30 9 * * 1-5', seoul(2024, 9, 2, 9, 30)), seoul(2024, 9, 3, 9, 30), 'strictly after');
  assert.equal(next('*/15 * * * *', seoul(2024, 9, 2, 9, 31, 10)), seoul(2024, 9, 2, 9, 45));
  assert.equal(next('*/10 * * * * *', seoul(2024, 9, 2, 9, 31, 10)), seoul(2024, 9, 2, 9, 31, 20), 'six fields: seconds');
  assert.equal(next('0 22-2 * * *', seoul(2024, 9, 2, 23, 5)), seoul(2024, 9, 3, 0, 0), 'a range that wraps midnight');
  assert.equal(next('0 9 L * *', seoul(2024, 2, 1)), seoul(2024, 2, 29, 9), 'L: the last day (leap year)');
  assert.equal(next('0 9 ? * 1#2', seoul(2024, 9, 1)), seoul(2024, 9, 9, 9), '1#2: the second Monday');
  assert.equal(next('0 9 13 * 5', seoul(2024, 9, 1)), seoul(2024, 9, 13, 9), 'both day fields: Friday the 13th (node-cron: both must match)');
  assert.equal(next('@daily', seoul(2024, 9, 2, 12)), seoul(2024, 9, 3, 0));
  assert.equal(next('0 0 30 2 *', seoul(2024, 1, 1)), null, 'February 30 never comes');
  assert.equal(next('0 9 * * *', Date.UTC(2024, 8, 2, 12), 'UTC'), Date.UTC(2024, 8, 3, 9), 'another zone');
});

test('node-cron itself agrees on the next runs we compute', () => {
  for (const expr of ['30 9 * * 1-5', '0 0 1 * *', '0 12 * * 0,6', '0 9 13 * 5', '0 18 L * *', '0 0 29 2 *', '15 3 * * 1#1']) {
    const task = createTask(expr, () => undefined, { timezone: 'Asia/Seoul' });
    const theirs = task.getNextRuns(8).map((d) => d.getTime());
    void task.destroy();
    const spec = parseCron(expr);
    const ours: number[] = [];
    for (let t = theirs[0] - 1; ours.length < 8; ) ours.push((t = nextOccurrence(spec, t, 'Asia/Seoul')!));
    assert.deepEqual(ours, theirs, expr);
  }
});

test('shortest interval between firings', () => {
  const minutes = (e: string) => (shortestIntervalMs(parseCron(e)) ?? NaN) / 60_000;
  assert.equal(minutes('* * * * *'), 1);
  assert.equal(minutes('*/15 * * * *'), 15);
  assert.equal(minutes('0,5 9 * * 1'), 5, 'two firings five minutes apart, once a week');
  assert.equal(minutes('50 23 * * *'), 24 * 60);
  assert.equal(minutes('50 23,0 * * *'), 60, 'across midnight: 23:50 → 00:50');
  assert.equal(minutes('55 23 * * *') , 24 * 60);
  assert.equal(minutes('5,55 0,23 * * *'), 10, '23:55 → 00:05 the next day');
  assert.equal(shortestIntervalMs(parseCron('*/10 * * * * *')), 10_000);
  assert.equal(shortestIntervalMs(parseCron('0 0 30 2 *')), null);
});
