// collectGarbage() gives a burst's garbage back: the heap shrinks at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectGarbage } from './heap.ts';

/** Rows of a burst, four batches alive at a time, all garbage once it returns. */
function burst(): number {
  const rows: { id: string; text: string }[][] = [];
  let n = 0;
  for (let r = 0; r < 12; r++) {
    rows.push(Array.from({ length: 100_000 }, (_, i) => ({ id: `m_${r}_${i}`, text: `회의록 ${i}번을 노션에 올렸어요` })));
    if (rows.length > 4) n += rows.shift()!.length;
  }
  return n;
}

test('after a burst of garbage (~200 MB of rows), one collection shrinks the heap by most of it', () => {
  assert.equal(burst(), 800_000);
  const { before, after } = collectGarbage();
  assert.ok(before - after > 64 * 1024 * 1024, `heap ${before >> 20} MiB → ${after >> 20} MiB`);
  // and a second call works the same way (gc() is reached once)
  assert.ok(collectGarbage().after <= after + 8 * 1024 * 1024);
});
