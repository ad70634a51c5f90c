// Several gateway processes on one broker: they see each other's users and
// messages, history survives a restart, and a gateway that dies without
// saying goodbye leaves no ghosts in presence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { login, startServer, uniquePrefix, wsClient, type Frame, type WsClient } from './helpers/server.ts';

const isEvent = (type: string, channel: string) => (f: Frame) => f.v === 1 && f.type === type && f.channel === channel;
const isPresence = (channel: string, pred: (users: string[]) => boolean) => (f: Frame) => f.type === 'presence' && f.channel === channel && pred(f.users);

async function member(url: string, nick: string): Promise<WsClient> {
  const ws = await wsClient(url, (await login(url, nick)).token);
  await ws.next((f) => f.type === 'self');
  return ws;
}

async function join(ws: WsClient, channel: string): Promise<Frame> {
  ws.send({ type: 'join', channel });
  const history = await ws.next((f) => f.type === 'history' && f.channel === channel);
  await ws.next(isEvent('join', channel));
  return history;
}

test('two gateways share users, messages, nick changes and presence; a killed gateway leaves no ghosts', async () => {
  const prefix = uniquePrefix('cluster');
  const [g1, g2] = await Promise.all([startServer({ prefix }), startServer({ prefix })]);
  try {
    const a = await member(g1.url, '서울');
    const b = await member(g2.url, '부산');
    await join(a, '전국');
    await join(b, '전국');
    await a.next(isPresence('전국', (u) => u.join() === ['부산', '서울'].join()));
    await b.next(isPresence('전국', (u) => u.join() === ['부산', '서울'].join()));

    a.send({ type: 'message', channel: '전국', text: '서울에서 부산으로 인사를 보냅니다 👋' });
    assert.equal((await b.next(isEvent('message', '전국'))).text, '서울에서 부산으로 인사를 보냅니다 👋');
    b.send({ type: 'message', channel: '전국', text: '부산은 바다가 좋아요' });
    assert.equal((await a.next((f) => f.type === 'message' && f.user.nick === '부산')).text, '부산은 바다가 좋아요');

    // a nick online on the other gateway is taken here too
    const res = await fetch(`${g1.url}/api/login`, { method: 'POST', body: JSON.stringify({ nick: '부산' }) });
    assert.equal(res.status, 409);
    b.send({ type: 'nick', nick: '서울', ref: 'dup' });
    assert.equal((await b.next((f) => f.type === 'error')).code, 'nick_taken');
    b.send({ type: 'nick', nick: '해운대' });
    assert.equal((await a.next(isEvent('nick', '전국'))).text, '부산 → 해운대');
    await a.next(isPresence('전국', (u) => u.includes('해운대')));

    // gateway 2 crashes: no leave events are produced, yet its users disappear from presence
    a.clear();
    await g2.kill();
    const after = await a.next(isPresence('전국', (u) => !u.includes('해운대')), 60_000);
    assert.deepEqual(after.users, ['서울']);
    await a.close();
  } finally {
    await Promise.all([g1.stop(), g2.kill()]);
  }
});

test('history survives a server restart', async () => {
  const prefix = uniquePrefix('restart');
  const first = await startServer({ prefix });
  const a = await member(first.url, '기억');
  await join(a, 'memory');
  for (const text of ['재시작 전에 남긴 말', '두 번째 말은 이모지와 함께 🎉']) {
    a.send({ type: 'message', channel: 'memory', text });
    await a.next((f) => f.type === 'message' && f.text === text);
  }
  // a clean stop says goodbye on the open connection and announces the leave
  const bye = a.next((f) => f.type === 'error' && f.code === 'shutting_down');
  await first.stop();
  await bye;

  const second = await startServer({ prefix, dataDir: first.dataDir });
  try {
    const b = await member(second.url, '기억');
    const history = await join(b, 'memory');
    const texts = history.events.filter((e: Frame) => e.type === 'message').map((e: Frame) => e.text);
    assert.deepEqual(texts, ['재시작 전에 남긴 말', '두 번째 말은 이모지와 함께 🎉']);
    assert.equal(history.events.at(-1).type, 'leave', 'the stop announced the leave');
    // nobody from before the restart lingers in presence
    const presence = await b.next(isPresence('memory', () => true));
    assert.deepEqual(presence.users, ['기억']);
    await b.close();
  } finally {
    await second.stop();
  }
});
