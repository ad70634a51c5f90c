import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BULK_BACKLOG, BULK_ROWS_PER_SECOND, BULK_MAX_DEFER_MS, BULK_QUIET_MS, TOPICS_EVERY_MS, inBulk, newPace, noteCommit, noteCount, untilNextCount, yieldsToBulk } from './topics-pace.ts';

test('live chat: a count at most every TOPICS_EVERY_MS after the last', () => {
  const p = newPace();
  assert.equal(untilNextCount(p, 1_000_000), 0, 'never counted: at once');
  noteCount(p, 1_000_000);
  // 500 people typing: ~500 rows a second in commits of 50, for a minute
  for (let t = 1_000_000; t < 1_060_000; t += 100) noteCommit(p, 50, t);
  assert.equal(untilNextCount(p, 1_060_000), 0, 'live chat never holds the count back');
  noteCount(p, 1_060_000);
  noteCommit(p, 3, 1_060_500);
  assert.equal(untilNextCount(p, 1_060_500), TOPICS_EVERY_MS - 500);
});

test('many small commits at a bulk rate count as bulk (ingest commits an import every ~100 ms)', () => {
  const p = newPace();
  noteCount(p, 0);
  let t = 100_000;
  for (let i = 0; i < 50; i++, t += 100) noteCommit(p, 1_200, t);
  assert.equal(untilNextCount(p, t - 100), BULK_QUIET_MS);
});

test('bulk commits (an import, a catch-up) hold the count until they have stopped for BULK_QUIET_MS', () => {
  const p = newPace();
  noteCount(p, 0);
  let t = 60_000;
  for (let i = 0; i < 20; i++, t += 1_000) {
    noteCommit(p, BULK_ROWS_PER_SECOND, t);
    assert.equal(untilNextCount(p, t), BULK_QUIET_MS, `still streaming at ${t}`);
  }
  const lastBulk = t - 1_000;
  noteCommit(p, 1, t); // a live message meanwhile does not extend the wait
  assert.equal(untilNextCount(p, t), lastBulk + BULK_QUIET_MS - t);
  assert.equal(untilNextCount(p, lastBulk + BULK_QUIET_MS), 0);
  noteCount(p, lastBulk + BULK_QUIET_MS);
  noteCommit(p, 1, lastBulk + BULK_QUIET_MS + 10);
  assert.equal(untilNextCount(p, lastBulk + BULK_QUIET_MS + 10), TOPICS_EVERY_MS - 10, 'back to the live pace');
});

test('a bulk that never stops defers the count by BULK_MAX_DEFER_MS at most', () => {
  const p = newPace();
  const start = 10_000_000;
  for (let t = start; t <= start + BULK_MAX_DEFER_MS + 60_000; t += 500) {
    noteCommit(p, 50_000, t);
    const wait = untilNextCount(p, t);
    assert.ok(t + wait <= start + BULK_MAX_DEFER_MS || wait === 0, `at ${t - start} ms the count waits ${wait} ms`);
  }
  assert.equal(untilNextCount(p, start + BULK_MAX_DEFER_MS), 0);
});

test('a bulk committed in large, seconds-apart commits waits twice its longest gap', () => {
  const p = newPace();
  noteCount(p, 0);
  // ingest storing an import: ~30,000 rows every 2–7 s
  const at = [100_000, 102_000, 105_400, 112_200, 115_600];
  for (const t of at) noteCommit(p, 30_000, t);
  const last = at[at.length - 1];
  assert.equal(untilNextCount(p, last + 3_500), 2 * 6_800 - 3_500, 'a 3.5 s pause is not the end of it');
  assert.equal(untilNextCount(p, last + 2 * 6_800), 0);
});

test('while ingest is behind (an import still streaming in), the count waits however slowly commits come', () => {
  const p = newPace();
  noteCount(p, 0);
  // a 40,000-row commit every 6–9 s, each leaving more behind
  noteCommit(p, 40_000, 100_000, 300_000);
  noteCommit(p, 40_000, 106_000, 250_000);
  assert.equal(untilNextCount(p, 106_000 + 60_000), BULK_MAX_DEFER_MS - 66_000, 'no quiet period counts while behind');
  // ingest has caught up: the quiet rule applies from its last commit
  noteCommit(p, 30_000, 115_000, BULK_BACKLOG - 1);
  assert.equal(untilNextCount(p, 115_000), 2 * 9_000);
  assert.equal(untilNextCount(p, 115_000 + 2 * 9_000), 0);
  noteCount(p, 133_000);
  noteCommit(p, 5, 140_000, 0);
  assert.equal(untilNextCount(p, 140_000), 0, 'live again');
});

test('inBulk: from the first bulk commit until the count that follows it', () => {
  const p = newPace();
  noteCount(p, 0);
  noteCommit(p, 40, 1_000);
  assert.equal(inBulk(p), false, 'live chat is not a bulk');
  noteCommit(p, 30, 2_000, BULK_BACKLOG);
  assert.equal(inBulk(p), true, 'records waiting in Kafka: a bulk, whatever the commit size');
  noteCommit(p, 30, 60_000, 0);
  assert.equal(inBulk(p), true, 'caught up, but the count has not run yet');
  noteCount(p, 70_000);
  assert.equal(inBulk(p), false);
});

test('yieldsToBulk: a count begun before a bulk stops for it; one the bulk forced (max defer) does not', () => {
  const p = newPace();
  noteCount(p, 0); // an import's first rows looked like chat: a count started
  assert.equal(yieldsToBulk(p), false);
  noteCommit(p, 30, 1_000, BULK_BACKLOG * 5);
  assert.equal(yieldsToBulk(p), true, 'the bulk began after the count: it yields');
  // the bulk lasts: the count waits at most BULK_MAX_DEFER_MS, then runs and is not stopped again
  for (let t = 2_000; t <= BULK_MAX_DEFER_MS + 1_000; t += 2_000) noteCommit(p, 20_000, t, BULK_BACKLOG * 5);
  assert.equal(untilNextCount(p, BULK_MAX_DEFER_MS + 1_000), 0);
  noteCount(p, BULK_MAX_DEFER_MS + 1_000);
  noteCommit(p, 20_000, BULK_MAX_DEFER_MS + 3_000, BULK_BACKLOG * 5);
  assert.equal(inBulk(p), true);
  assert.equal(yieldsToBulk(p), false, 'forced by the wait limit: it runs on');
  // after the bulk, a count starts in quiet: the next bulk makes it yield again
  noteCommit(p, 5, BULK_MAX_DEFER_MS + 60_000, 0);
  noteCount(p, BULK_MAX_DEFER_MS + 70_000);
  assert.equal(yieldsToBulk(p), false);
  noteCommit(p, BULK_ROWS_PER_SECOND, BULK_MAX_DEFER_MS + 71_000);
  assert.equal(yieldsToBulk(p), true);
});
