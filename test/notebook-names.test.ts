// A notebook name comes from the URL (#10 item 3): `..%2F..%2Fx` and friends
// are refused with a clear 400 before anything is created, on every notebook
// route, and a run's files stay inside $DATA_DIR/notebook-runs whoever asks.
import assert from 'node:assert/strict';
import { notebooksApp, type NotebooksApp } from './helpers/notebooks-app.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runDir } from '../audit/index.ts';
import { isInputError } from '../core/errors.ts';

let nb: NotebooksApp;
let fx: NotebooksApp['fx'];
let app: NotebooksApp['app'];
let auditor: string;
let dir: string;

before(async () => {
  nb = await notebooksApp('notebook-names-test');
  ({ fx, app, auditor, dir } = nb);
});
after(() => nb.close());

const req = (p: string, init: RequestInit = {}) => app.request(p, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${auditor}` } });
const notebook = { meta: { title: '탈출', params: [] }, cells: [{ kind: 'sql', name: 'q', source: 'SELECT 1 AS n' }] };

/** every file and folder under `root` */
function tree(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).sort();
}

test('names that would leave the folders are refused on every route, and nothing is created', async () => {
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-escape-'));
  const escape = path.relative(path.join(fx.dataDir, 'notebook-runs'), path.join(outside, 'x'));
  const names = ['..%2F..%2F..%2Fx', encodeURIComponent(escape), '..', '.hidden', 'a%2Fb', 'a%5Cb', '%00', 'x'.repeat(81), '-lead'];
  const before = tree(fx.dataDir);
  for (const name of names) {
    for (const [method, p, body] of [
      ['POST', `/api/notebooks/${name}/run`, { notebook }],
      ['POST', `/api/notebooks/${name}/cells/0/run`, { notebook }],
      ['PUT', `/api/notebooks/${name}`, notebook],
      ['GET', `/api/notebooks/${name}`, undefined],
      ['GET', `/api/notebooks/${name}/runs`, undefined],
      ['GET', `/api/notebooks/${name}/cells/0.csv`, undefined],
    ] as const) {
      const res = await req(p, { method, ...(body ? { body: JSON.stringify(body) } : {}) });
      assert.ok(res.status === 400 || res.status === 404, `${method} ${p}: ${res.status}`);
      if (res.status === 400) {
        const err = (await res.json()) as { code: string; error: string };
        assert.equal(err.code, 'bad_notebook_name', p);
        assert.match(err.error, /노트북 이름/);
      }
    }
  }
  const created = await req('/api/notebooks', { method: 'POST', body: JSON.stringify({ name: '../../x' }) });
  assert.equal(created.status, 400);
  assert.deepEqual(tree(outside), [], 'nothing outside the data folder');
  assert.deepEqual(tree(fx.dataDir).filter((f) => !before.includes(f) && !/\.wal$|duckdb-tmp/.test(f)), [], 'no new folders or run files');
  assert.deepEqual(tree(dir), []);
});

test('a good Korean name works, and runDir itself refuses an escape whoever calls it', async () => {
  const res = await req(`/api/notebooks/${encodeURIComponent('일일-점검_1')}/run`, { method: 'POST', body: JSON.stringify({ notebook }) });
  assert.equal(res.status, 200);
  assert.ok(fs.existsSync(path.join(fx.dataDir, 'notebook-runs', '일일-점검_1')));
  for (const bad of ['../x', 'a/b', '', '..']) assert.throws(() => runDir(fx.dataDir, bad), (e) => isInputError(e) && e.code === 'bad_notebook_name', bad);
  assert.throws(() => runDir(fx.dataDir, 'ok', '../../etc'), (e) => isInputError(e) && e.code === 'bad_run_id');
});
