// Session tokens are signed with KCHAT_SESSION_SECRET when it is set, so that
// every gateway of a cluster (each with its own DATA_DIR) accepts a token any
// of them issued; without it each DATA_DIR has its own secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Auth } from './auth.ts';
import { loadConfig } from './config.ts';

function node(secret?: string): Auth {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-auth-'));
  return new Auth(null, loadConfig({ DATA_DIR: dataDir, ...(secret ? { KCHAT_SESSION_SECRET: secret } : {}) }));
}

const account = { id: 'u_0123456789abcdef', nick: '민수', role: 'member' as const, tv: 1 };

test('nodes sharing KCHAT_SESSION_SECRET accept each other\'s session tokens; nodes with their own secrets do not', async () => {
  const shared = 'a-shared-secret-for-every-gateway-0123456789';
  const [a, b] = [node(shared), node(shared)];
  const { token } = a.issueToken(account);
  assert.deepEqual(await b.verify(token), { id: account.id, nick: '민수', role: 'member' });

  const [c, d] = [node(), node()];
  const own = c.issueToken(account).token;
  assert.ok(await c.verify(own), 'the issuing node accepts its own token');
  assert.equal(await d.verify(own), null, 'another DATA_DIR has another generated secret');
  assert.equal(await b.verify(own), null);
});

test('a short KCHAT_SESSION_SECRET is refused at start with the rule', () => {
  assert.throws(() => loadConfig({ KCHAT_SESSION_SECRET: 'short' }), /KCHAT_SESSION_SECRET must be at least 32 characters/);
});
