// Notebook format: parse ↔ serialise is byte-stable, edits touch only what
// changed, and parse → run → save leaves the file as it was (results go to
// $DATA_DIR/notebook-runs and notebook_runs, never into the notebook).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseNotebook, serialiseNotebook, NotebookFormatError, NotebookService, NotebookStore, SHIPPED_NOTEBOOKS, runDir } from '../audit/notebook/index.ts';
import { openFixture } from './notebook-fixtures.ts';

const TRICKY = `---
title: "시험: 따옴표와 '한글'"
params:
  - { name: who, type: text, default: "민수" }
  - name: kind
    type: select
    default: a
    options: [a, b]
# a YAML comment stays
---
# 제목

문단 하나.   
\`\`\`
prose code block without a language (stays prose)
\`\`\`


\`\`\`sql name=first title="첫 번째 셀"
SELECT 1 AS n -- 주석
\`\`\`
\`\`\`pyspark from=%spark.pyspark
df = spark.read.parquet("x")
\`\`\`

\`\`\`\`plot
data: first
marks:
  - { type: barY, x: n, y: n }
\`\`\`\`
끝 문단

`;

test('shipped notebooks and a tricky file serialise back to the same bytes', () => {
  const files = fs.readdirSync(SHIPPED_NOTEBOOKS).filter((f) => f.endsWith('.md'));
  assert.ok(files.length >= 6, 'six shipped notebooks');
  for (const f of files) {
    const text = fs.readFileSync(path.join(SHIPPED_NOTEBOOKS, f), 'utf8');
    assert.equal(serialiseNotebook(parseNotebook(text)), text, f);
  }
  const nb = parseNotebook(TRICKY);
  assert.equal(serialiseNotebook(nb), TRICKY);
  assert.deepEqual(
    nb.cells.map((c) => [c.kind, c.name ?? null]),
    [
      ['markdown', null],
      ['sql', 'first'],
      ['pyspark', null],
      ['plot', null],
      ['markdown', null],
    ],
  );
  assert.match(nb.cells[0].source, /prose code block/);
  assert.deepEqual(nb.cells[1].attrs, { title: '첫 번째 셀' });
  assert.equal(nb.meta.params[0].default, '민수');
});

test('editing one cell rewrites only that cell; reordering keeps each cell verbatim', () => {
  const nb = parseNotebook(TRICKY);
  nb.cells[1].source = "SELECT '바뀐' AS n";
  const out = serialiseNotebook(nb);
  assert.ok(out.includes('```sql name=first title="첫 번째 셀"\nSELECT \'바뀐\' AS n\n```'));
  assert.equal(out.replace("SELECT '바뀐' AS n", 'SELECT 1 AS n -- 주석'), TRICKY);
  const again = parseNotebook(out);
  assert.equal(again.cells[1].source, "SELECT '바뀐' AS n");
  // swap the pyspark and the plot cell: both keep their own text
  const swapped = parseNotebook(TRICKY);
  [swapped.cells[2], swapped.cells[3]] = [swapped.cells[3], swapped.cells[2]];
  const s = parseNotebook(serialiseNotebook(swapped));
  assert.deepEqual(s.cells.map((c) => c.kind), ['markdown', 'sql', 'plot', 'pyspark', 'markdown']);
  assert.equal(s.cells[3].source, 'df = spark.read.parquet("x")');
  // a changed title re-renders only the front matter
  const retitled = parseNotebook(TRICKY);
  retitled.meta.title = '새 제목';
  const r = serialiseNotebook(retitled);
  assert.equal(parseNotebook(r).meta.title, '새 제목');
  assert.ok(r.endsWith(TRICKY.slice(TRICKY.indexOf('# 제목'))));
});

test('malformed notebooks are refused with the reason', () => {
  assert.throws(() => parseNotebook('---\ntitle: x\n'), (e: Error) => e instanceof NotebookFormatError && /never closed/.test(e.message));
  assert.throws(() => parseNotebook('```sql name=a\nSELECT 1\n'), /line 1: the `sql` cell opened here is never closed/);
  assert.throws(() => parseNotebook('```sql name=a\nSELECT 1\n```\n```sql name=a\nSELECT 2\n```\n'), /used twice/);
  assert.throws(() => parseNotebook('---\nparams:\n  - { name: "bad name", type: text }\n---\n'), /not a valid parameter name/);
  assert.throws(() => parseNotebook('---\nparams:\n  - { name: x, type: colour }\n---\n'), /type "colour"/);
});

test('parse → run → save round-trip: the run stores results outside the notebook', async () => {
  const fx = await openFixture({ populated: true });
  const dir = fs.mkdtempSync(path.join(fx.dataDir, 'nbs-'));
  try {
    const text = fs.readFileSync(path.join(SHIPPED_NOTEBOOKS, 'audit-0826.md'), 'utf8');
    fs.writeFileSync(path.join(dir, 'audit-0826.md'), text);
    const svc = await NotebookService.open(fx.config, fx.db, { dir });
    try {
      const { notebook } = svc.store.read('audit-0826');
      const run = await svc.run('audit-0826', notebook, { trigger: 'cli', params: { day: '2024-08-27' } });
      assert.equal(run.status, 'ok', JSON.stringify(run.cells.filter((c) => c.error)));
      const words = run.cells.find((c) => c.name === 'words')!;
      const counts = Object.fromEntries(words.rows!.map((r) => [r[0], r[1]]));
      // 배포는/배포를/배포 and 회의에서/회의는/회의 count as one term each; 사람이/사람은 → 사람
      assert.equal(counts['배포'], 3);
      assert.equal(counts['회의'], 3);
      assert.equal(counts['사람'], 2);
      assert.equal(counts['사람이'], undefined);
      // saving the notebook after the run gives back the same file
      new NotebookStore(dir).write('audit-0826', notebook);
      assert.equal(fs.readFileSync(path.join(dir, 'audit-0826.md'), 'utf8'), text);
      const stored = JSON.parse(fs.readFileSync(path.join(runDir(fx.dataDir, 'audit-0826', run.id), 'run.json'), 'utf8'));
      assert.equal(stored.id, run.id);
      assert.deepEqual(stored.cells.find((c: { name?: string }) => c.name === 'words').rows, words.rows);
      const row = await fx.db.one<{ status: string; cells: number; errors: number }>('SELECT status, cells, errors FROM notebook_runs WHERE id = ?', [run.id]);
      assert.equal(row?.status, 'ok');
      assert.equal(row?.errors, 0);
      assert.ok((row?.cells ?? 0) >= 5);
    } finally {
      svc.close();
    }
  } finally {
    await fx.close();
  }
});

test('every shipped notebook runs without errors on an empty and on a populated database', async () => {
  for (const populated of [false, true]) {
    const fx = await openFixture({ populated });
    const svc = await NotebookService.open(fx.config, fx.db);
    try {
      for (const entry of svc.store.list()) {
        const { notebook } = svc.store.read(entry.name);
        const run = await svc.run(entry.name, notebook, { trigger: 'cli' });
        const errors = run.cells.filter((c) => c.status === 'error').map((c) => `${c.name ?? c.index}: ${c.error}`);
        assert.deepEqual(errors, [], `${entry.name} (${populated ? 'populated' : 'empty'})`);
      }
    } finally {
      svc.close();
      await fx.close();
    }
  }
});
