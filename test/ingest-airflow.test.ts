// Runs ingest/airflow/test_dag.py (the Airflow DAG check) with Python: the
// real Airflow in ingest/airflow/.venv when .ci/run installed it, else
// python3 with the test's fake airflow package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from './helpers/ingest.ts';

const venvPython = path.join(repoRoot, 'ingest', 'airflow', '.venv', 'bin', 'python');
const python = fs.existsSync(venvPython) ? venvPython : spawnSync('python3', ['--version']).status === 0 ? 'python3' : null;

test('the Airflow DAG imports and has its branch, trigger rule and callbacks', { skip: python ? false : 'python3 is not installed', timeout: 5 * 60_000 }, () => {
  const r = spawnSync(python!, [path.join(repoRoot, 'ingest', 'airflow', 'test_dag.py')], {
    cwd: path.join(repoRoot, 'ingest', 'airflow'),
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  const mode = /\[test_dag\] mode: (.*)/.exec(r.stdout)?.[1] ?? 'unknown';
  process.stdout.write(`# test_dag.py ran with ${mode}\n`);
  assert.equal(r.status, 0, r.stderr.split('\n').slice(-30).join('\n'));
  assert.match(r.stderr, /Ran 4 tests/);
  assert.match(r.stderr, /\nOK\b/);
});
