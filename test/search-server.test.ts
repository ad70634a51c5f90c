// The search service as `npm start` runs it: supervised by the server, fed by
// the chat itself (browser → gateway → Kafka → search service), on /healthz;
// while it is down search answers 503 in Korean and the chat goes on; after a
// restart of the whole product, search answers at once with exact totals and
// nothing is read from Kafka twice.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { login, startServer, wsClient, type Frame, type TestServer, type WsClient } from './helpers/server.ts';

const SEARCH_ON = { KCHAT_SEARCH: 'on' };
let srv: TestServer;
let a: WsClient;
let b: WsClient;
let admin: string;

before(async () => {
  srv = await startServer({ env: SEARCH_ON });
  admin = fs.readFileSync(path.join(srv.dataDir, 'admin-token'), 'utf8').trim();
  a = await wsClient(srv.url, (await login(srv.url, '민수')).token);
  b = await wsClient(srv.url, (await login(srv.url, '지영')).token);
  for (const c of [a, b]) c.send({ type: 'join', channel: 'ops' });
  await a.next((f) => f.type === 'presence' && f.users.length === 2);
});
after(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await srv?.stop();
});

const isMessage = (text: string) => (f: Frame) => f.type === 'message' && f.text === text;

async function say(text: string): Promise<void> {
  a.send({ type: 'message', channel: 'ops', text });
  await b.next(isMessage(text));
}

async function search(q: string): Promise<{ status: number; body: { total: number; hits: { id: string; text: string; highlights: [number, number][] }[]; error?: string; code?: string } }> {
  const res = await fetch(`${srv.url}/api/search?${new URLSearchParams({ q })}`, { headers: { authorization: `Bearer ${admin}` } });
  return { status: res.status, body: (await res.json()) as never };
}

async function health(): Promise<{ status: number; search: Record<string, unknown> }> {
  const res = await fetch(`${srv.url}/healthz`);
  const body = (await res.json()) as { parts: { search: Record<string, unknown> } };
  return { status: res.status, search: body.parts.search };
}

/** /healthz until the search part is in `state` (awaiting the supervisor, not sleeping a guess). */
async function searchState(state: string, timeoutMs = 120_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const h = await health();
    if (h.search.state === state) return h.search;
    if (Date.now() > deadline) throw new Error(`search never became ${state}: ${JSON.stringify(h.search)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('what is said in chat is found at once, with highlights, and /healthz shows the service', async () => {
  await searchState('ready');
  await say('결제 서버가 또 장애가 났어요');
  await say('장애 복구 완료했습니다');
  const { status, body } = await search('장애가');
  assert.equal(status, 200, body.error);
  assert.equal(body.total, 2);
  assert.deepEqual(body.hits.map((h) => h.text), ['장애 복구 완료했습니다', '결제 서버가 또 장애가 났어요']);
  for (const h of body.hits) assert.equal(h.text.slice(...h.highlights[0]), '장애');
  const h = await health();
  assert.equal(h.status, 200);
  assert.equal(h.search.ok, true);
  assert.ok((h.search.docs as number) >= 2);
});

test('the service crashes: search answers 503 in Korean, chat goes on, and after the restart nothing is missing', async () => {
  process.kill((await health()).search.pid as number, 'SIGKILL');
  await searchState('restarting');
  const down = await search('장애');
  assert.equal(down.status, 503);
  assert.equal(down.body.code, 'search_unavailable');
  assert.match(down.body.error!, /검색 서비스가 다시 시작하는 중/);
  assert.equal((await health()).status, 200, 'the rest of kchat is healthy');
  await say('장애 중에도 채팅은 됩니다');
  await searchState('ready');
  const { status, body } = await search('장애');
  assert.equal(status, 200);
  assert.equal(body.total, 3);
});

test('after a restart of the whole product search answers as soon as /healthz is 200, with exact totals, reading nothing twice', async () => {
  const docsBefore = (await health()).search.docs as number;
  await srv.stop();
  srv = await startServer({ env: SEARCH_ON, dataDir: srv.dataDir, prefix: srv.prefix });
  // /healthz is 503 until the resumed index has caught up with the log
  const deadline = Date.now() + 120_000;
  while ((await fetch(`${srv.url}/healthz`)).status !== 200) {
    if (Date.now() > deadline) throw new Error('never healthy');
    await new Promise((r) => setTimeout(r, 100));
  }
  const { status, body } = await search('장애');
  assert.equal(status, 200, body.error);
  assert.equal(body.total, 3);
  const h = await health();
  assert.equal(h.search.resumed, true);
  // only what came after its last commit (the leave events the gateway sends while stopping) was read
  assert.equal(h.search.indexed, (h.search.docs as number) - docsBefore, 'the index resumed from the offsets in its last commit');
  assert.ok((h.search.indexed as number) < docsBefore);
});
