// /api/notebooks and /api/sql in-process: roles (401/403/200), list, get,
// save (byte-stable for untouched cells), run, run one cell, CSV without a
// row cap, hostile SQL refused with 400 {"error"}.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { notebooksApp, type NotebooksApp } from './helpers/notebooks-app.ts';
import fs from 'node:fs';
import path from 'node:path';

let nb: NotebooksApp;
let fx: NotebooksApp['fx'];
let app: NotebooksApp['app'];
let auditor: string;
let member: string;
let dir: string;

before(async () => {
  nb = await notebooksApp('notebook-api-test', { shipped: ['daily-audit.md'] });
  ({ fx, app, auditor, dir } = nb);
  member = nb.auth.issueMemberToken('민수').token;
});
after(() => nb.close());

const req = (p: string, token: string | null, init: RequestInit = {}) =>
  app.request(p, { ...init, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers ?? {}) } });

test('members get 403, bad or missing tokens 401, on notebooks and /api/sql', async () => {
  for (const [p, init] of [
    ['/api/notebooks', {}],
    ['/api/notebooks/daily-audit', {}],
    ['/api/notebooks/daily-audit/run', { method: 'POST', body: '{}' }],
    ['/api/notebooks/daily-audit/cells/1.csv', {}],
    ['/api/sql', { method: 'POST', body: JSON.stringify({ sql: 'SELECT 1' }) }],
  ] as [string, RequestInit][]) {
    assert.equal((await req(p, member, init)).status, 403, `member ${p}`);
    assert.equal((await req(p, 'not-a-token', init)).status, 401, `bad token ${p}`);
    assert.equal((await req(p, null, init)).status, 401, `no token ${p}`);
  }
  assert.equal((await req('/api/notebooks', auditor)).status, 200);
  assert.equal((await req('/api/notebooks', 'admin-test-token')).status, 200, 'admin too');
});

test('POST /api/sql: columns and rows, bound params, hostile SQL → 400 {error}', async () => {
  const ok = await req('/api/sql', auditor, { method: 'POST', body: JSON.stringify({ sql: 'SELECT nick, count(*) AS n FROM messages WHERE nick = $who GROUP BY nick', params: { who: '민수' } }) });
  assert.equal(ok.status, 200);
  const body = (await ok.json()) as { columns: string[]; rows: unknown[][] };
  assert.deepEqual(body.columns, ['nick', 'n']);
  assert.deepEqual(body.rows, [['민수', 3]]);
  for (const sql of ['DROP TABLE messages', "SELECT * FROM read_csv('/etc/passwd')", 'SELECT 1; SELECT 2', 'SELEC oops']) {
    const bad = await req('/api/sql', auditor, { method: 'POST', body: JSON.stringify({ sql }) });
    assert.equal(bad.status, 400, sql);
    assert.ok(((await bad.json()) as { error: string }).error.length > 0);
  }
  assert.equal((await req('/api/sql', auditor, { method: 'POST', body: 'not json' })).status, 400);
  assert.equal((await fx.db.one<{ n: number }>('SELECT count(*) AS n FROM messages'))?.n, 9);
});

test('POST /api/sql writes times as instants: Seoul wall time of 07:46Z is 16:46+09:00, never 16:46Z (#14)', async () => {
  const sql = "SELECT TIMESTAMPTZ '2026-12-01 07:46:41.905+00' AS instant, timezone('Asia/Seoul', TIMESTAMPTZ '2026-12-01 07:46:41.905+00') AS seoul_wall, DATE '2026-12-01' AS day";
  const res = await req('/api/sql', auditor, { method: 'POST', body: JSON.stringify({ sql }) });
  assert.equal(res.status, 200);
  const { rows } = (await res.json()) as { rows: string[][] };
  const [instant, wall, day] = rows[0];
  assert.equal(wall, '2026-12-01T16:46:41.905+09:00');
  assert.equal(Date.parse(instant), Date.parse('2026-12-01T07:46:41.905Z'));
  assert.equal(Date.parse(wall), Date.parse('2026-12-01T07:46:41.905Z'), 'the same instant, whichever way it was asked');
  assert.equal(day, '2026-12-01');
});

test('list, get, run, run one cell, CSV, save', async () => {
  const list = (await (await req('/api/notebooks', auditor)).json()) as { notebooks: { name: string; schedule?: string }[] };
  assert.deepEqual(list.notebooks.map((n) => n.name), ['daily-audit']);
  assert.equal(list.notebooks[0].schedule, '0 9 * * *');
  const got = (await (await req('/api/notebooks/daily-audit', auditor)).json()) as { meta: { title: string }; cells: { kind: string; source: string; name?: string }[] };
  assert.equal(got.meta.title, '일일 감사 — 대화량');
  const run = (await (await req('/api/notebooks/daily-audit/run', auditor, { method: 'POST', body: JSON.stringify({ params: { day: '2024-08-27', channel: 'general' } }) })).json()) as {
    id: string;
    cells: { name?: string; rows?: unknown[][]; status: string }[];
  };
  assert.deepEqual(run.cells.find((c) => c.name === 'totals')?.rows, [[5, 3, 1]]);
  const stored = (await (await req(`/api/notebooks/daily-audit/runs/${run.id}`, auditor)).json()) as { id: string };
  assert.equal(stored.id, run.id);
  const one = (await (await req('/api/notebooks/daily-audit/cells/by_channel/run', auditor, { method: 'POST', body: JSON.stringify({ params: { day: '2024-08-27' } }) })).json()) as {
    cells: { name?: string; status: string; rows?: unknown[][] }[];
  };
  assert.deepEqual(one.cells.find((c) => c.name === 'by_channel')?.rows, [['general', 5, 3], ['dev', 2, 2]]);
  assert.equal(one.cells.find((c) => c.name === 'by_user')?.status, 'skipped');
  const badParam = await req('/api/notebooks/daily-audit/run', auditor, { method: 'POST', body: JSON.stringify({ params: { day: '어제의 어제' } }) });
  assert.equal(badParam.status, 400);
  assert.match(((await badParam.json()) as { error: string }).error, /day must be a date/);

  const csv = await req('/api/notebooks/daily-audit/cells/by_user.csv?day=2024-08-27', auditor);
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
  const text = (await csv.text()).replace(/^\uFEFF/, '');
  assert.equal(text.split('\r\n')[0], 'nick,messages,channels,first_seen,last_seen');
  assert.match(text, /\r\n민수,3,1,/);

  // save: an edit to one cell changes only that cell's lines
  const before = fs.readFileSync(path.join(dir, 'daily-audit.md'), 'utf8');
  const edited = got.cells.map((c) => (c.name === 'by_user' ? { ...c, source: c.source.replace('LIMIT 20', 'LIMIT 10') } : c));
  const put = await req('/api/notebooks/daily-audit', auditor, { method: 'PUT', body: JSON.stringify({ meta: got.meta, cells: edited }) });
  assert.equal(put.status, 200);
  const after = fs.readFileSync(path.join(dir, 'daily-audit.md'), 'utf8');
  assert.equal(after, before.replace('LIMIT 20', 'LIMIT 10'));
  // saving unchanged content keeps the bytes
  const same = await req('/api/notebooks/daily-audit', auditor, { method: 'PUT', body: JSON.stringify({ meta: got.meta, cells: edited }) });
  assert.equal(same.status, 200);
  assert.equal(fs.readFileSync(path.join(dir, 'daily-audit.md'), 'utf8'), after);
  // a broken save is refused and the file stays
  const broken = await req('/api/notebooks/daily-audit', auditor, { method: 'PUT', body: JSON.stringify({ meta: got.meta, cells: [{ kind: 'sql', name: 'bad name!', source: 'x' }] }) });
  assert.equal(broken.status, 400);
  assert.equal(fs.readFileSync(path.join(dir, 'daily-audit.md'), 'utf8'), after);

  const created = await req('/api/notebooks', auditor, { method: 'POST', body: JSON.stringify({ name: '새노트', title: '새 노트' }) });
  assert.equal(created.status, 201);
  assert.equal((await req('/api/notebooks', auditor, { method: 'POST', body: JSON.stringify({ name: '새노트' }) })).status, 409);
  assert.ok(fs.existsSync(path.join(dir, '새노트.md')));
});
