// Upgrading an installation from before accounts (issue #12, "migrate existing
// data: users seen so far keep their ids"): a data folder whose DuckDB holds
// messages of people who never had accounts. The first server with accounts
// reserves each nick for the user id it had last; that person's first login
// with a password claims it with the same id, and they are members of the
// channels they spoke in, without joining.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../core/config.ts';
import { createEnvelope } from '../core/envelope.ts';
import { testKafka } from './helpers/kafka.ts';
import { login, startServer, tempDir, testBrokers, uniquePrefix, wsClient } from './helpers/server.ts';

const skip = process.env.KAFKA_BROKERS ? false : 'KAFKA_BROKERS is not set: run through `npm test` (it starts a broker)';

test('nicks seen before accounts keep their user ids and channels', { skip, timeout: 240_000 }, async () => {
  const dataDir = tempDir('kchat-migrate-');
  const before = uniquePrefix('pre');
  // the old log: 민수 spoke as two ids over time (the later one is his), 지현 in two channels
  const old = [
    { id: 'u_oldminsu000001', nick: '민수', channel: '옛날채널', text: '예전 아이디로 쓴 말', ts: Date.now() - 3 * 86_400_000 },
    { id: 'u_oldminsu000002', nick: '민수', channel: '옛날채널', text: '점심 뭐 먹을까요?', ts: Date.now() - 2 * 86_400_000 },
    { id: 'u_oldjihyun00001', nick: '지현', channel: '옛날채널', text: '김치찌개요!', ts: Date.now() - 2 * 86_400_000 + 60_000 },
    { id: 'u_oldjihyun00001', nick: '지현', channel: '잡담', text: '주말 잘 보내세요', ts: Date.now() - 86_400_000 },
  ];
  const kafka = await testKafka(loadConfig({ KAFKA_BROKERS: testBrokers(), KCHAT_TOPIC_PREFIX: before, DATA_DIR: dataDir }), 'migrate-test');
  await kafka.publish(old.map((m) => createEnvelope({ type: 'message', channel: m.channel, user: { id: m.id, nick: m.nick }, text: m.text, ts: m.ts })));
  await kafka.disconnect();

  // a server stores them in DuckDB (its own accounts topic gets no account: nobody logs in)
  const first = await startServer({ dataDir, prefix: before });
  const admin = fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
  let stored = 0;
  for (let i = 0; i < 300 && stored < old.length; i++) {
    const res = await fetch(`${first.url}/api/sql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sql: "SELECT count(*)::INTEGER FROM messages WHERE user_id LIKE 'u_old%'" }),
    });
    stored = ((await res.json()) as { rows: number[][] }).rows[0][0];
  }
  assert.equal(stored, old.length);
  await first.stop();

  // the upgrade: the same DuckDB, accounts topics that are still empty
  const second = await startServer({ dataDir, prefix: uniquePrefix('post') });
  try {
    const minsu = await login(second.url, '민수', '새로 정한 비밀번호');
    assert.equal(minsu.user.id, 'u_oldminsu000002', 'the id 민수 had last');
    const jihyun = await login(second.url, '지현', '지현의 새 비밀번호');
    assert.equal(jihyun.user.id, 'u_oldjihyun00001');
    // the claim is now an account: the password is needed from here on
    const wrong = await fetch(`${second.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ nick: '민수', password: '남의 비밀번호' }) });
    assert.equal(wrong.status, 401);
    // members of the channels they spoke in, without joining
    const ws = await wsClient(second.url, jihyun.token);
    const list = await ws.next((f) => f.type === 'channels');
    assert.deepEqual(list.channels.map((c: { name: string }) => c.name).sort(), ['옛날채널', '잡담'].sort());
    await ws.close();
  } finally {
    await second.stop();
  }
});
