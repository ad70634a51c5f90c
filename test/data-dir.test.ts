// The data directory is private (#10 item 7): after an `npm start`-like start
// on a folder an older kchat left open (0755, a 0644 token), and after chat,
// ingest, a Parquet export and CLI work, every folder under $DATA_DIR is 0700
// and every file 0600 — the database, its WAL, tokens, the session secret,
// run files and Parquet alike. The CLI on its own data folder does the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { localDate } from '../core/time.ts';
import { login, repoRoot, startServer, tempDir, uniquePrefix, wsClient } from './helpers/server.ts';
import { until } from './helpers/ingest.ts';

/** Every entry under dir whose mode is not 0700 (folders) / 0600 (files), as "relative path: mode". */
function loose(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      const mode = fs.lstatSync(full).mode & 0o777;
      if (e.isDirectory()) {
        if (mode !== 0o700) out.push(`${path.relative(dir, full)}/: ${mode.toString(8)}`);
        walk(full);
      } else if (e.isFile() && mode !== 0o600) out.push(`${path.relative(dir, full)}: ${mode.toString(8)}`);
    }
  };
  if ((fs.statSync(dir).mode & 0o777) !== 0o700) out.push(`./: ${(fs.statSync(dir).mode & 0o777).toString(8)}`);
  walk(dir);
  return out;
}

const kchat = (dataDir: string, args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli', 'main.ts'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', NODE_ENV: 'test', KCHAT_TOPIC_PREFIX: uniquePrefix('cli') },
    timeout: 120_000,
  });

test('npm start on an open data folder makes it and everything kchat writes private', async () => {
  const dataDir = tempDir('kchat-modes-');
  // what an older kchat (or a careless copy) left: an open folder and a readable token
  fs.chmodSync(dataDir, 0o755);
  fs.writeFileSync(path.join(dataDir, 'hook-token'), 'hook-token-from-before\n', { mode: 0o644 });
  fs.chmodSync(path.join(dataDir, 'hook-token'), 0o644);
  fs.mkdirSync(path.join(dataDir, 'parquet'), { mode: 0o755 });
  fs.chmodSync(path.join(dataDir, 'parquet'), 0o755);

  const srv = await startServer({ dataDir, env: { ADMIN_TOKEN: '' } });
  try {
    assert.equal(fs.readFileSync(path.join(dataDir, 'hook-token'), 'utf8').trim(), 'hook-token-from-before', 'the token is kept, only its mode changes');
    // chat, so ingest writes rows (WAL) and the gateway keeps sessions
    const { token } = await login(srv.url, '민수');
    const ws = await wsClient(srv.url, token);
    ws.send({ type: 'join', channel: '보안' });
    ws.send({ type: 'message', channel: '보안', text: '데이터 폴더는 나만 읽어요' });
    await ws.next((f) => f.type === 'message' && f.text === '데이터 폴더는 나만 읽어요');
    await ws.close();
    await until(async () => {
      const h = (await (await fetch(`${srv.url}/healthz`)).json()) as { parts?: { ingest?: { stored?: number } } };
      return (h.parts?.ingest?.stored ?? 0) >= 2;
    }, 'ingest stored the chat');
    // the daily Parquet job, sent by the CLI to the running server
    const run = kchat(dataDir, ['pipeline', 'run', '--date', localDate(Date.now(), 'Asia/Seoul'), '--json', '--no-post']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).status, 'success');
    for (const f of ['kchat.duckdb', 'admin-token', 'hook-token', 'session-secret', 'server.json']) assert.ok(fs.existsSync(path.join(dataDir, f)), `${f} exists`);
    assert.ok(fs.readdirSync(path.join(dataDir, 'parquet')).some((d) => d.startsWith('dt=')), 'a day was exported');
    assert.deepEqual(loose(dataDir), [], 'nothing readable by other users while running');
  } finally {
    await srv.stop();
  }
  assert.deepEqual(loose(dataDir), [], 'nor after a clean stop (checkpointed database)');
});

test('the CLI alone creates a private data folder', () => {
  const dataDir = path.join(tempDir('kchat-modes-cli-'), 'fresh');
  const r = kchat(dataDir, ['users', 'add', '감사팀', '--role', 'auditor']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.trim().length > 10, 'a token was printed');
  assert.ok(fs.existsSync(path.join(dataDir, 'kchat.duckdb')));
  assert.deepEqual(loose(dataDir), []);
});
