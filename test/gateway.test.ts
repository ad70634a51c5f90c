// The websocket gateway against a real broker: Korean chat between two
// clients, nick changes, presence, history, login errors, every kind of bad
// frame, and a dropped connection. One server for the file; each test uses
// its own channel and nicks.
import { after, before, describe, test } from 'node:test';
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
  if (process.env.DUMP_LOGS) console.log(srv.stderr().split('\n').filter((l) => !/kafkajs/.test(l)).join('\n').slice(-8000));
});

const isEvent = (type: string, channel: string) => (f: Frame) => f.v === 1 && f.type === type && f.channel === channel;
const isPresence = (channel: string, pred: (users: string[]) => boolean) => (f: Frame) => f.type === 'presence' && f.channel === channel && pred(f.users);
const isError = (code: string) => (f: Frame) => f.type === 'error' && f.code === code;

async function member(nick: string): Promise<WsClient> {
  const { token } = await login(srv.url, nick);
  const ws = await wsClient(srv.url, token);
  await ws.next((f) => f.type === 'self');
  return ws;
}

/** Join and wait until the own join came back from Kafka. */
async function join(ws: WsClient, channel: string): Promise<void> {
  ws.send({ type: 'join', channel });
  const name = channel.replace(/^#/, '');
  await ws.next((f) => f.type === 'history' && f.channel === name);
  await ws.next(isEvent('join', name));
}

describe('chat between two users on one gateway (through Kafka)', () => {
  test('Korean text, emoji and a lone surrogate arrive for both, cleaned', async () => {
    const a = await member('민수');
    const b = await member('지영');
    await join(a, '잡담');
    await join(b, '#잡담');
    await a.next(isPresence('잡담', (u) => u.includes('민수') && u.includes('지영')));

    // \udc80 is what the bootcamp's Korean IME left behind; it must arrive as U+FFFD
    const text = '점심은 김치찌개를 먹으러 가요 🍲👍 그리고\udc80 끝';
    a.send({ type: 'message', channel: '잡담', text, ref: 'm1' });
    const got = await b.next(isEvent('message', '잡담'));
    const echo = await a.next(isEvent('message', '잡담'));
    assert.equal(got.text, '점심은 김치찌개를 먹으러 가요 🍲👍 그리고\uFFFD 끝');
    assert.equal(got.user.nick, '민수');
    assert.equal(echo.id, got.id, 'the sender gets the very same event back from Kafka');
    assert.equal(echo.meta.ref, 'm1');

    // decomposed Hangul (NFD, as macOS input gives) is stored composed (NFC)
    b.send({ type: 'message', channel: '잡담', text: '안녕하세요'.normalize('NFD'), reply_to: got.id });
    const reply = await a.next(isEvent('message', '잡담'));
    assert.equal(reply.text, '안녕하세요');
    assert.equal(reply.reply_to, got.id);
    await Promise.all([a.close(), b.close()]);
  });

  test('a nick change is seen by the other user as "A → B" and in presence', async () => {
    const a = await member('하늘');
    const b = await member('바다');
    await join(a, 'nick-test');
    await join(b, 'nick-test');
    b.send({ type: 'nick', nick: '푸른바다' });
    const seen = await a.next(isEvent('nick', 'nick-test'));
    assert.equal(seen.text, '바다 → 푸른바다');
    assert.deepEqual([seen.meta.old, seen.meta.new], ['바다', '푸른바다']);
    await a.next(isPresence('nick-test', (u) => u.includes('푸른바다') && !u.includes('바다')));
    const self = await b.next((f) => f.type === 'self' && f.user.nick === '푸른바다');
    assert.equal(self.user.nick, '푸른바다');
    // later messages carry the new nick
    b.send({ type: 'message', channel: 'nick-test', text: '이름 바꿨어요' });
    assert.equal((await a.next(isEvent('message', 'nick-test'))).user.nick, '푸른바다');
    // a nick someone online wears is refused, with the client's ref echoed
    a.send({ type: 'nick', nick: '푸른바다', ref: 7 });
    const err = await a.next(isError('nick_taken'));
    assert.equal(err.ref, '7');
    assert.match(err.message, /푸른바다/);
    await Promise.all([a.close(), b.close()]);
  });

  test('join/leave notices change membership; a dropped connection only changes presence', async () => {
    const a = await member('가람');
    const b = await member('나래');
    await join(a, 'presence');
    await join(b, 'presence');
    await a.next(isPresence('presence', (u) => u.join() === ['가람', '나래'].join()));
    b.send({ type: 'leave', channel: 'presence' });
    const left = await a.next(isEvent('leave', 'presence'));
    assert.equal(left.user.nick, '나래');
    await a.next(isPresence('presence', (u) => u.join() === '가람'));

    const c = await member('다솜');
    await join(c, 'presence');
    await a.next(isPresence('presence', (u) => u.includes('다솜')));
    // drop the TCP connection without a leave frame: offline, still a member, no notice
    c.ws.terminate();
    // offline, but still a member
    await a.next((f) => f.type === 'presence' && f.channel === 'presence' && !f.users.includes('다솜') && f.members.includes('다솜'));
    a.send({ type: 'message', channel: 'presence', text: '다솜님 나갔어요?', ref: 'after-drop' });
    await a.next((f) => f.type === 'message' && f.meta?.ref === 'after-drop');
    assert.ok(!a.frames.some((f) => f.v === 1 && f.type === 'leave' && f.user.nick === '다솜'), 'no leave event for a dropped connection');
    await Promise.all([a.close(), b.close()]);
  });

  test('the last 50 events of a channel come as history on join, oldest first', async () => {
    // three senders, so no connection goes over its burst of 20 frames (the rate limit would drop some)
    const senders = [await member('기록자1'), await member('기록자2'), await member('기록자3')];
    for (const s of senders) await join(s, 'history');
    for (let i = 1; i <= 55; i++) {
      const s = senders[Math.floor((i - 1) / 19)];
      const text = `기록 ${i}번째 메시지`;
      s.send({ type: 'message', channel: 'history', text });
      // wait for each echo, so the order on the topic is the order sent
      await s.next((f) => f.type === 'message' && f.text === text);
    }
    const b = await member('독자');
    b.send({ type: 'join', channel: 'history' });
    const h = await b.next((f) => f.type === 'history' && f.channel === 'history');
    assert.equal(h.events.length, 50);
    const texts = h.events.filter((e: Frame) => e.type === 'message').map((e: Frame) => e.text);
    assert.equal(texts.at(-1), '기록 55번째 메시지');
    assert.equal(texts[0], `기록 ${55 - texts.length + 1}번째 메시지`);
    const ts = h.events.map((e: Frame) => e.ts);
    assert.deepEqual(ts, [...ts].sort((x, y) => x - y));

    // extension: older pages before an event id
    b.send({ type: 'history', channel: 'history', before: h.events[0].id, ref: 'older' });
    const older = await b.next((f) => f.type === 'history' && f.ref === 'older');
    assert.ok(older.events.length > 0);
    assert.ok(older.events.every((e: Frame) => e.ts <= h.events[0].ts));
    assert.equal(older.events.filter((e: Frame) => e.type === 'message').at(-1)?.text, `기록 ${55 - texts.length}번째 메시지`);
    await Promise.all([...senders, b].map((c) => c.close()));
  });
});

describe('login', () => {
  const post = (body: string) => fetch(`${srv.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  test('returns a token and a user for a valid Korean nick (the first login claims it)', async () => {
    const res = await post(JSON.stringify({ nick: '로그인테스트', password: '첫 비밀번호입니다' }));
    assert.equal(res.status, 200);
    const body = (await res.json()) as { token: string; user: { id: string; nick: string } };
    assert.equal(body.user.nick, '로그인테스트');
    assert.match(body.user.id, /^u_/);
    assert.ok(body.token.length > 20);
  });

  test('rejects bad bodies and bad nicks with 4xx naming the problem', async () => {
    const cases: [string, number, RegExp][] = [
      ['{"nick":', 400, /JSON/],
      ['[1,2]', 400, /JSON object/],
      ['{}', 400, /nick/],
      [JSON.stringify({ nick: '' }), 400, /empty/],
      [JSON.stringify({ nick: '가'.repeat(33) }), 400, /at most 32/],
      [JSON.stringify({ nick: '벨\u0007소리' }), 400, /control/],
      [JSON.stringify({ nick: '봇' }), 400, /reserved/],
      [JSON.stringify({ nick: 'System' }), 400, /reserved/],
      [JSON.stringify({ nick: 'admin' }), 400, /reserved/],
      [JSON.stringify({ nick: 42 }), 400, /string/],
      [JSON.stringify({ nick: '큰몸', pad: 'x'.repeat(10_000) }), 413, /larger than/],
    ];
    for (const [body, status, message] of cases) {
      const res = await post(body);
      const json = (await res.json()) as { error: string };
      assert.equal(res.status, status, `${body.slice(0, 40)} → ${res.status} ${json.error}`);
      assert.match(json.error, message);
    }
  });

  test('a claimed nick needs its password (401 naming the problem), also while its owner is online', async () => {
    const a = await member('유일한이름');
    await join(a, 'unique');
    const res = await post(JSON.stringify({ nick: '유일한이름', password: '남의 비밀번호' }));
    assert.equal(res.status, 401);
    const body = (await res.json()) as { error: string; code: string };
    assert.equal(body.code, 'wrong_password');
    assert.match(body.error, /비밀번호가 맞지 않습니다/);
    await a.close();
  });

  test('websocket without a valid token is refused with 401', async () => {
    await assert.rejects(wsClient(srv.url, ''), /HTTP 401/);
    await assert.rejects(wsClient(srv.url, 'not-a-token'), /HTTP 401/);
    const { token } = await login(srv.url, '위조');
    const forged = token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA');
    await assert.rejects(wsClient(srv.url, forged), /HTTP 401/);
  });
});

describe('bad frames get an error frame naming the problem; the connection stays', () => {
  test('malformed, unknown, missing and invalid fields', async () => {
    const cases: [unknown, string, RegExp][] = [
      ['이건 JSON이 아니에요', 'bad_json', /not valid JSON/],
      ['[1,2,3]', 'bad_frame', /JSON object/],
      [{ channel: 'bad' }, 'missing_field', /'type'/],
      [{ type: 'dance' }, 'unknown_type', /"dance"/],
      [{ type: 'join' }, 'missing_field', /'channel'/],
      [{ type: 'join', channel: '공백 있는 채널' }, 'bad_channel', /공백 있는 채널/],
      [{ type: 'join', channel: 'a'.repeat(41) }, 'bad_channel', /not a valid channel/],
      [{ type: 'message', channel: 'bad' }, 'missing_field', /'text'/],
      [{ type: 'message', channel: 'bad', text: 42 }, 'bad_field', /'text'/],
      [{ type: 'message', channel: 'bad', text: ' \u0001\u0002 ' }, 'empty_text', /empty/],
      [{ type: 'message', channel: 'bad', text: '가'.repeat(4001) }, 'text_too_long', /4001.*4000/],
      [{ type: 'message', channel: 'bad', text: '답장', reply_to: 5 }, 'bad_field', /reply_to/],
      [{ type: 'message', channel: 'elsewhere', text: '여기 없어요' }, 'not_joined', /#elsewhere/],
      [{ type: 'leave', channel: 'elsewhere' }, 'not_joined', /#elsewhere/],
      [{ type: 'join', channel: 42 }, 'bad_channel', /number/],
      [{ type: 'nick' }, 'missing_field', /'nick'/],
      [{ type: 'nick', nick: '' }, 'bad_nick', /empty/],
      [{ type: 'nick', nick: '너'.repeat(33) }, 'bad_nick', /32/],
      [{ type: 'nick', nick: '탭\t이름' }, 'bad_nick', /control/],
      [{ type: 'nick', nick: 'bot' }, 'bad_nick', /reserved/],
      [{ type: 'nick', nick: '시스템' }, 'bad_nick', /reserved/],
      [{ type: 'history', channel: 'bad', before: {} }, 'bad_field', /before/],
    ];
    // a fresh connection per dozen cases keeps each under its burst of 20 frames
    let a = await member('검사관');
    for (const [i, [frame, code, message]] of cases.entries()) {
      if (i > 0 && i % 12 === 0) {
        await a.close();
        a = await member(`검사관${i}`);
      }
      if (i % 12 === 0) await join(a, 'bad');
      a.send(typeof frame === 'string' ? frame : { ...(frame as object), ref: `case-${code}` });
      const err = await a.next((f) => f.type === 'error');
      assert.equal(err.code, code, `${JSON.stringify(frame).slice(0, 60)} → ${err.code}: ${err.message}`);
      assert.match(err.message, message);
      if (typeof frame !== 'string') assert.equal(err.ref, `case-${code}`);
    }
    // binary frames are refused too
    a.ws.send(Buffer.from([1, 2, 3]));
    assert.equal((await a.next((f) => f.type === 'error')).code, 'bad_frame');

    // none of that was sent; the connection still works, and a 4000-character message is delivered whole
    const max = '한'.repeat(4000);
    a.send({ type: 'message', channel: 'bad', text: max });
    const got = await a.next(isEvent('message', 'bad'));
    assert.equal(got.text, max);
    assert.equal(a.frames.filter((f) => f.v === 1 && f.type === 'message').length, 1, 'only the valid message reached Kafka');
    await a.close();
  });

  test('a flood is rate limited without closing the connection; every refused frame is answered with its ref', async () => {
    const a = await member('도배꾼');
    const b = await member('관찰자');
    await join(a, 'flood');
    // far past the burst allowance (100): each frame is delivered or refused out loud
    const N = 160;
    for (let i = 0; i < N; i++) a.send({ type: 'message', channel: 'flood', text: `도배 ${i}`, ref: `f${i}` });
    const err = await a.next(isError('rate_limited'));
    assert.match(err.message, /too many/);
    assert.ok(err.retry_after_ms > 0, 'says when to retry');
    const answered = new Set<string>([err.ref]);
    while (answered.size < N) {
      const f = await a.next((x) => (x.v === 1 && x.type === 'message' && x.channel === 'flood') || (x.type === 'error' && x.code === 'rate_limited'));
      answered.add(f.type === 'error' ? f.ref : f.meta.ref);
    }
    // still connected: it receives what happens next in the channel
    await join(b, 'flood');
    await a.next((f) => f.v === 1 && f.type === 'join' && f.user.nick === '관찰자');
    const delivered = a.frames.filter((f) => f.v === 1 && f.type === 'message').length;
    assert.ok(delivered < N, 'some of the flood was refused');
    await Promise.all([a.close(), b.close()]);
  });

  test('a frame over 64 KiB is answered with frame_too_large and the connection closes', async () => {
    const a = await member('큰손');
    a.send({ type: 'message', channel: 'big', text: 'x'.repeat(70 * 1024) });
    const err = await a.next(isError('frame_too_large'));
    assert.match(err.message, /65536/);
    const { code } = await a.closed;
    assert.equal(code, 1009);
    // the server is fine
    const res = await fetch(`${srv.url}/healthz`);
    assert.equal(res.status, 200);
  });
});

describe('health', () => {
  test('/healthz is 200 with per-part details once the server is ready', async () => {
    const res = await fetch(`${srv.url}/healthz`);
    const body = (await res.json()) as { status: string; duckdb: { ok: boolean }; parts: Record<string, { ok: boolean; kafka?: { state: string } }> };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.status, 'ok');
    assert.equal(body.duckdb.ok, true);
    assert.equal(body.parts.gateway.ok, true);
    assert.equal(body.parts.gateway.kafka?.state, 'ready');
  });

  test('server.json tells the CLI where the server listens', async () => {
    const info = JSON.parse(fs.readFileSync(path.join(srv.dataDir, 'server.json'), 'utf8')) as { pid: number; port: number; host: string };
    assert.equal(info.port, srv.port);
    assert.equal(info.pid, srv.proc.pid);
  });
});
