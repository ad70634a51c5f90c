// `kchat users add NAME --role …` prints a token that the gateway accepts,
// both when no server runs (the CLI writes the account to the accounts topic
// itself) and when a running server does (the command is forwarded to it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kchat as cli } from './helpers/cli.ts';
import { startServer, tempDir, uniquePrefix, wsClient } from './helpers/server.ts';

const prefix = uniquePrefix('users');
/** the CLI on this test's topics (accounts live in Kafka) */
const kchat = (args: string[], dataDir: string) => cli(args, dataDir, { env: { KCHAT_TOPIC_PREFIX: prefix } });

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

  // a nick is one account: a second `users add` of it is refused
  const again = await kchat(['users', 'add', '감사관', '--role', 'admin'], dataDir);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /이미 다른 계정이 쓰고 있습니다/);

  const srv = await startServer({ dataDir, prefix });
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
