import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topicOffsets, type Admin } from './kafka.ts';

/** An admin whose offset reads fail with `errors` first, then answer. */
function admin(errors: Error[]): Admin & { calls: number } {
  const a = {
    calls: 0,
    async fetchTopicOffsets() {
      a.calls++;
      const e = errors.shift();
      if (e) throw e;
      return [{ partition: 0, offset: '5', high: '5', low: '0' }];
    },
  };
  return a as unknown as Admin & { calls: number };
}
const notLeader = () => Object.assign(new Error('This server is not the leader for that topic-partition'), { retriable: true });

test('a retriable answer ("not the leader") is asked again until the offsets come', async () => {
  const a = admin([notLeader(), notLeader()]);
  assert.deepEqual(await topicOffsets(a, 'chat.events'), [{ partition: 0, offset: '5', high: '5', low: '0' }]);
  assert.equal(a.calls, 3);
});

test('other errors are not retried; retriable ones stop at the deadline', async () => {
  const fatal = admin([new Error('This server does not host this topic-partition')]);
  await assert.rejects(topicOffsets(fatal, 'chat.events'), /does not host/);
  assert.equal(fatal.calls, 1);
  const stuck = admin(Array.from({ length: 100 }, notLeader));
  await assert.rejects(topicOffsets(stuck, 'chat.events', { withinMs: 300 }), /not the leader/);
  assert.ok(stuck.calls >= 2 && stuck.calls < 100, `${stuck.calls} calls`);
});
