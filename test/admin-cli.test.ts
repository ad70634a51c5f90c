// The CLI against a running server (#10 item 1), as a user runs it: the
// server owns the database, so `kchat notebook run FILE --html OUT` is sent
// there with the notebook's CONTENT, and OUT is written here, by the CLI, from
// the answer. A relative path is resolved where the user stands, not where
// the server runs; the command line lands in the audit log.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { kchat } from './helpers/cli.ts';
import { repoRoot, startServer, tempDir } from './helpers/server.ts';


test('a forwarded notebook run reads the local file and writes --html locally; the server logs the command line', async () => {
  const dataDir = tempDir('kchat-fwd-');
  const work = tempDir('kchat-fwd-work-');
  fs.mkdirSync(path.join(work, 'nb'));
  fs.writeFileSync(path.join(work, 'nb', '점검.md'), '---\ntitle: 점검 노트북\n---\n\n```sql name=n\nSELECT 7 AS n, \'안녕하세요\' AS greeting\n```\n');
  const srv = await startServer({ dataDir });
  try {
    const r = await kchat(['notebook', 'run', 'nb/점검.md', '--html', 'out/점검.html', '--json'], dataDir, { cwd: work });
    assert.equal(r.code, 0, r.stderr);
    const run = JSON.parse(r.stdout) as { status: string; cells: { rows?: unknown[][] }[]; html: string };
    assert.equal(run.status, 'ok');
    assert.deepEqual(run.cells[0].rows, [[7, '안녕하세요']]);
    const html = fs.readFileSync(path.join(work, 'out', '점검.html'), 'utf8');
    assert.match(html, /안녕하세요/);
    assert.ok(!fs.existsSync(path.join(repoRoot, 'out', '점검.html')), 'not written where the server runs');

    // a file that is not there is refused here, before anything is sent
    const missing = await kchat(['notebook', 'run', 'nb/없음.md'], dataDir, { cwd: work });
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
