// `kchat users add NAME --role …` prints a token that the gateway accepts,
// both when the CLI owns the database and when a running server does (the
// command is forwarded to it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kchat } from './helpers/cli.ts';
import { startServer, tempDir, wsClient } from './helpers/server.ts';


test('users add prints tokens the gateway accepts, with or without a running server', async () => {
  const dataDir = tempDir('kchat-users-');
  const created = await kchat(['users', 'add', '감사관', '--role', 'auditor', '--json'], dataDir);
  assert.equal(created.code, 0, created.stderr);
  const user = JSON.parse(created.stdout) as { id: string; name: string; role: string; token: string };
  assert.equal(user.name, '감사관');
  assert.equal(user.role, 'auditor');
  assert.ok(user.token.length >= 20);

  const bad = await kchat(['users', 'add', '누군가', '--role', 'superuser'], dataDir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown role "superuser"/);

  const srv = await startServer({ dataDir });
  try {
    const auditor = await wsClient(srv.url, user.token);
    const self = await auditor.next((f) => f.type === 'self');
    assert.deepEqual([self.user.nick, self.user.role], ['감사관', 'auditor']);
    await auditor.close();

    // the server holds the database now: the CLI forwards the command and prints just the token
    const forwarded = await kchat(['users', 'add', '운영팀장', '--role', 'admin'], dataDir);
    assert.equal(forwarded.code, 0, forwarded.stderr);
    const token = forwarded.stdout.trim();
    assert.match(token, /^\S{20,}$/);
    const admin = await wsClient(srv.url, token);
    const adminSelf = await admin.next((f) => f.type === 'self');
    assert.deepEqual([adminSelf.user.nick, adminSelf.user.role], ['운영팀장', 'admin']);
    await admin.close();
  } finally {
    await srv.stop();
  }
});
