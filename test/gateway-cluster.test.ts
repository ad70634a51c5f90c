// Several gateway processes on one broker: accounts, memberships and who is
// online are Kafka-native, so every gateway agrees on them — a nick claimed
// on one is claimed on all (the first claim in the log wins a race), a
// private channel made on one reaches its members on the other, presence
// follows people across gateways without a chat event, a gateway that dies
// without saying goodbye leaves no ghosts, and a restart posts nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { login, startServer, uniquePrefix, wsClient, type Frame, type WsClient } from './helpers/server.ts';

const isEvent = (type: string, channel: string) => (f: Frame) => f.v === 1 && f.type === type && f.channel === channel;
const isPresence = (channel: string, pred: (users: string[]) => boolean) => (f: Frame) => f.type === 'presence' && f.channel === channel && pred(f.users);

async function member(url: string, nick: string, password?: string): Promise<WsClient> {
  const ws = await wsClient(url, (await login(url, nick, password)).token);
  await ws.next((f) => f.type === 'channels');
  return ws;
}

async function join(ws: WsClient, channel: string): Promise<Frame> {
  ws.send({ type: 'join', channel });
  const history = await ws.next((f) => f.type === 'history' && f.channel === channel);
  await ws.next(isEvent('join', channel));
  return history;
}

const attempt = async (url: string, nick: string, password: string) => {
  const res = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ nick, password }) });
  return { status: res.status, body: (await res.json()) as { user?: { id: string }; code?: string } };
};

test('two gateways share accounts, memberships, messages, nick changes and presence; a killed gateway leaves no ghosts', async () => {
  const prefix = uniquePrefix('cluster');
  const [g1, g2] = await Promise.all([startServer({ prefix }), startServer({ prefix })]);
  try {
    // one nick claimed on both gateways at the same moment: one claim wins, everywhere
    const race = await Promise.all([attempt(g1.url, '경쟁', '첫 번째 비밀번호'), attempt(g2.url, '경쟁', '두 번째 비밀번호')]);
    assert.deepEqual(race.map((r) => r.status).sort(), [200, 401], JSON.stringify(race));
    const winner = race.findIndex((r) => r.status === 200);
    const password = winner === 0 ? '첫 번째 비밀번호' : '두 번째 비밀번호';
    const [on1, on2] = await Promise.all([attempt(g1.url, '경쟁', password), attempt(g2.url, '경쟁', password)]);
    assert.deepEqual([on1.status, on2.status], [200, 200]);
    assert.equal(on1.body.user!.id, race[winner].body.user!.id);
    assert.equal(on2.body.user!.id, race[winner].body.user!.id);

    const a = await member(g1.url, '서울');
    const b = await member(g2.url, '부산');
    // an account claimed on gateway 2 needs its password on gateway 1
    assert.equal((await attempt(g1.url, '부산', '남의 비밀번호')).status, 401);
    await join(a, '전국');
    await join(b, '전국');
    await a.next(isPresence('전국', (u) => u.join() === ['부산', '서울'].join()));
    await b.next(isPresence('전국', (u) => u.join() === ['부산', '서울'].join()));

    a.send({ type: 'message', channel: '전국', text: '서울에서 부산으로 인사를 보냅니다 👋' });
    assert.equal((await b.next(isEvent('message', '전국'))).text, '서울에서 부산으로 인사를 보냅니다 👋');
    b.send({ type: 'message', channel: '전국', text: '부산은 바다가 좋아요' });
    assert.equal((await a.next((f) => f.type === 'message' && f.user.nick === '부산')).text, '부산은 바다가 좋아요');

    // a private channel made on gateway 1 reaches its member on gateway 2, and nobody else there
    const c = await member(g2.url, '제주');
    a.send({ type: 'create', channel: '기밀', private: true, members: ['부산'] });
    await b.next((f) => f.type === 'history' && f.channel === '기밀');
    a.send({ type: 'message', channel: '기밀', text: '둘만 아는 이야기' });
    assert.equal((await b.next(isEvent('message', '기밀'))).text, '둘만 아는 이야기');
    c.send({ type: 'join', channel: '기밀', ref: 'peek' });
    assert.equal((await c.next((f) => f.type === 'error' && f.ref === 'peek')).code, 'forbidden');
    assert.ok(!c.frames.some((f) => f.channel === '기밀' && f.type !== 'error'));

    // presence across gateways: 부산 goes offline on gateway 2, 서울 on gateway 1 sees it; no leave is posted
    await b.close();
    await a.next((f) => isPresence('전국', (u) => u.join() === '서울')(f) && f.members.includes('부산'));
    const b2 = await member(g2.url, '부산');
    await a.next(isPresence('전국', (u) => u.includes('부산')));
    assert.ok(!a.frames.some((f) => f.v === 1 && f.type === 'leave'), 'no leave event for going offline');

    // a nick taken on one gateway is taken on the other; a rename is seen everywhere
    b2.send({ type: 'nick', nick: '서울', ref: 'dup' });
    assert.equal((await b2.next((f) => f.type === 'error' && f.ref === 'dup')).code, 'nick_taken');
    b2.send({ type: 'nick', nick: '해운대' });
    assert.equal((await a.next(isEvent('nick', '전국'))).text, '부산 → 해운대');
    await a.next(isPresence('전국', (u) => u.includes('해운대')));
    assert.equal((await attempt(g1.url, '해운대', '부산의 비밀번호 1234')).status, 200, 'the renamed account logs in with its new nick and old password');

    // gateway 2 crashes: no leave events are produced, yet its people disappear from presence
    a.clear();
    await g2.kill();
    const after = await a.next(isPresence('전국', (u) => !u.includes('해운대')), 60_000);
    assert.deepEqual(after.users, ['서울']);
    assert.ok(!a.frames.some((f) => f.v === 1 && f.type === 'leave'));
    await a.close();
  } finally {
    await Promise.all([g1.stop(), g2.kill()]);
  }
});

test('a server restart posts nothing; history and memberships survive it', async () => {
  const prefix = uniquePrefix('restart');
  const first = await startServer({ prefix });
  const a = await member(first.url, '기억');
  await join(a, 'memory');
  for (const text of ['재시작 전에 남긴 말', '두 번째 말은 이모지와 함께 🎉']) {
    a.send({ type: 'message', channel: 'memory', text });
    await a.next((f) => f.type === 'message' && f.text === text);
  }
  // a clean stop says goodbye on the open connection, and posts no leave
  const bye = a.next((f) => f.type === 'error' && f.code === 'shutting_down');
  await first.stop();
  await bye;

  const second = await startServer({ prefix, dataDir: first.dataDir });
  try {
    // the same account, reconnecting without a join: its channel and its history are there
    const b = await member(second.url, '기억');
    const history = await b.next((f) => f.type === 'history' && f.channel === 'memory');
    const texts = history.events.filter((e: Frame) => e.type === 'message').map((e: Frame) => e.text);
    assert.deepEqual(texts, ['재시작 전에 남긴 말', '두 번째 말은 이모지와 함께 🎉']);
    assert.deepEqual(
      history.events.map((e: Frame) => e.type),
      ['join', 'message', 'message'],
      'one join, when it was made; nothing from the restart',
    );
    // nobody from before the restart lingers in presence
    const presence = await b.next(isPresence('memory', () => true));
    assert.deepEqual(presence.users, ['기억']);
    await b.close();
  } finally {
    await second.stop();
  }
});
