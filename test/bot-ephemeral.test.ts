// Answers for one person, end to end (#10 item 11): in a real server, an
// auditor's `@bot 통계` answer reaches only the auditor's socket — not a member
// in the same channel, live or in history — and is stored for auditors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { login, repoRoot, startServer, tempDir, uniquePrefix, wsClient, type Frame, type TestServer, type WsClient } from './helpers/server.ts';

const skip = process.env.KAFKA_BROKERS ? false : 'KAFKA_BROKERS is not set: run through `npm test` (it starts a broker)';
const CHANNEL = '감사-점검';

const prefix = uniquePrefix('eph');

/** `kchat users add …` before the server starts (it writes the account to the accounts topic). */
function addUser(name: string, role: string, dataDir: string): { token: string; id: string } {
  const cli = [path.join(repoRoot, 'cli', 'main.ts'), 'users', 'add', name, '--role', role, '--json'];
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...cli], { cwd: repoRoot, env: { ...process.env, DATA_DIR: dataDir, NODE_ENV: 'test', KCHAT_TOPIC_PREFIX: prefix }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { token: string; id: string };
}

async function joined(url: string, token: string): Promise<WsClient> {
  const ws = await wsClient(url, token);
  ws.send({ type: 'join', channel: CHANNEL });
  await ws.next((f) => f.type === 'history' && f.channel === CHANNEL);
  return ws;
}

let srv: TestServer;
let auditor: { token: string; id: string };

before(async () => {
  if (skip) return;
  const dataDir = tempDir('kchat-eph-');
  auditor = addUser('감사팀', 'auditor', dataDir);
  srv = await startServer({ dataDir, prefix, env: { KCHAT_SCHEDULES_FILE: '' } });
});
after(async () => {
  if (skip) return;
  await srv.stop();
});

test("an auditor's @bot 통계 answer reaches only the auditor, never a member of the channel, and is stored for auditors", { skip, timeout: 180_000 }, async () => {
  const member = await login(srv.url, '지수');
  const a = await joined(srv.url, auditor.token);
  const m = await joined(srv.url, member.token);

  m.send({ type: 'message', channel: CHANNEL, text: '배포 장애 원인 분석 회의는 내일 오전입니다', ref: 'm1' });
  await a.next((f) => f.meta?.ref === 'm1');
  a.send({ type: 'message', channel: CHANNEL, text: '@bot 통계 오늘', ref: 'ask' });
  const question = await a.next((f) => f.type === 'message' && f.meta?.ref === 'ask');
  const answer = await a.next((f) => f.type === 'bot' && f.reply_to === question.id, 60_000);
  assert.match(answer.text, /오늘/);
  assert.deepEqual(answer.meta.visible_to, [auditor.id], 'marked for the auditor only');

  // Same channel, same partition: once the member sees a later message, the answer would already have come.
  a.send({ type: 'message', channel: CHANNEL, text: '확인했습니다', ref: 'after' });
  await m.next((f) => f.meta?.ref === 'after');
  assert.ok(m.frames.some((f) => f.id === question.id), 'the member does see the question itself');
  assert.ok(!m.frames.some((f: Frame) => f.id === answer.id), 'the member never receives the answer');

  // Nor in history: a member who joins now, and the member reconnecting.
  const late = await login(srv.url, '늦게온사람');
  const l = await wsClient(srv.url, late.token);
  l.send({ type: 'join', channel: CHANNEL });
  const history = await l.next((f) => f.type === 'history' && f.channel === CHANNEL);
  assert.ok(history.events.some((e: Frame) => e.id === question.id));
  assert.ok(!history.events.some((e: Frame) => e.id === answer.id), "the answer is not in anyone else's history");
  const again = await joined(srv.url, auditor.token);
  assert.ok(again.frames.some((f) => f.type === 'history' && f.events.some((e: Frame) => e.id === answer.id)), "it is in the auditor's own history");

  // Stored for auditors: ingest keeps it (each try is a real round trip through /api/sql).
  let rows: unknown[][] = [];
  for (let i = 0; i < 200 && rows.length === 0; i++) {
    const res = await fetch(`${srv.url}/api/sql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${auditor.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sql: 'SELECT id, type FROM messages WHERE id = $id', params: { id: answer.id } }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    rows = ((await res.json()) as { rows: unknown[][] }).rows;
  }
  assert.deepEqual(rows, [[answer.id, 'bot']]);
  await Promise.all([a.close(), m.close(), l.close(), again.close()]);
});
