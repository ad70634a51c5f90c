// `kchat import-legacy` beside a running server: the CLI reads the file
// itself and produces to Kafka (it is not shipped to the server), the server's
// ingest stores the records, counts are honest (a re-import is all
// duplicates), imported history is never pushed to sockets, the server
// keeps answering while the import runs, and the import keeps pace with it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { kchat } from './helpers/cli.ts';
import { login, startServer, tempDir, wsClient, type TestServer } from './helpers/server.ts';
import { until } from './helpers/ingest.ts';

let srv: TestServer;
let admin: string;
const dir = tempDir('kchat-import-');
const file = path.join(dir, 'history.jsonl');
const LINES = 20_000;

before(async () => {
  const lines: string[] = [];
  for (let i = 0; i < LINES; i++) {
    const time = new Date(Date.UTC(2024, 7, 27, 0, 0, 0) + i * 1000).toISOString();
    lines.push(JSON.stringify({ user: ['민수', '지영', '수진'][i % 3], message: `서버 배포 ${i}번째 확인했어요`, time, offset: i }));
  }
  lines.splice(100, 0, lines[99]); // a repeated record (two clients wrote the same log)
  lines.splice(5000, 0, '{"user": "민수", "message": 잘린 줄');
  lines.splice(7000, 0, '{"user": "", "message": "누가 보냈죠?"}');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  // with its search service (a JVM): imported history must become searchable like any event
  srv = await startServer({ env: { KCHAT_SEARCH: 'on' } });
  admin = fs.readFileSync(path.join(srv.dataDir, 'admin-token'), 'utf8').trim();
  await until(async () => ((await (await fetch(`${srv.url}/healthz`)).json()) as { parts: { search: { state: string } } }).parts.search.state === 'ready', 'the search service ready');
});
after(async () => {
  await srv.stop();
});

const cli = (args: string[]) => kchat(args, srv.dataDir, { env: { KCHAT_TOPIC_PREFIX: srv.prefix } });

async function storedCount(): Promise<number> {
  const res = await fetch(`${srv.url}/api/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sql: "SELECT count(*)::INTEGER AS n FROM messages WHERE source = 'legacy:history.jsonl'" }),
  });
  const body = (await res.json()) as { rows: number[][] };
  return body.rows[0][0];
}

test('the CLI produces through Kafka beside a server, which stores them; counts are honest; a re-import adds nothing', async () => {
  const { token } = await login(srv.url, '하준');
  const ws = await wsClient(srv.url, token);
  ws.send({ type: 'join', channel: 'legacy' });
  await ws.next((f) => f.type === 'presence' && f.channel === 'legacy');

  const running = kchat(['import-legacy', file, '--json'], srv.dataDir, { env: { KCHAT_TOPIC_PREFIX: srv.prefix, LOG_LEVEL: 'info' } });
  // the server keeps answering while the import runs
  const health = await fetch(`${srv.url}/healthz`);
  assert.equal(health.status, 200);
  const search = await fetch(`${srv.url}/api/search?q=${encodeURIComponent('배포')}`, { headers: { authorization: `Bearer ${admin}` } });
  assert.equal(search.status, 200);
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  const [f] = (JSON.parse(r.stdout) as { files: { read: number; imported: number; duplicates: number; rejected: { line: number; reason: string }[] }[] }).files;
  assert.deepEqual([f.read, f.imported, f.duplicates], [LINES + 3, LINES, 1]);
  assert.deepEqual(
    f.rejected.map((x) => x.line),
    [5001, 7001],
  );
  assert.match(f.rejected[0].reason, /invalid JSON/);
  assert.match(f.rejected[1].reason, /empty user/);
  assert.equal(f.read, f.imported + f.duplicates + f.rejected.length);
  assert.doesNotMatch(r.stderr, /forward/i);
  // it kept pace with the server (asked its /healthz how far ingest and search are behind; ingest/legacy/pace.test.ts waits)
  assert.match(r.stderr, /"msg":"legacy file sent to the chat log"/);
  assert.match(r.stderr, /"paced_ms":\d+/);

  // the server's ingest stores them
  await until(async () => (await storedCount()) === LINES, 'the imported records stored by the server');
  // … and the search service indexes them from Kafka: every imported line says 배포, counted exactly
  const searchTotal = async () => ((await (await fetch(`${srv.url}/api/search?q=${encodeURIComponent('배포 확인했어요')}`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { total: number }).total;
  await until(async () => (await searchTotal()) === LINES, 'the imported records searchable with an exact total');

  // a re-import: everything stored is a duplicate, nothing is sent
  const again = await cli(['import-legacy', file, '--json']);
  assert.equal(again.code, 0, again.stderr);
  const [g] = (JSON.parse(again.stdout) as { files: { read: number; imported: number; duplicates: number; rejected: unknown[] }[] }).files;
  assert.deepEqual([g.read, g.imported, g.duplicates, g.rejected.length], [LINES + 3, 0, LINES + 1, 2]);

  // imported history was never pushed to the open socket: the first message frame is a live one
  ws.send({ type: 'message', channel: 'legacy', text: '실시간 메시지' });
  const first = await ws.next((x) => x.type === 'message');
  assert.equal(first.text, '실시간 메시지');
  assert.equal(await storedCount(), LINES);
  await ws.close();
});
