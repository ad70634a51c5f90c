// The CLI against a running server (#10 item 1), as a user runs it: the
// server owns the database, so `kchat notebook run FILE --html OUT` is sent
// there with the notebook's CONTENT, and OUT is written here, by the CLI, from
// the answer. A relative path is resolved where the user stands, not where
// the server runs; the command line lands in the audit log.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot, startServer, tempDir } from './helpers/server.ts';

function kchat(args: string[], dataDir: string, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // tsx resolved from the repo: the command runs in the user's folder, outside it
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(repoRoot, 'cli', 'main.ts'), ...args], {
      cwd,
      env: { ...process.env, DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('a forwarded notebook run reads the local file and writes --html locally; the server logs the command line', async () => {
  const dataDir = tempDir('kchat-fwd-');
  const work = tempDir('kchat-fwd-work-');
  fs.mkdirSync(path.join(work, 'nb'));
  fs.writeFileSync(path.join(work, 'nb', '점검.md'), '---\ntitle: 점검 노트북\n---\n\n```sql name=n\nSELECT 7 AS n, \'안녕하세요\' AS greeting\n```\n');
  const srv = await startServer({ dataDir });
  try {
    const r = await kchat(['notebook', 'run', 'nb/점검.md', '--html', 'out/점검.html', '--json'], dataDir, work);
    assert.equal(r.code, 0, r.stderr);
    const run = JSON.parse(r.stdout) as { status: string; cells: { rows?: unknown[][] }[]; html: string };
    assert.equal(run.status, 'ok');
    assert.deepEqual(run.cells[0].rows, [[7, '안녕하세요']]);
    const html = fs.readFileSync(path.join(work, 'out', '점검.html'), 'utf8');
    assert.match(html, /안녕하세요/);
    assert.ok(!fs.existsSync(path.join(repoRoot, 'out', '점검.html')), 'not written where the server runs');

    // a file that is not there is refused here, before anything is sent
    const missing = await kchat(['notebook', 'run', 'nb/없음.md'], dataDir, work);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read nb\/없음\.md: no such file \(파일이 없습니다\)/);

    const token = fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
    const res = await fetch(`${srv.url}/api/audit-log?action=cli`, { headers: { authorization: `Bearer ${token}` } });
    const { entries } = (await res.json()) as { entries: { detail: { command_line: string } }[] };
    assert.deepEqual(
      entries.map((e) => e.detail.command_line),
      ['kchat notebook run nb/점검.md --html out/점검.html --json'],
    );
  } finally {
    await srv.stop();
  }
});
