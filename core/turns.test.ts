import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atOnce, inTurns, Turns } from './turns.ts';

/** A job of `n` steps that records, at each step, how often the event loop ran other work meanwhile. */
function* job(n: number, seen: number[], others: { ran: number }): Generator<void> {
  for (let i = 0; i < n; i++) {
    seen.push(others.ran);
    yield;
  }
}

/** Other work on the event loop: a callback that re-arms itself until stopped. */
function otherWork(): { ran: number; stop(): void } {
  const w = { ran: 0, stopped: false, stop: () => (w.stopped = true) };
  const tick = () => {
    if (w.stopped) return;
    w.ran++;
    setImmediate(tick);
  };
  setImmediate(tick);
  return w;
}

test('a job run in turns lets other work run between its steps once each turn is over', async () => {
  const others = otherWork();
  const seen: number[] = [];
  await inTurns(job(5, seen, others), new Turns(0)); // every turn is over at once: a pause after each step
  others.stop();
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1], `other work ran between steps ${i - 1} and ${i}: ${seen}`);
});

test('a turn that is not over goes on without pausing; atOnce never pauses', async () => {
  const others = otherWork();
  const seen: number[] = [];
  await inTurns(job(5, seen, others), new Turns(60_000));
  atOnce(job(5, seen, others));
  others.stop();
  assert.deepEqual(new Set(seen).size, 1, `nothing else ran during the steps: ${seen}`);
});
