// Membership, private channels, direct conversations, the channel directory,
// mentions and read positions (issue #12) on a real broker and server:
// membership is durable (reconnects get their channels without joining, and
// post nothing), presence is separate, private conversations reach only their
// members, mentions resolve to user ids through Korean particles.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { login, startServer, wsClient, type Frame, type TestServer, type WsClient } from './helpers/server.ts';

let srv: TestServer;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv?.stop();
});

const tokens = new Map<string, string>();
const ids = new Map<string, string>();
async function connect(nick: string): Promise<WsClient> {
  if (!tokens.has(nick)) {
    const r = await login(srv.url, nick);
    tokens.set(nick, r.token);
    ids.set(nick, r.user.id);
  }
  const ws = await wsClient(srv.url, tokens.get(nick)!);
  await ws.next((f) => f.type === 'channels');
  return ws;
}
const isEvent = (type: string, channel: string, pred: (f: Frame) => boolean = () => true) => (f: Frame) => f.v === 1 && f.type === type && f.channel === channel && pred(f);
const channelsOf = async (nick: string) => {
  const res = await fetch(`${srv.url}/api/channels`, { headers: { authorization: `Bearer ${tokens.get(nick)}` } });
  assert.equal(res.status, 200);
  return ((await res.json()) as { channels: Frame[] }).channels;
};
async function join(ws: WsClient, channel: string, nick: string): Promise<void> {
  ws.send({ type: 'join', channel });
  await ws.next(isEvent('join', channel, (f) => f.user.nick === nick));
}

test('membership survives reconnects: channels come back without joining, and nothing is posted', async () => {
  const a = await connect('한결');
  await join(a, '점심팀', '한결');
  await join(a, '스터디', '한결');
  const b = await connect('보라');
  await join(b, '점심팀', '보라');
  await b.next((f) => f.type === 'presence' && f.channel === '점심팀' && f.users.includes('한결'));
  b.clear();
  // 한결 closes every tab, then comes back
  await a.close();
  await b.next((f) => f.type === 'presence' && f.channel === '점심팀' && !f.users.includes('한결') && f.members.includes('한결'));
  const again = await wsClient(srv.url, tokens.get('한결')!);
  const list = await again.next((f) => f.type === 'channels');
  assert.deepEqual(list.channels.map((c: Frame) => c.name).sort(), ['스터디', '점심팀']);
  const histories = [await again.next((f) => f.type === 'history'), await again.next((f) => f.type === 'history')];
  assert.deepEqual(histories.map((h) => h.channel).sort(), ['스터디', '점심팀']);
  await b.next((f) => f.type === 'presence' && f.channel === '점심팀' && f.users.includes('한결'));
  // messages reach the reconnected member without a join frame
  b.send({ type: 'message', channel: '점심팀', text: '다시 오셨네요', ref: 'welcome' });
  assert.equal((await again.next(isEvent('message', '점심팀'))).text, '다시 오셨네요');
  assert.ok(!b.frames.some((f) => f.v === 1 && (f.type === 'join' || f.type === 'leave') && f.user.nick === '한결'), 'no join or leave notice for a reconnect');
  // joining a channel one already belongs to posts nothing either
  again.send({ type: 'join', channel: '점심팀' });
  await again.next((f) => f.type === 'history' && f.channel === '점심팀');
  again.send({ type: 'message', channel: '점심팀', text: '네 왔어요', ref: 'back' });
  await b.next(isEvent('message', '점심팀', (f) => f.text === '네 왔어요'));
  assert.ok(!b.frames.some((f) => f.v === 1 && f.type === 'join' && f.user.nick === '한결'));
  await Promise.all([again.close(), b.close()]);
});

test('a private channel reaches only its members; others cannot join, read or send, or see it listed', async () => {
  const owner = await connect('지현');
  const guest = await connect('도윤');
  const outsider = await connect('서연');
  owner.send({ type: 'create', channel: '인사위원회', private: true, members: ['도윤'], ref: 'c1' });
  const joins = [await owner.next(isEvent('join', '인사위원회')), await owner.next(isEvent('join', '인사위원회'))];
  assert.deepEqual(joins.map((j) => j.user.nick).sort(), ['도윤', '지현']);
  assert.ok(joins.every((j) => j.meta.via === 'create' && j.meta.by.nick === '지현'));
  const list = await guest.next((f) => f.type === 'channels' && f.channels.some((c: Frame) => c.name === '인사위원회'));
  assert.equal(list.channels.find((c: Frame) => c.name === '인사위원회').private, true);

  owner.send({ type: 'message', channel: '인사위원회', text: '연봉 협상 자료 공유합니다', ref: 'secret' });
  assert.equal((await guest.next(isEvent('message', '인사위원회'))).text, '연봉 협상 자료 공유합니다');

  for (const frame of [
    { type: 'join', channel: '인사위원회', ref: 'j' },
    { type: 'history', channel: '인사위원회', ref: 'h' },
    { type: 'message', channel: '인사위원회', text: '저도 볼래요', ref: 'm' },
    { type: 'invite', channel: '인사위원회', nick: '서연', ref: 'i' },
  ]) {
    outsider.send(frame);
    const err = await outsider.next((f) => f.type === 'error' && f.ref === frame.ref);
    assert.equal(err.code, 'forbidden', JSON.stringify(err));
    assert.match(err.message, /비공개|멤버/);
  }
  // a name in use cannot be created again
  outsider.send({ type: 'create', channel: '인사위원회', private: true, ref: 'dup' });
  assert.equal((await outsider.next((f) => f.type === 'error' && f.ref === 'dup')).code, 'channel_exists');

  assert.ok((await channelsOf('도윤')).some((c) => c.name === '인사위원회' && c.private && c.joined && c.members === 2));
  assert.ok(!(await channelsOf('서연')).some((c) => c.name === '인사위원회'), 'not in an outsider\'s directory');
  assert.ok(!outsider.frames.some((f) => f.channel === '인사위원회' && (f.v === 1 || f.type === 'history' || f.type === 'presence')), 'the outsider never got a frame of it');

  // invited by a member: now the outsider is in, and sees the history
  owner.send({ type: 'invite', channel: '인사위원회', nick: '서연', ref: 'inv' });
  const seen = await outsider.next((f) => f.type === 'history' && f.channel === '인사위원회');
  assert.ok(seen.events.some((e: Frame) => e.text === '연봉 협상 자료 공유합니다'));
  const invited = await owner.next(isEvent('join', '인사위원회', (f) => f.user.nick === '서연'));
  assert.deepEqual([invited.meta.via, invited.meta.by.nick], ['invite', '지현']);
  // leaving stops the messages
  guest.send({ type: 'leave', channel: '인사위원회' });
  await owner.next(isEvent('leave', '인사위원회', (f) => f.user.nick === '도윤'));
  await guest.next((f) => f.type === 'channels' && !f.channels.some((c: Frame) => c.name === '인사위원회'));
  owner.send({ type: 'message', channel: '인사위원회', text: '도윤님 나간 뒤의 이야기', ref: 'after' });
  await outsider.next(isEvent('message', '인사위원회', (f) => f.text === '도윤님 나간 뒤의 이야기'));
  assert.ok(!guest.frames.some((f) => f.v === 1 && f.text === '도윤님 나간 뒤의 이야기'));
  guest.send({ type: 'join', channel: '인사위원회', ref: 'rejoin' });
  assert.equal((await guest.next((f) => f.type === 'error' && f.ref === 'rejoin')).code, 'forbidden');
  await Promise.all([owner.close(), guest.close(), outsider.close()]);
});

test('a direct conversation: answered with its channel, private to the two, no notice, cannot be left', async () => {
  const a = await connect('하은');
  const b = await connect('시우');
  const c = await connect('예준');
  a.send({ type: 'dm', nick: '시우', ref: 'dm1' });
  const answer = await a.next((f) => f.type === 'dm' && f.ref === 'dm1');
  assert.deepEqual(answer.with, ['시우']);
  assert.match(answer.channel, /^dm\.[0-9a-f]{20}$/);
  // the other side gets it in its list, named after the other person
  const listed = await b.next((f) => f.type === 'channels' && f.channels.some((x: Frame) => x.name === answer.channel));
  assert.deepEqual(listed.channels.find((x: Frame) => x.name === answer.channel).with, ['하은']);
  // opening it from the other side is the same conversation
  b.send({ type: 'dm', nick: '@하은', ref: 'dm2' });
  assert.equal((await b.next((f) => f.type === 'dm' && f.ref === 'dm2')).channel, answer.channel);

  a.send({ type: 'message', channel: answer.channel, text: '시우님 잠깐 얘기 가능?', ref: 'p' });
  assert.equal((await b.next(isEvent('message', answer.channel))).text, '시우님 잠깐 얘기 가능?');
  c.send({ type: 'join', channel: answer.channel, ref: 'peek' });
  assert.equal((await c.next((f) => f.type === 'error' && f.ref === 'peek')).code, 'forbidden');
  c.send({ type: 'history', channel: answer.channel, ref: 'peek2' });
  assert.equal((await c.next((f) => f.type === 'error' && f.ref === 'peek2')).code, 'forbidden');
  assert.ok(!(await channelsOf('예준')).some((x) => x.name === answer.channel));
  assert.ok((await channelsOf('시우')).some((x) => x.name === answer.channel && x.dm && x.private));
  a.send({ type: 'leave', channel: answer.channel, ref: 'bye' });
  assert.equal((await a.next((f) => f.type === 'error' && f.ref === 'bye')).code, 'forbidden');
  // nobody to talk to
  a.send({ type: 'dm', nick: '없는사람', ref: 'nobody' });
  const err = await a.next((f) => f.type === 'error' && f.ref === 'nobody');
  assert.equal(err.code, 'unknown_nick');
  assert.match(err.message, /없는사람/);
  assert.ok(!a.frames.some((f) => f.v === 1 && f.channel === answer.channel && f.type !== 'message'), 'opening a DM posts no join notice');
  await Promise.all([a.close(), b.close(), c.close()]);
});

test('mentions: @nick with Korean particles carries the user ids; an unknown nick is named to the sender', async () => {
  const a = await connect('민준');
  const b = await connect('지아');
  const c = await connect('서준');
  for (const [ws, nick] of [[a, '민준'], [b, '지아'], [c, '서준']] as const) await join(ws, '멘션', nick);
  a.send({ type: 'message', channel: '멘션', text: '@지아님 자료 봤어요? @서준아 너도! @지아가 올린 거', ref: 'men' });
  const got = await b.next(isEvent('message', '멘션'));
  assert.deepEqual(got.meta.mentions, [ids.get('지아'), ids.get('서준')]);
  a.send({ type: 'message', channel: '멘션', text: '@모르는분께 전해 주세요, @bot 도움말', ref: 'unk' });
  const err = await a.next((f) => f.type === 'error' && f.code === 'unknown_mention');
  assert.deepEqual(err.nicks, ['모르는분께']);
  assert.match(err.message, /@모르는분께/);
  assert.equal(err.message_ref, 'unk');
  assert.equal(err.ref, undefined, 'the message itself went out: the error is not tied to its ref');
  const sent = await b.next(isEvent('message', '멘션', (f) => f.meta.ref === 'unk'));
  assert.equal(sent.meta.mentions, undefined);
  await Promise.all([a.close(), b.close(), c.close()]);
});

test('read positions: unread and mention counts survive being away; other tabs follow', async () => {
  const reader = await connect('은우');
  await join(reader, '공지', '은우');
  const writer = await connect('수아');
  await join(writer, '공지', '수아');
  writer.send({ type: 'message', channel: '공지', text: '첫 공지', ref: 'n1' });
  const first = await reader.next(isEvent('message', '공지', (f) => f.text === '첫 공지'));
  reader.send({ type: 'read', channel: '공지', ts: first.ts });
  const otherTab = await wsClient(srv.url, tokens.get('은우')!);
  await otherTab.next((f) => f.type === 'channels');
  reader.send({ type: 'read', channel: '공지', ts: first.ts + 1 });
  await otherTab.next((f) => f.type === 'read' && f.channel === '공지' && f.ts === first.ts + 1);
  await Promise.all([reader.close(), otherTab.close()]);
  writer.send({ type: 'message', channel: '공지', text: '두 번째 공지', ref: 'n2' });
  writer.send({ type: 'message', channel: '공지', text: '@은우님 세 번째는 꼭 보세요', ref: 'n3' });
  await writer.next(isEvent('message', '공지', (f) => f.meta.ref === 'n3'));
  const back = await wsClient(srv.url, tokens.get('은우')!);
  const list = await back.next((f) => f.type === 'channels');
  const notice = list.channels.find((c: Frame) => c.name === '공지');
  assert.deepEqual([notice.unread, notice.mentions, notice.last_read], [2, 1, first.ts + 1]);
  await Promise.all([back.close(), writer.close()]);
});

test('#audit is private to auditors and admins', async () => {
  const m = await connect('궁금한사람');
  m.send({ type: 'join', channel: 'audit', ref: 'a' });
  assert.equal((await m.next((f) => f.type === 'error' && f.ref === 'a')).code, 'forbidden');
  const admin = await wsClient(srv.url, fs.readFileSync(path.join(srv.dataDir, 'admin-token'), 'utf8').trim());
  const list = await admin.next((f) => f.type === 'channels');
  assert.ok(list.channels.some((c: Frame) => c.name === 'audit' && c.private));
  admin.send({ type: 'invite', channel: 'audit', nick: '궁금한사람', ref: 'inv' });
  const refused = await admin.next((f) => f.type === 'error' && f.ref === 'inv');
  assert.equal(refused.code, 'forbidden');
  assert.match(refused.message, /감사인과 관리자만/);
  await Promise.all([m.close(), admin.close()]);
});

test('the directory lists public channels (members, last activity) and your own private ones', async () => {
  const a = await connect('디렉터리');
  await join(a, '공개방', '디렉터리');
  a.send({ type: 'message', channel: '공개방', text: '여기 누구 있나요', ref: 'x' });
  const msg = await a.next(isEvent('message', '공개방'));
  const list = await channelsOf('디렉터리');
  const open = list.find((c) => c.name === '공개방')!;
  assert.deepEqual([open.private, open.members, open.joined], [false, 1, true]);
  assert.ok(open.last_ts >= msg.ts, `last_ts ${open.last_ts} vs ${msg.ts}`);
  assert.ok(!list.some((c) => c.name === 'audit'));
  const res = await fetch(`${srv.url}/api/channels`);
  assert.equal(res.status, 401);
  await a.close();
});
