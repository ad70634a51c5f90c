// The shipped Airflow notifier (bots/airflow/kchat_notifier.py): its own
// Python unit test, and the notifier posting to the real /hooks/airflow route.
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../core/config.ts';
import type { Envelope } from '../core/envelope.ts';
import { hooksRoutes } from '../server/routes/hooks.ts';
import { repoRoot, tempDir } from './helpers/server.ts';

const python = spawnSync('python3', ['--version']).status === 0 ? 'python3' : null;
const skip = python ? false : 'python3 is not installed: the Airflow notifier (Python) cannot be tested here';

test('python unit test of the notifier (loopback HTTP server)', { skip }, () => {
  const r = spawnSync('python3', ['-m', 'unittest', '-v', 'bots/airflow/test_kchat_notifier.py'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /Ran 5 tests/);
});

test('the notifier posts a failure that the hook accepts and formats', { skip }, async () => {
  const posted: Envelope[] = [];
  const config = loadConfig({ DATA_DIR: tempDir('kchat-notifier-'), HOOK_TOKEN: 'hook-token-for-python' });
  const app = hooksRoutes({ config, publish: async (e) => void posted.push(e) });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  try {
    const port = (server.address() as AddressInfo).port;
    const script = `
import sys, datetime as dt
from types import SimpleNamespace
sys.path.insert(0, ${JSON.stringify(path.join(repoRoot, 'bots', 'airflow'))})
from kchat_notifier import kchat_notify
ti = SimpleNamespace(task_id="load_messages", state="failed", log_url="http://airflow.local/log?x=1")
ctx = {"dag": SimpleNamespace(dag_id="kchat_daily_parquet"), "run_id": "manual__2024-09-02", "ti": ti,
       "logical_date": dt.datetime(2024, 9, 2, 0, 0, tzinfo=dt.timezone.utc), "exception": ValueError("메시지 파일이 비었습니다\\n두 번째 줄")}
print(kchat_notify(ctx))
`;
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn('python3', ['-c', script], { env: { ...process.env, KCHAT_URL: `http://127.0.0.1:${port}`, KCHAT_HOOK_TOKEN: 'hook-token-for-python' } });
      let s = '';
      let err = '';
      p.stdout.on('data', (d) => (s += d));
      p.stderr.on('data', (d) => (err += d));
      p.on('exit', (code) => (code === 0 ? resolve(s.trim()) : reject(new Error(err))));
    });
    assert.equal(out, '202');
    assert.equal(posted.length, 1);
    const e = posted[0];
    assert.equal(e.channel, 'ops');
    assert.match(e.text, /^❌ Airflow 실패: kchat_daily_parquet/);
    assert.match(e.text, /• 태스크\(task\): load_messages/);
    assert.match(e.text, /• 시각: 2024-09-02 09:00 \(Asia\/Seoul\)/);
    assert.match(e.text, /• 오류: ValueError: 메시지 파일이 비었습니다$/m);
    assert.match(e.text, /• 로그: http:\/\/airflow\.local\/log\?x=1/);
  } finally {
    server.close();
  }
});
