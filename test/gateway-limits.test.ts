// The gateway under pressure and misuse, against a real broker: bursts right
// after joining (every frame delivered or answered with its ref), one budget
// per account, connection and channel caps, a client that stops reading,
// look-alike nicks, ephemeral answers, and forwarding the consumed bytes.
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createEnvelope, serialize } from '../core/envelope.ts';
import { loadConfig } from '../core/config.ts';
import type { KafkaClient } from '../core/kafka.ts';
import { testKafka } from './helpers/kafka.ts';
import { login, startServer, tempDir, wsClient, type Frame, type TestServer, type WsClient } from './helpers/server.ts';

const skip = process.env.KAFKA_BROKERS ? false : 'KAFKA_BROKERS is not set: run through `npm test` (it starts a broker)';
let srv: TestServer;
let kafka: KafkaClient;

before(async () => {
  if (skip) return;
  srv = await startServer({ env: { KCHAT_MAX_CONNECTIONS_PER_USER: '3', KCHAT_MAX_JOINED_CHANNELS: '4' } });
  kafka = await testKafka(loadConfig({ ...process.env, KCHAT_TOPIC_PREFIX: srv.prefix, DATA_DIR: tempDir() }), 'gateway-limits-test');
});
after(async () => {
  if (skip) return;
  await kafka?.disconnect();
  await srv?.stop();
});

const isEvent = (type: string, channel: string) => (f: Frame) => f.v === 1 && f.type === type && f.channel === channel;

async function member(nick: string): Promise<{ ws: WsClient; token: string; id: string }> {
  const { token, user } = await login(srv.url, nick);
  const ws = await wsClient(srv.url, token);
  await ws.next((f) => f.type === 'self');
  return { ws, token, id: user.id };
}

async function join(ws: WsClient, channel: string): Promise<void> {
  ws.send({ type: 'join', channel });
  await ws.next((f) => f.type === 'history' && f.channel === channel);
  await ws.next(isEvent('join', channel));
}

/** Wait until every ref has an answer: its own message back from Kafka, or an error frame carrying it. */
async function answers(ws: WsClient, channel: string, refs: string[]): Promise<{ delivered: Set<string>; refused: Frame[] }> {
  const delivered = new Set<string>();
  const refused: Frame[] = [];
  const want = new Set(refs);
  while (delivered.size + refused.length < want.size) {
    const f = await ws.next((x) => (x.v === 1 && x.type === 'message' && x.channel === channel && want.has(x.meta.ref)) || (x.type === 'error' && want.has(x.ref)));
    if (f.type === 'error') refused.push(f);
    else delivered.add(f.meta.ref);
  }
  return { delivered, refused };
}

describe('flood semantics (issue #10 item 9)', { skip }, () => {
  test('a person pasting 40 lines right after joining loses none, in order', async () => {
    const { ws } = await member('붙여넣기');
    await join(ws, 'paste');
    const refs = Array.from({ length: 40 }, (_, i) => `p${i}`);
    // Korean lines with particles and spacing variants, as pasted from a document
    refs.forEach((ref, i) => ws.send({ type: 'message', channel: 'paste', text: `${i + 1}번째 줄: 회의록을 공유합니다${i % 2 ? '' : ' '}— 오늘은 배포가 있어요`, ref }));
    const { delivered, refused } = await answers(ws, 'paste', refs);
    assert.deepEqual(refused, [], 'no line of a paste is refused');
    assert.equal(delivered.size, 40);
    const texts = ws.frames.filter(isEvent('message', 'paste')).map((f) => f.text);
    assert.deepEqual(texts.map((t) => Number(/^(\d+)번째/.exec(t)![1])), Array.from({ length: 40 }, (_, i) => i + 1));
    await ws.close();
  });

  test('a burst of 120 frames right after joining: every frame is delivered or refused with its own ref', async () => {
    const { ws } = await member('폭주');
    await join(ws, 'burst');
    const refs = Array.from({ length: 120 }, (_, i) => `b${i}`);
    for (const ref of refs) ws.send({ type: 'message', channel: 'burst', text: `연속 메시지 ${ref}`, ref });
    const { delivered, refused } = await answers(ws, 'burst', refs);
    assert.equal(delivered.size + refused.length, 120);
    // the allowance is 100 frames, the join frame included
    assert.ok(delivered.size >= 99, `the burst allowance went through: ${delivered.size}`);
    assert.ok(refused.length > 0, 'frames beyond the allowance are refused');
    for (const r of refused) {
      assert.equal(r.code, 'rate_limited');
      assert.ok(Number.isInteger(r.retry_after_ms) && r.retry_after_ms > 0, 'each refusal says when to retry');
      assert.match(r.message, /너무 빨리/);
    }
    // every refusal is its own frame: no ref answered twice
    assert.equal(new Set(refused.map((r) => r.ref)).size, refused.length);
    await ws.close();
  });

  test('the budget is per account: a second socket of the same token does not double it', async () => {
    const first = await member('두탭');
    const second = await wsClient(srv.url, first.token);
    await second.next((f) => f.type === 'self');
    await join(first.ws, 'tabs');
    // the account is in the channel already: the second tab gets history and presence, no second join event
    second.send({ type: 'join', channel: 'tabs' });
    await second.next((f) => f.type === 'presence' && f.channel === 'tabs');
    const refsA = Array.from({ length: 70 }, (_, i) => `a${i}`);
    const refsB = Array.from({ length: 70 }, (_, i) => `c${i}`);
    for (let i = 0; i < 70; i++) {
      first.ws.send({ type: 'message', channel: 'tabs', text: `첫 탭 ${i}`, ref: refsA[i] });
      second.send({ type: 'message', channel: 'tabs', text: `둘째 탭 ${i}`, ref: refsB[i] });
    }
    const [a, b] = await Promise.all([answers(first.ws, 'tabs', refsA), answers(second, 'tabs', refsB)]);
    // 140 frames from one account: more than its burst of 100, although each socket sent only 70
    assert.ok(a.refused.length + b.refused.length > 0, 'refusals across the two sockets of one account');
    await Promise.all([first.ws.close(), second.close()]);
  });
});

/** The HTTP status of a websocket upgrade request that is refused before the upgrade. */
function refusedUpgrade(token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${srv.url}/ws?token=${encodeURIComponent(token)}`, {
      headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.on('upgrade', () => reject(new Error('the upgrade was accepted')));
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}

describe('caps (issue #10 item 4)', { skip }, () => {
  test('one account may hold only so many connections (KCHAT_MAX_CONNECTIONS_PER_USER=3): the next upgrade gets 429', async () => {
    const m = await member('연결왕');
    const more = [await wsClient(srv.url, m.token), await wsClient(srv.url, m.token)];
    await assert.rejects(wsClient(srv.url, m.token), (err: Error & { status?: number }) => err.status === 429);
    assert.equal(await refusedUpgrade(m.token), 429);
    // closing one frees a place
    await more[0].close();
    const again = await wsClient(srv.url, m.token);
    await Promise.all([m.ws.close(), more[1].close(), again.close()]);
  });

  test('joined channels per connection are capped (KCHAT_MAX_JOINED_CHANNELS=4); the connection stays', async () => {
    const { ws } = await member('채널수집가');
    for (const c of ['c1', 'c2', 'c3', 'c4']) await join(ws, c);
    ws.send({ type: 'join', channel: 'c5', ref: 'fifth' });
    const err = await ws.next((f) => f.type === 'error' && f.ref === 'fifth');
    assert.equal(err.code, 'too_many_joined');
    assert.match(err.message, /4개까지/);
    ws.send({ type: 'leave', channel: 'c1' });
    await join(ws, 'c5');
    await ws.close();
  });
});

describe('a client that stops reading (issue #10 item 16)', { skip }, () => {
  test('is cut off with slow_consumer and close 1013, and leaves presence at once', { timeout: 300_000 }, async () => {
    const slow = await member('느림보');
    const watcher = await member('지켜보기');
    await join(slow.ws, 'slow');
    await join(watcher.ws, 'slow');
    const connections = async () => ((await (await fetch(`${srv.url}/healthz`)).json()) as { parts: { gateway: { connections: number } } }).parts.gateway.connections;
    const before = await connections();
    // stop reading: the TCP receive window fills, then the server's buffers
    slow.ws.ws.pause();
    const text = '가'.repeat(4000); // ~12 KB of UTF-8 per event
    // an outside producer floods the channel (past the per-user rate limit on purpose): ~30 MB
    for (let i = 0; i < 50; i++) {
      const batch = Array.from({ length: 50 }, (_, j) => createEnvelope({ type: 'message', channel: 'slow', user: { id: 'u_flood', nick: '홍수' }, text: `${i * 50 + j} ${text}` }));
      await kafka.publish(batch);
    }
    // the cut-off drops the session at once (not after a TCP timeout): the gateway counts one connection less
    for (let delay = 50; (await connections()) >= before; delay = Math.min(delay * 2, 500)) await new Promise((r) => setTimeout(r, delay));
    slow.ws.ws.resume();
    const err = await slow.ws.next((f) => f.type === 'error' && f.code === 'slow_consumer', 60_000);
    assert.match(err.message, /읽지 않아/);
    const { code } = await slow.ws.closed;
    assert.equal(code, 1013);
    // and the others see it go offline (presence; it stays a member, so no leave is posted)
    await watcher.ws.next((f) => f.type === 'presence' && f.channel === 'slow' && !f.users.includes('느림보') && f.members.includes('느림보'), 180_000);
    assert.ok(!watcher.ws.frames.some((f) => f.v === 1 && f.type === 'leave'), 'going offline posts nothing');
    await watcher.ws.close();
  });
});

describe('look-alike nicks (issue #10 item 8)', { skip }, () => {
  const post = (nick: string) => fetch(`${srv.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ nick, password: '아무 비밀번호 1234' }) });

  test('reserved and bot names in disguise are refused at login with a Korean reason', async () => {
    for (const nick of ['bоt', 'аdmin', '시스템봇', '영화봇', 'Ｂｏｔ', 'b0t', 'ADMIN2', 'sys\u200Btem', '\u3164', 'movie-bot', '관리자 봇']) {
      const res = await post(nick);
      assert.equal(res.status, 400, nick);
      const body = (await res.json()) as { error: string };
      assert.match(body.error, /닉네임/, nick);
    }
    for (const nick of ['민수', '지현', '민수K', 'Alice', '김 민수']) assert.equal((await post(nick)).status, 200, nick);
  });

  test('a nick that looks like an existing account is taken, at login and in a nick frame', async () => {
    const { ws } = await member('Dollar');
    await join(ws, 'lookalike');
    // capital I for l, zero for O: the same to the eye, so not a new account (mixed scripts are bad_nick already, below)
    for (const nick of ['DoIIar', 'D0llar']) {
      const res = await post(nick);
      assert.equal(res.status, 409, nick);
      assert.match(((await res.json()) as { error: string }).error, /똑같아 보여/);
    }
    // offline makes no difference: an account keeps its nick
    await ws.close();
    assert.equal((await post('DoIIar')).status, 409);
    // typing one's own nick in other case is still a login to it (here with the wrong password)
    assert.equal((await post('dollar')).status, 401);
    const back = await member('Dollar');
    const other = await member('다른사람');
    other.ws.send({ type: 'nick', nick: 'DOLLAR', ref: 'n1' });
    assert.equal((await other.ws.next((f) => f.type === 'error' && f.ref === 'n1')).code, 'nick_taken');
    other.ws.send({ type: 'nick', nick: 'bоt', ref: 'n2' });
    const bad = await other.ws.next((f) => f.type === 'error' && f.ref === 'n2');
    assert.equal(bad.code, 'bad_nick');
    assert.match(bad.message, /섞여/);
    await Promise.all([back.ws.close(), other.ws.close()]);
  });
});

describe('ephemeral answers (meta.visible_to)', { skip }, () => {
  test('reach only the named user, and stay out of everyone else\'s history', async () => {
    const auditor = await member('감사원');
    const peer = await member('동료');
    await join(auditor.ws, 'eph');
    await join(peer.ws, 'eph');
    const secret = createEnvelope({ type: 'bot', channel: 'eph', user: { id: 'bot', nick: 'kchat봇' }, text: '검색 결과: 3건 (감사원에게만)', meta: { visible_to: [auditor.id] } });
    const open = createEnvelope({ type: 'message', channel: 'eph', user: { id: 'u_x', nick: '누군가' }, text: '모두에게 보이는 말' });
    await kafka.publish([secret, open]);
    assert.equal((await auditor.ws.next((f) => f.id === secret.id)).text, secret.text);
    await auditor.ws.next((f) => f.id === open.id);
    // same channel = same partition: the peer got `open` after where `secret` would have been
    await peer.ws.next((f) => f.id === open.id);
    assert.ok(!peer.ws.frames.some((f) => f.id === secret.id), 'the peer never sees it');
    // history: a newcomer and the peer do not get it; the auditor does
    const late = await member('늦게옴');
    late.ws.send({ type: 'join', channel: 'eph' });
    const h = await late.ws.next((f) => f.type === 'history' && f.channel === 'eph');
    assert.ok(h.events.some((e: Frame) => e.id === open.id));
    assert.ok(!h.events.some((e: Frame) => e.id === secret.id));
    const again = await wsClient(srv.url, auditor.token);
    again.send({ type: 'join', channel: 'eph' });
    const mine = await again.next((f) => f.type === 'history' && f.channel === 'eph');
    assert.ok(mine.events.some((e: Frame) => e.id === secret.id));
    await Promise.all([auditor.ws.close(), peer.ws.close(), late.ws.close(), again.close()]);
  });
});

describe('hot path: the gateway forwards the consumed bytes (issue #11 item 8)', { skip }, () => {
  test('a record that already is the envelope JSON goes to sockets byte for byte; any other is cleaned and serialised once', async () => {
    const { ws } = await member('바이트');
    await join(ws, 'bytes');
    const raw: string[] = [];
    ws.ws.on('message', (d) => raw.push(d.toString()));
    // what Python's json.dumps writes by default: Korean as \\u escapes, the contract's field order
    const e = createEnvelope({ type: 'message', channel: 'bytes', user: { id: 'u_py', nick: '파이썬' }, text: '안녕하세요, 회의는 3시예요', meta: { source: 'kafka-python' } });
    const escaped = serialize(e).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    assert.notEqual(escaped, serialize(e));
    // a record with an extra field and a control character: not forwarded as is
    const dirty = JSON.stringify({ ...JSON.parse(serialize(createEnvelope({ type: 'message', channel: 'bytes', user: { id: 'u_py', nick: '파이썬' }, text: 'x' }))), text: '벨\u0007소리', extra: '<b>hi</b>' });
    await kafka.send(kafka.names.topics.events, [
      { key: 'bytes', value: escaped },
      { key: 'bytes', value: dirty },
    ]);
    const got = await ws.next((f) => f.id === e.id);
    assert.equal(got.text, '안녕하세요, 회의는 3시예요');
    const cleaned = await ws.next((f) => f.v === 1 && f.text === '벨소리');
    assert.equal(cleaned.extra, undefined, 'fields outside the contract are not forwarded');
    assert.ok(raw.includes(escaped), 'the consumed bytes were forwarded as they are');
    assert.ok(raw.includes(serialize(createEnvelope(cleaned as never))), 'the cleaned envelope was serialised by the one serializer');
    await ws.close();
  });
});
