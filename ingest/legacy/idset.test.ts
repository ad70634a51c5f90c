import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { IdSet } from './idset.ts';

const id = (i: number) => 'lg_' + createHash('sha256').update(String(i)).digest('hex').slice(0, 32);

test('IdSet: add/has over growth, repeats reported, foreign ids refused', () => {
  const s = new IdSet(4);
  for (let i = 0; i < 50_000; i++) assert.equal(s.add(id(i)), true);
  assert.equal(s.size, 50_000);
  for (let i = 0; i < 50_000; i += 997) assert.equal(s.add(id(i)), false, 'a repeat is not added twice');
  for (let i = 0; i < 50_000; i += 101) assert.equal(s.has(id(i)), true);
  for (let i = 50_000; i < 60_000; i++) assert.equal(s.has(id(i)), false);
  assert.equal(s.size, 50_000);
  assert.throws(() => s.add('6f1c…-uuid'), /not a legacy record id/);
});
