// The import's pace beside a running server, on a fake clock: it waits while
// the server is more than PACE_AHEAD records behind, asks at most every
// PACE_POLL_MS, counts what it sent since it last asked, and stops waiting
// for a lag that no longer shrinks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PACE_AHEAD, PACE_POLL_MS, PACE_STALL_MS, pacer } from './pace.ts';

/** A server whose lag follows `lagAt(ms)`, on a clock that only moves when the pacer sleeps. */
function fakeServer(lagAt: (ms: number) => number | null) {
  let clock = 0;
  const asks: number[] = [];
  const stalls: number[] = [];
  const p = pacer({
    behind: async () => {
      asks.push(clock);
      return lagAt(clock);
    },
    now: () => clock,
    sleep: async (ms) => void (clock += ms),
    onStall: (lag) => stalls.push(lag),
  });
  return { p, asks, stalls, at: () => clock, advance: (ms: number) => void (clock += ms) };
}

test('a server keeping up is asked at most every poll interval and never waited for', async () => {
  const s = fakeServer(() => 1_000);
  for (let i = 0; i < 10; i++) {
    await s.p.beforeSend(1_500);
    s.advance(100);
  }
  assert.equal(s.p.waitedMs, 0);
  assert.deepEqual(s.asks, [0, 500]);
});

test('records sent since the last answer count: the import asks again before the server could fall PACE_AHEAD behind', async () => {
  const s = fakeServer((ms) => (ms === 0 ? 40_000 : 10_000));
  await s.p.beforeSend(5_000); // 40,000 behind + 0 sent since: ≤ PACE_AHEAD
  await s.p.beforeSend(5_000); // + 5,000
  await s.p.beforeSend(5_000); // + 10,000
  assert.equal(s.p.waitedMs, 0);
  await s.p.beforeSend(5_000); // + 15,000 = 55,000: waits for the next answer (10,000 behind), then sends
  assert.equal(s.p.waitedMs, PACE_POLL_MS);
  assert.deepEqual(s.asks, [0, PACE_POLL_MS]);
});

test('a server behind by more than PACE_AHEAD is waited for until it catches up', async () => {
  // behind by 200,000, catching up 20,000 records a second
  const s = fakeServer((ms) => Math.max(0, 200_000 - 20 * ms));
  await s.p.beforeSend(1_500);
  const caughtUpAt = (200_000 - PACE_AHEAD) / 20;
  assert.ok(s.at() >= caughtUpAt && s.at() < caughtUpAt + PACE_POLL_MS, `waited until ${s.at()} ms`);
  assert.equal(s.p.waitedMs, s.at());
  assert.deepEqual(s.stalls, []);
});

test('a lag that stops shrinking is waited for PACE_STALL_MS, then the import goes on without asking again', async () => {
  const s = fakeServer(() => 120_000);
  await s.p.beforeSend(1_500);
  assert.ok(s.at() >= PACE_STALL_MS && s.at() < PACE_STALL_MS + PACE_POLL_MS);
  assert.deepEqual(s.stalls, [120_000]);
  const asked = s.asks.length;
  s.advance(10_000);
  await s.p.beforeSend(1_500);
  assert.equal(s.asks.length, asked);
});

test('a server that cannot tell (null: no answer, no lag in /healthz) is not waited for', async () => {
  const s = fakeServer(() => null);
  await s.p.beforeSend(100_000);
  await s.p.beforeSend(100_000);
  assert.equal(s.p.waitedMs, 0);
});
