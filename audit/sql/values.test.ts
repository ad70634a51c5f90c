// How SQL result values are written: instants with the right offset, naive
// timestamps as Seoul wall times (never local time labelled Z), dates, clocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resultValue } from './values.ts';

// DuckDB gives every timestamp as a Date; a naive TIMESTAMP's UTC fields are its wall clock.
const at0746z = new Date('2026-12-01T07:46:41.905Z');
const seoulWall = new Date('2026-12-01T16:46:41.905Z'); // what timezone('Asia/Seoul', ts) hands over

test('an instant (TIMESTAMPTZ) is written with the zone offset, the same instant', () => {
  const s = resultValue(at0746z, 'TIMESTAMP WITH TIME ZONE', 'Asia/Seoul') as string;
  assert.equal(s, '2026-12-01T16:46:41.905+09:00');
  assert.equal(Date.parse(s), at0746z.getTime());
});

test('a naive TIMESTAMP is a wall time in TZ_REPORTS: Seoul 16:46 is 07:46Z, never 16:46Z', () => {
  for (const type of ['TIMESTAMP', 'TIMESTAMP_MS', 'TIMESTAMP_NS', 'TIMESTAMP_S']) {
    const s = resultValue(seoulWall, type, 'Asia/Seoul') as string;
    assert.equal(s, '2026-12-01T16:46:41.905+09:00', type);
    assert.equal(Date.parse(s), at0746z.getTime(), type);
    assert.doesNotMatch(s, /Z$/);
  }
  // another reporting zone, with daylight saving: wall 2026-07-01 12:00 in New York is 16:00Z
  const ny = resultValue(new Date('2026-07-01T12:00:00Z'), 'TIMESTAMP', 'America/New_York') as string;
  assert.equal(ny, '2026-07-01T12:00:00.000-04:00');
  assert.equal(resultValue(new Date('2026-01-15T12:00:00Z'), 'TIMESTAMP', 'America/New_York'), '2026-01-15T12:00:00.000-05:00');
});

test('dates stay calendar days; clocks and lists; other values as before', () => {
  assert.equal(resultValue(new Date('2026-12-01T00:00:00Z'), 'DATE', 'Asia/Seoul'), '2026-12-01');
  assert.equal(resultValue(27_960_000_000, 'TIME', 'Asia/Seoul'), '07:46:00');
  assert.equal(resultValue(27_960_500_000, 'TIME', 'Asia/Seoul'), '07:46:00.5');
  assert.equal(resultValue({ micros: 27_960_000_000, offset: 32_400 }, 'TIME WITH TIME ZONE', 'Asia/Seoul'), '07:46:00+09:00');
  assert.deepEqual(resultValue([seoulWall, null], 'TIMESTAMP[]', 'Asia/Seoul'), ['2026-12-01T16:46:41.905+09:00', null]);
  assert.equal(resultValue(null, 'TIMESTAMP', 'Asia/Seoul'), null);
  assert.equal(resultValue(new Date(NaN), 'TIMESTAMP', 'Asia/Seoul'), null);
  assert.equal(resultValue(12n, 'BIGINT', 'Asia/Seoul'), 12);
  assert.equal(resultValue('회의\u0000', 'VARCHAR', 'Asia/Seoul'), '회의');
});
