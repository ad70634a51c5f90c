// POST /hooks/airflow: token, size, schema, and what lands in #ops.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Envelope } from '../core/envelope.ts';
import { loadConfig } from '../core/config.ts';
import { hooksRoutes } from '../server/routes/hooks.ts';
import { seoul } from './helpers/bots.ts';
import { tempDir } from './helpers/server.ts';

const TOKEN = 'test-hook-token-0123456789';

describe('POST /hooks/airflow', () => {
  const posted: Envelope[] = [];
  let app: ReturnType<typeof hooksRoutes>;
  let down: ReturnType<typeof hooksRoutes>;
  before(() => {
    const config = loadConfig({ DATA_DIR: tempDir('kchat-hook-'), HOOK_TOKEN: TOKEN });
    app = hooksRoutes({ config, publish: async (e) => void posted.push(e), now: () => seoul(2024, 9, 3, 0, 8) });
    down = hooksRoutes({ config, publish: undefined });
  });
  const post = (body: unknown, token: string | null = TOKEN, a = app) =>
    a.request('/hooks/airflow', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  test('401 without or with a wrong token; nothing posted', async () => {
    const n = posted.length;
    const missing = await post({ dag_id: 'd', run_id: 'r', state: 'success' }, null);
    assert.equal(missing.status, 401);
    assert.match((await missing.json()).error, /missing Authorization/);
    const wrong = await post({ dag_id: 'd', run_id: 'r', state: 'success' }, 'not-the-token');
    assert.equal(wrong.status, 401);
    assert.match((await wrong.json()).error, /invalid hook token/);
    assert.equal(posted.length, n);
  });

  test('413 for bodies over 16 KiB', async () => {
    const res = await post({ dag_id: 'd', run_id: 'r', state: 'failed', exception: '가'.repeat(9000) });
    assert.equal(res.status, 413);
    assert.match((await res.json()).error, /larger than 16384 bytes/);
  });

  test('400 naming the field for schema errors and bad JSON', async () => {
    const state = await post({ dag_id: 'kchat_daily', run_id: 'r1', state: 'running' });
    assert.equal(state.status, 400);
    const body = await state.json();
    assert.equal(body.field, 'state');
    assert.match(body.error, /field 'state'/);
    const missing = await post({ run_id: 'r1', state: 'success' });
    assert.match((await missing.json()).error, /field 'dag_id'/);
    const json = await post('{"dag_id": "x",');
    assert.equal(json.status, 400);
    assert.match((await json.json()).error, /invalid JSON/);
  });

  test('success → ✅ in #ops with DAG, run, task, Seoul time and log link', async () => {
    const res = await post({
      dag_id: 'kchat_daily_parquet',
      run_id: 'scheduled__2024-09-01T15:00:00+00:00',
      state: 'success',
      task_id: 'to_parquet',
      logical_date: '2024-09-01T15:00:00+00:00',
      log_url: 'http://airflow.local:8080/dags/kchat_daily_parquet/grid?tab=logs',
    });
    assert.equal(res.status, 202);
    const { id } = await res.json();
    const e = posted.find((p) => p.id === id)!;
    assert.equal(e.channel, 'ops');
    assert.equal(e.type, 'bot');
    assert.equal(e.user.nick, '시스템봇');
    assert.equal(
      e.text,
      [
        '✅ Airflow 성공: kchat_daily_parquet',
        '• 실행(run): scheduled__2024-09-01T15:00:00+00:00',
        '• 태스크(task): to_parquet',
        '• 시각: 2024-09-02 00:00 (Asia/Seoul) (logical date)',
        '• 로그: http://airflow.local:8080/dags/kchat_daily_parquet/grid?tab=logs',
      ].join('\n'),
    );
    assert.equal(e.meta.kind, 'airflow');
    assert.equal(e.meta.state, 'success');
  });

  test('failure → ❌ with the first line of the exception, truncated; only http(s) links', async () => {
    const res = await post({
      dag_id: '팀4_파케이',
      run_id: 'manual__1',
      state: 'failed',
      exception: `\n  UnicodeEncodeError: 'utf-8' codec can't encode character '\\udced' ${'x'.repeat(300)}\nTraceback (most recent call last):\n  File "dag.py"`,
      log_url: 'javascript:alert(1)',
    });
    assert.equal(res.status, 202);
    const e = posted.at(-1)!;
    const lines = e.text.split('\n');
    assert.equal(lines[0], '❌ Airflow 실패: 팀4_파케이');
    const err = lines.find((l) => l.startsWith('• 오류: '))!;
    assert.match(err, /^• 오류: UnicodeEncodeError: 'utf-8' codec/);
    assert.ok(err.endsWith('…') && [...err].length <= 207, 'truncated to 200 characters');
    assert.ok(!e.text.includes('Traceback'), 'only the first line');
    assert.ok(!e.text.includes('javascript'), 'non-http links are dropped');
    assert.match(e.text, /• 시각: 2024-09-03 00:08 \(Asia\/Seoul\)$/m, 'without logical_date: the time received');
  });

  test('503 when the bots are not running', async () => {
    const res = await post({ dag_id: 'd', run_id: 'r', state: 'success' }, TOKEN, down);
    assert.equal(res.status, 503);
  });
});
