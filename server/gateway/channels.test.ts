// Presence and history as built from consumed events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEnvelope, type EventType } from '../../core/envelope.ts';
import { Channels, RING_SIZE } from './channels.ts';

const ev = (type: EventType, nick: string, id: string, extra: { meta?: Record<string, unknown>; ts?: number; text?: string } = {}) =>
  createEnvelope({ type, channel: '잡담', user: { id, nick }, meta: { gateway: 'g_a', ...extra.meta }, ts: extra.ts, text: extra.text });

test('duplicates are ignored; the last event time is kept', () => {
  const c = new Channels();
  const join = ev('join', '민수', 'u1', { ts: 5000 });
  assert.equal(c.apply(join), true);
  assert.equal(c.apply(join), false, 'same event id twice (consumer replay)');
  c.apply(ev('message', '지영', 'u2', { ts: 7000, text: '안녕' }));
  assert.equal(c.lastTs('잡담'), 7000);
  assert.equal(c.lastTs('없는채널'), null);
});

test('unread: messages and bot answers by others after the read position, with mentions counted', () => {
  const c = new Channels();
  c.apply(ev('message', '민수', 'u1', { ts: 1000, text: '읽은 것' }));
  c.apply(ev('message', '지영', 'u2', { ts: 2000, text: '@민수님 봐 주세요', meta: { mentions: ['u1'] } }));
  c.apply(ev('join', '철수', 'u3', { ts: 2500 }));
  c.apply(ev('message', '민수', 'u1', { ts: 3000, text: '내가 쓴 것' }));
  c.apply(createEnvelope({ type: 'bot', channel: '잡담', user: { id: 'bot', nick: 'kchat봇' }, text: '남의 답', ts: 3500, meta: { visible_to: ['u2'] } }));
  c.apply(createEnvelope({ type: 'bot', channel: '잡담', user: { id: 'bot', nick: 'kchat봇' }, text: '모두의 답', ts: 4000 }));
  assert.deepEqual(c.unread('잡담', 1000, 'u1'), { unread: 2, mentions: 1, more: false });
  assert.deepEqual(c.unread('잡담', 2000, 'u1'), { unread: 1, mentions: 0, more: false });
  assert.deepEqual(c.unread('잡담', null, 'u2'), { unread: 4, mentions: 0, more: false }, 'never read: the whole ring, own messages excluded, the answer meant for u2 included');
});

test('history pages: last N, before a timestamp, before an id; the ring is bounded', () => {
  const c = new Channels();
  for (let i = 1; i <= RING_SIZE + 10; i++) c.apply(ev('message', '민수', 'u1', { ts: 1000 + i, text: `메시지 ${i}` }));
  const last = c.history('잡담', 50);
  assert.equal(last.events.length, 50);
  assert.equal(last.events.at(-1)!.text, `메시지 ${RING_SIZE + 10}`);
  const older = c.history('잡담', 50, last.events[0].id);
  assert.equal(older.events.at(-1)!.ts, last.events[0].ts - 1);
  const byTs = c.history('잡담', 5, 1000 + 100);
  assert.deepEqual(byTs.events.map((e) => e.text), [95, 96, 97, 98, 99].map((i) => `메시지 ${i}`));
  // the first 10 were evicted: asking before the oldest held event is not complete
  const start = c.history('잡담', 50, 1000 + 15);
  assert.equal(start.events.length, 4);
  assert.equal(start.complete, false);
  assert.deepEqual(c.history('없는채널', 50), { events: [], complete: true });
});

test('history memory is bounded in total: the channel quiet longest gives up its ring first', () => {
  const c = new Channels({ perChannel: 1000, totalBytes: 40_000 });
  const say = (channel: string, i: number) =>
    c.apply(createEnvelope({ type: 'message', channel, user: { id: 'u1', nick: '민수' }, meta: { gateway: 'g_a' }, ts: 1000 + i, text: `${channel} 채널의 ${i}번째 메시지입니다`.padEnd(200, '.') }));
  c.apply(createEnvelope({ type: 'join', channel: '조용한방', user: { id: 'u9', nick: '지영' }, meta: { gateway: 'g_a' } }));
  for (let i = 0; i < 20; i++) say('조용한방', i);
  for (let i = 0; i < 200; i++) say('시끄러운방', i);
  assert.ok(c.heldBytes <= 40_000, `held ${c.heldBytes} bytes`);
  assert.deepEqual(c.history('조용한방', 50), { events: [], complete: false }, 'evicted first; older pages come from storage');
  assert.ok(c.lastTs('조용한방'), 'the time of its last event stays');
  assert.equal(c.unread('조용한방', 1000, 'u9').more, true, 'an emptied ring says there may be more unread than it can count');
  const busy = c.history('시끄러운방', 50);
  assert.equal(busy.events.length, 50);
  assert.match(busy.events.at(-1)!.text, /199번째/);
});

test('ephemeral events are in the ring only for the users they are meant for', () => {
  const c = new Channels();
  c.apply(ev('message', '민수', 'u1', { text: '모두에게' }));
  c.apply(createEnvelope({ type: 'bot', channel: '잡담', user: { id: 'bot', nick: 'kchat봇' }, text: '감사 결과', meta: { visible_to: ['u2'] } }));
  assert.deepEqual(c.history('잡담', 50, null, 'u1').events.map((e) => e.text), ['모두에게']);
  assert.deepEqual(c.history('잡담', 50, null, 'u2').events.map((e) => e.text), ['모두에게', '감사 결과']);
});

test('edits and deletes are applied to the held message: pages show the latest state, never the change events; refused ones reach nobody', () => {
  const c = new Channels();
  const m = ev('message', '민수', 'u1', { ts: 1000, text: '점심은 12시에 먹어요' });
  c.apply(m);
  const edit = ev('edit', '민수', 'u1', { ts: 2000, text: '점심은 12시 반에 먹어요', meta: { role: 'member', target: m.id } });
  assert.equal(c.apply(edit), true);
  assert.equal(c.apply(edit), false, 'a repeated edit is a duplicate');
  const forged = ev('edit', '지영', 'u2', { ts: 2500, text: '점심 취소', meta: { role: 'member', target: m.id } });
  assert.equal(c.apply(forged), false, 'not the author: refused, delivered to nobody');
  let page = c.history('잡담', 50).events;
  assert.deepEqual(page.map((e) => [e.type, e.text]), [['message', '점심은 12시 반에 먹어요']]);
  assert.equal(page[0].meta.edited, 2000);
  assert.equal(c.find(m.id)?.text, '점심은 12시 반에 먹어요');
  // the raw bytes sockets get follow the envelope
  assert.match(c.page('잡담', 50).events[0].raw.toString(), /12시 반에/);

  assert.equal(c.apply(ev('delete', '관리자', 'admin', { ts: 3000, meta: { role: 'admin', target: m.id } })), true, 'an admin deletes');
  page = c.history('잡담', 50).events;
  assert.equal(page.length, 1);
  assert.equal(page[0].text, '');
  assert.deepEqual(page[0].meta.deleted, { ts: 3000, by: { id: 'admin', nick: '관리자' } });
  assert.doesNotMatch(c.page('잡담', 50).events[0].raw.toString(), /점심/);
  assert.equal(c.apply(ev('edit', '민수', 'u1', { ts: 4000, text: '되살리기', meta: { role: 'member', target: m.id } })), false, 'nothing changes a deleted message');
  assert.deepEqual(c.unread('잡담', null, 'u2'), { unread: 0, mentions: 0, more: false }, 'a deleted message is not unread');
  // a change of a message the ring does not hold (older) is delivered: clients holding it apply it themselves
  assert.equal(c.apply(ev('edit', '민수', 'u1', { ts: 5000, text: '옛날 글 고침', meta: { role: 'member', target: 'not-held' } })), true);
});

test('replies are counted on the held parent (meta.replies); answers meant for one person are not', () => {
  const c = new Channels();
  const q = ev('message', '민수', 'u1', { ts: 1000, text: '질문 있어요' });
  c.apply(q);
  c.apply(createEnvelope({ type: 'message', channel: '잡담', user: { id: 'u2', nick: '지영' }, text: '답 1', ts: 2000, reply_to: q.id }));
  c.apply(createEnvelope({ type: 'bot', channel: '잡담', user: { id: 'bot', nick: 'kchat봇' }, text: '혼자 보는 답', ts: 2500, reply_to: q.id, meta: { visible_to: ['u1'] } }));
  c.apply(createEnvelope({ type: 'bot', channel: '잡담', user: { id: 'bot', nick: 'kchat봇' }, text: '모두의 답', ts: 3000, reply_to: q.id }));
  assert.equal(c.find(q.id)?.meta.replies, 2);
  assert.deepEqual(c.replies('잡담', q.id, 'u2').map((e) => e.text), ['답 1', '모두의 답']);
  assert.deepEqual(c.replies('잡담', q.id, 'u1').map((e) => e.text), ['답 1', '혼자 보는 답', '모두의 답']);
});
