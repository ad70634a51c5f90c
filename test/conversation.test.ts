// Edit and delete in chat (issue #13, contract "Conversation") on a real
// broker with two gateways: the frames are judged by the gateway (only the
// author edits; the author or an admin deletes; nothing changes a deleted
// message), travel through Kafka as `edit`/`delete` envelopes naming their
// target, reach the channel's members on every gateway, and history — also
// of a gateway started afterwards, which rebuilds it from Kafka — shows the
// latest state: the edited text, and no text at all of a deleted message.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createEnvelope } from '../core/envelope.ts';
import { createKafka, createProducer, envelopeMessage } from '../core/kafka.ts';
import { MAX_TEXT } from '../core/protocol.ts';
import { login, startServer, testBrokers, uniquePrefix, wsClient, type Frame, type TestServer, type WsClient } from './helpers/server.ts';

let g1: TestServer;
let g2: TestServer;
before(async () => {
  const prefix = uniquePrefix('conversation');
  [g1, g2] = await Promise.all([startServer({ prefix, env: { KCHAT_BOTS: '0' } }), startServer({ prefix, env: { KCHAT_BOTS: '0' } })]);
});
after(async () => {
  await Promise.all([g1?.stop(), g2?.stop()]);
});

const isEvent = (type: string, channel: string, pred: (f: Frame) => boolean = () => true) => (f: Frame) => f.v === 1 && f.type === type && f.channel === channel && pred(f);
const errorOf = (ws: WsClient, ref: string) => ws.next((f) => f.type === 'error' && f.ref === ref);

async function member(srv: TestServer, nick: string): Promise<WsClient> {
  const ws = await wsClient(srv.url, (await login(srv.url, nick)).token);
  await ws.next((f) => f.type === 'channels');
  return ws;
}

/** Send a message and wait until both clients have it back from Kafka: a change is sent once the changer's own gateway holds the message (as a UI offers it). */
async function sent(from: WsClient, to: WsClient, frame: Frame): Promise<Frame> {
  from.send(frame);
  const mine = (f: Frame) => isEvent('message', frame.channel, (e) => e.meta.ref === frame.ref)(f);
  const [own] = await Promise.all([from.next(mine), to.next(mine)]);
  return own;
}

async function join(ws: WsClient, channel: string, nick: string): Promise<Frame> {
  ws.send({ type: 'join', channel });
  const history = await ws.next((f) => f.type === 'history' && f.channel === channel);
  await ws.next(isEvent('join', channel, (f) => f.user.nick === nick));
  return history;
}

test('edit and delete across two gateways: judged, sent through Kafka with meta.target, history in the latest state', async () => {
  const ch = '공지사항';
  const a = await member(g1, '민지');
  const b = await member(g2, '준호');
  await join(a, ch, '민지');
  await join(b, ch, '준호');

  const m1 = await sent(a, b, { type: 'message', channel: ch, text: '내일 회의는 10시에 시작합니다', ref: 'm1' });

  // the author edits: everyone in the channel, on both gateways, gets the edit naming its target
  a.send({ type: 'edit', id: m1.id, text: '내일 회의는 11시로 미뤄졌습니다', ref: 'e1' });
  const seenByB = await b.next(isEvent('edit', ch));
  const seenByA = await a.next(isEvent('edit', ch));
  for (const e of [seenByA, seenByB]) {
    assert.equal(e.meta.target, m1.id);
    assert.equal(e.text, '내일 회의는 11시로 미뤄졌습니다');
    assert.deepEqual(e.user, m1.user);
  }
  assert.equal(seenByA.meta.ref, 'e1', 'the sender matches its own change by ref');

  // someone else may neither edit nor delete it
  b.send({ type: 'edit', id: m1.id, text: '회의 취소', ref: 'b-edit' });
  const notYours = await errorOf(b, 'b-edit');
  assert.equal(notYours.code, 'forbidden');
  assert.match(notYours.message, /자기 메시지만 고칠 수 있습니다/);
  b.send({ type: 'delete', id: m1.id, ref: 'b-del' });
  assert.equal((await errorOf(b, 'b-del')).code, 'forbidden');

  // the author deletes their own message; nothing changes it afterwards
  const m2 = await sent(b, a, { type: 'message', channel: ch, text: '잘못 보냈어요: 서버 비밀번호는 hunter2 입니다', ref: 'm2' });
  b.send({ type: 'delete', id: m2.id, ref: 'd2' });
  const deleted = await a.next(isEvent('delete', ch));
  assert.equal(deleted.meta.target, m2.id);
  assert.equal(deleted.text, '');
  await b.next(isEvent('delete', ch));
  b.send({ type: 'edit', id: m2.id, text: '다시 고쳐 봅니다', ref: 'after-delete' });
  const gone = await errorOf(b, 'after-delete');
  assert.equal(gone.code, 'message_deleted');
  assert.match(gone.message, /이미 삭제된 메시지입니다/);
  b.send({ type: 'delete', id: m2.id, ref: 'twice' });
  assert.equal((await errorOf(b, 'twice')).code, 'message_deleted');

  // bad frames: unknown or missing id, a join notice, text over the limit or empty — each named, with the ref
  a.send({ type: 'edit', id: 'no-such-message', text: '아무거나', ref: 'unknown' });
  const unknown = await errorOf(a, 'unknown');
  assert.equal(unknown.code, 'unknown_message');
  assert.match(unknown.message, /그런 메시지가 없습니다/);
  a.send({ type: 'delete', ref: 'no-id' });
  assert.equal((await errorOf(a, 'no-id')).code, 'missing_field');
  const joinEvent = a.frames.find(isEvent('join', ch, (f) => f.user.nick === '민지'))!;
  a.send({ type: 'delete', id: joinEvent.id, ref: 'notice' });
  assert.equal((await errorOf(a, 'notice')).code, 'not_editable');
  a.send({ type: 'edit', id: m1.id, text: '가'.repeat(MAX_TEXT + 1), ref: 'long' });
  const long = await errorOf(a, 'long');
  assert.equal(long.code, 'text_too_long');
  assert.match(long.message, /너무 깁니다/);
  a.send({ type: 'edit', id: m1.id, text: ' \u0007 ', ref: 'empty' });
  assert.equal((await errorOf(a, 'empty')).code, 'empty_text');

  // an admin deletes someone else's message (an admin is not limited to their own)
  const m3 = await sent(a, b, { type: 'message', channel: ch, text: '광고: 지금 가입하면 50% 할인', ref: 'm3' });
  const admin = await wsClient(g2.url, fs.readFileSync(path.join(g2.dataDir, 'admin-token'), 'utf8').trim());
  await admin.next((f) => f.type === 'channels');
  admin.send({ type: 'edit', id: m3.id, text: '관리자가 고침', ref: 'admin-edit' });
  assert.equal((await errorOf(admin, 'admin-edit')).code, 'forbidden', 'an admin deletes, but does not edit, other people’s messages');
  admin.send({ type: 'delete', id: m3.id, ref: 'admin-del' });
  const byAdmin = await a.next(isEvent('delete', ch, (f) => f.meta.target === m3.id));
  assert.equal(byAdmin.meta.role, 'admin');

  // a second edit: the latest text wins
  a.send({ type: 'edit', id: m1.id, text: '내일 회의는 11시 30분에 시작합니다', ref: 'e2' });
  await b.next(isEvent('edit', ch, (f) => f.meta.ref === 'e2'));
  await a.next(isEvent('edit', ch, (f) => f.meta.ref === 'e2'));

  // a message in a private channel is unknown to people outside it
  a.send({ type: 'create', channel: '비밀회의', private: true, members: ['준호'] });
  await a.next((f) => f.type === 'history' && f.channel === '비밀회의');
  a.send({ type: 'message', channel: '비밀회의', text: '둘만 보는 메시지', ref: 'secret' });
  const secret = await a.next(isEvent('message', '비밀회의', (f) => f.meta.ref === 'secret'));
  const outsider = await member(g1, '외부인');
  outsider.send({ type: 'delete', id: secret.id, ref: 'peek' });
  assert.equal((await errorOf(outsider, 'peek')).code, 'unknown_message');

  // history on both gateways: the latest text, marked edited; the deleted messages without text; no change events
  const expectLatest = (events: Frame[], where: string) => {
    const shown = new Map(events.map((e) => [e.id, e]));
    assert.equal(shown.get(m1.id)?.text, '내일 회의는 11시 30분에 시작합니다', where);
    assert.equal(typeof shown.get(m1.id)?.meta.edited, 'number', where);
    for (const m of [m2, m3]) {
      assert.equal(shown.get(m.id)?.text, '', where);
      assert.ok(shown.get(m.id)?.meta.deleted, where);
    }
    assert.ok(!events.some((e) => e.type === 'edit' || e.type === 'delete'), `${where}: no edit/delete events in history`);
    const all = JSON.stringify(events);
    for (const word of ['hunter2', '50% 할인', '10시에']) assert.ok(!all.includes(word), `${where}: "${word}" is gone from history`);
  };
  for (const [ws, where] of [[a, 'gateway 1'], [b, 'gateway 2']] as const) {
    ws.send({ type: 'history', channel: ch, ref: 'h' });
    expectLatest((await ws.next((f) => f.type === 'history' && f.ref === 'h')).events, where);
  }

  // a later joiner on a gateway started after all of it: its history is rebuilt from Kafka, in the latest state
  const g3 = await startServer({ prefix: g1.prefix, env: { KCHAT_BOTS: '0' } });
  try {
    const late = await member(g3, '늦게온사람');
    const history = await join(late, ch, '늦게온사람');
    expectLatest(history.events, 'gateway 3 (later joiner)');
    await late.close();
  } finally {
    await g3.stop();
  }
  await Promise.all([a.close(), b.close(), admin.close(), outsider.close()]);
});

test('threads: replies counted on the parent in history, a `thread` frame answers the message and its replies in their latest state; private stays private', async () => {
  const ch = '스레드방';
  const a = await member(g1, '스레드작성자');
  const b = await member(g2, '스레드답변자');
  await join(a, ch, '스레드작성자');
  await join(b, ch, '스레드답변자');
  const parent = await sent(a, b, { type: 'message', channel: ch, text: '이번 주 배포 일정 의견 주세요', ref: 'q' });
  const r1 = await sent(b, a, { type: 'message', channel: ch, text: '목요일이 좋아요', reply_to: parent.id, ref: 'r1' });
  assert.equal(r1.reply_to, parent.id);
  const r2 = await sent(a, b, { type: 'message', channel: ch, text: '금요일은 피하고 싶어요', reply_to: parent.id, ref: 'r2' });
  b.send({ type: 'edit', id: r1.id, text: '목요일 오후가 좋아요', ref: 'r1-edit' });
  await a.next(isEvent('edit', ch, (f) => f.meta.ref === 'r1-edit'));
  a.send({ type: 'delete', id: r2.id, ref: 'r2-del' });
  await b.next(isEvent('delete', ch, (f) => f.meta.ref === 'r2-del'));
  await a.next(isEvent('delete', ch, (f) => f.meta.ref === 'r2-del'));
  b.send({ type: 'message', channel: ch, text: '스레드 밖의 다른 이야기', ref: 'other' });
  await a.next(isEvent('message', ch, (f) => f.meta.ref === 'other'));

  // on both gateways: the thread in its latest state, the reply count on the parent in history
  for (const [ws, where] of [[a, 'gateway 1'], [b, 'gateway 2']] as const) {
    ws.send({ type: 'thread', id: parent.id, ref: 't' });
    const t = await ws.next((f) => f.type === 'thread' && f.ref === 't');
    assert.equal(t.id, parent.id, where);
    assert.equal(t.channel, ch, where);
    assert.equal(t.parent.text, '이번 주 배포 일정 의견 주세요', where);
    assert.deepEqual(t.replies.map((e: Frame) => [e.id, e.text]), [[r1.id, '목요일 오후가 좋아요'], [r2.id, '']], where);
    assert.ok(t.replies[1].meta.deleted, where);
    assert.ok(!JSON.stringify(t).includes('금요일은 피하고'), `${where}: deleted text is not in the thread`);
    assert.equal(t.more, false);
    ws.send({ type: 'history', channel: ch, ref: 'th' });
    const page = (await ws.next((f) => f.type === 'history' && f.ref === 'th')).events as Frame[];
    assert.equal(page.find((e) => e.id === parent.id)?.meta.replies, 2, `${where}: reply count on the parent`);
  }

  // a reply count and a thread on a gateway started later (rebuilt from Kafka)
  const g3 = await startServer({ prefix: g1.prefix, env: { KCHAT_BOTS: '0' } });
  try {
    const late = await member(g3, '스레드구경꾼');
    const history = await join(late, ch, '스레드구경꾼');
    assert.equal(history.events.find((e: Frame) => e.id === parent.id)?.meta.replies, 2);
    late.send({ type: 'thread', id: parent.id, ref: 'late' });
    const t = await late.next((f) => f.type === 'thread' && f.ref === 'late');
    assert.deepEqual(t.replies.map((e: Frame) => e.text), ['목요일 오후가 좋아요', '']);
    await late.close();
  } finally {
    await g3.stop();
  }

  // a thread of a private channel is unknown to people outside it; bad ids are named
  a.send({ type: 'create', channel: '비밀스레드', private: true, members: ['스레드답변자'] });
  await a.next((f) => f.type === 'history' && f.channel === '비밀스레드');
  await b.next((f) => f.type === 'history' && f.channel === '비밀스레드');
  const secret = await sent(a, b, { type: 'message', channel: '비밀스레드', text: '둘만의 스레드', ref: 'sq' });
  const outsider = await member(g2, '스레드외부인');
  outsider.send({ type: 'thread', id: secret.id, ref: 'peek' });
  assert.equal((await errorOf(outsider, 'peek')).code, 'unknown_message');
  outsider.send({ type: 'thread', id: 'no-such-message', ref: 'nothing' });
  assert.equal((await errorOf(outsider, 'nothing')).code, 'unknown_message');
  outsider.send({ type: 'thread', ref: 'no-id' });
  assert.equal((await errorOf(outsider, 'no-id')).code, 'missing_field');
  b.send({ type: 'thread', id: secret.id, ref: 'member' });
  assert.equal((await b.next((f) => f.type === 'thread' && f.ref === 'member')).parent.text, '둘만의 스레드');
  await Promise.all([a.close(), b.close(), outsider.close()]);
});

test('members edit and delete within their window (KCHAT_EDIT_WINDOW_SECONDS / KCHAT_DELETE_WINDOW_SECONDS); admins are not limited', async () => {
  const srv = await startServer({ env: { KCHAT_BOTS: '0', KCHAT_EDIT_WINDOW_SECONDS: '600', KCHAT_DELETE_WINDOW_SECONDS: '3600' } });
  try {
    const me = await login(srv.url, '시간제한');
    const ws = await wsClient(srv.url, me.token);
    await ws.next((f) => f.type === 'channels');
    await join(ws, '기한', '시간제한');
    // two of my messages as an outside producer wrote them, sent 20 minutes and 2 hours ago (no waiting: the times are in the events)
    const at = (minutesAgo: number, text: string) => createEnvelope({ type: 'message', channel: '기한', user: me.user, text, ts: Date.now() - minutesAgo * 60_000, meta: { role: 'member' } });
    const older = at(20, '20분 전에 보낸 글');
    const oldest = at(120, '두 시간 전에 보낸 글');
    const producer = createProducer(createKafka(testBrokers().split(','), 'test-conversation-window'));
    await producer.connect();
    try {
      await producer.send({ topic: `${srv.prefix}chat.events`, messages: [older, oldest].map(envelopeMessage) });
    } finally {
      await producer.disconnect();
    }
    await ws.next(isEvent('message', '기한', (f) => f.id === oldest.id));

    ws.send({ type: 'edit', id: older.id, text: '고칠 수 없는 글', ref: 'late-edit' });
    const closed = await errorOf(ws, 'late-edit');
    assert.equal(closed.code, 'edit_window_closed');
    assert.match(closed.message, /10분이 지난 메시지는 고칠 수 없습니다/);
    // the delete window is longer: 20 minutes is still inside it, 2 hours is not
    ws.send({ type: 'delete', id: oldest.id, ref: 'late-delete' });
    assert.match((await errorOf(ws, 'late-delete')).message, /1시간이 지난 메시지는 지울 수 없습니다/);
    ws.send({ type: 'delete', id: older.id, ref: 'in-time' });
    assert.equal((await ws.next(isEvent('delete', '기한', (f) => f.meta.ref === 'in-time'))).meta.target, older.id);
    // a fresh message is inside both windows
    ws.send({ type: 'message', channel: '기한', text: '방금 보낸 글', ref: 'fresh' });
    const fresh = await ws.next(isEvent('message', '기한', (f) => f.meta.ref === 'fresh'));
    ws.send({ type: 'edit', id: fresh.id, text: '방금 고친 글', ref: 'fresh-edit' });
    assert.equal((await ws.next(isEvent('edit', '기한', (f) => f.meta.ref === 'fresh-edit'))).text, '방금 고친 글');
    // an admin deletes the two-hour-old message all the same
    const admin = await wsClient(srv.url, fs.readFileSync(path.join(srv.dataDir, 'admin-token'), 'utf8').trim());
    await admin.next((f) => f.type === 'channels');
    admin.send({ type: 'delete', id: oldest.id, ref: 'admin' });
    assert.equal((await ws.next(isEvent('delete', '기한', (f) => f.meta.ref === 'admin'))).meta.target, oldest.id);
    await Promise.all([ws.close(), admin.close()]);
  } finally {
    await srv.stop();
  }
});
