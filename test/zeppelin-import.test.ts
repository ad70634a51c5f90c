// Zeppelin import: the shared bootcamp notes (a real .zpln and a note
// exported as .ipynb) and a note with every feature the importer maps
// (SQL interpreters, dynamic forms, graph modes, cron).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { importZeppelin, quartzToCron, convertForms } from '../audit/zeppelin/import.ts';
import { parseNotebook, serialiseNotebook } from '../audit/notebook/format.ts';
import { repoRoot, sharedData } from './notebook-fixtures.ts';

const zeppelinDir = path.join(sharedData, 'zeppelin');
const haveShared = fs.existsSync(zeppelinDir);
const skipShared = haveShared ? false : `shared data not found at ${zeppelinDir}`;

test('the bootcamp audit note 0826_audit: PySpark kept as non-running cells, %md as prose', { skip: skipShared }, () => {
  const file = path.join(zeppelinDir, '0826_audit_2K5D7U8QA.zpln');
  const { notebook, report } = importZeppelin(fs.readFileSync(file, 'utf8'), file);
  assert.equal(report.name, '0826_audit');
  assert.equal(notebook.meta.title, '0826_audit');
  assert.deepEqual(notebook.meta.params, []);
  assert.equal(notebook.meta.schedule, undefined, 'cron is disabled in this note');
  const kinds = notebook.cells.slice(1).map((c) => c.kind);
  // 12 paragraphs: 9 %spark.pyspark, 3 %md
  assert.deepEqual(kinds, ['pyspark', 'pyspark', 'markdown', 'pyspark', 'pyspark', 'markdown', 'pyspark', 'pyspark', 'pyspark', 'markdown', 'pyspark', 'pyspark']);
  const first = notebook.cells[1];
  assert.equal(first.attrs?.from, '%spark.pyspark');
  assert.equal(first.attrs?.title, 'WORD CLOUD');
  assert.match(first.source, /word_counts_df = words_df.groupBy\("word"\).count\(\)/);
  assert.ok(!first.source.startsWith('%'), 'interpreter line removed');
  assert.match(notebook.cells[3].source, /^## WORD CLOUD 결과\n\n!\[image\]/);
  assert.ok(notebook.cells.every((c) => !c.source.includes('iVBORw0KGgo')), 'stored results (PNG) are dropped');
  // the written text reads back to the same cells
  const again = parseNotebook(serialiseNotebook(notebook));
  assert.deepEqual(again.cells.map((c) => [c.kind, c.source]), notebook.cells.map((c) => [c.kind, c.source]));
});

test('team4_toparquet.ipynb: %sql cells become sql cells, Scala and PySpark stay', { skip: skipShared }, () => {
  const file = path.join(zeppelinDir, 'team4_toparquet.ipynb');
  const { notebook, report } = importZeppelin(fs.readFileSync(file, 'utf8'), file);
  assert.equal(notebook.meta.title, 'toparquet');
  assert.equal(report.name, 'team4_toparquet');
  const cells = notebook.cells.slice(1);
  assert.deepEqual(cells.map((c) => c.kind), ['scala', 'pyspark', 'pyspark', 'sql', 'pyspark', 'pyspark', 'sql', 'sql', 'pyspark', 'sql']);
  assert.equal(cells[0].source, 'sc.version');
  const sql = cells.filter((c) => c.kind === 'sql');
  assert.match(sql[0].source, /^-- 닉네임 별 채팅 빈도\nSELECT nickname, COUNT\(\*\) AS count\nFROM chat\nGROUP BY nickname;$/);
  assert.match(sql[3].source, /select \* from frequent/);
  assert.ok(sql.every((c) => c.name && c.attrs?.from === '%sql'));
  assert.ok(report.warnings.some((w) => /date_format/.test(w)), 'Spark date functions are flagged');
});

const NOTE = {
  name: '감사 대시보드',
  defaultInterpreterGroup: 'spark',
  config: { cron: '0 30 9 ? * 2-6', isZeppelinNotebookCronEnable: true },
  paragraphs: [
    { text: '%md\n# 설명\n감사용', config: {} },
    {
      title: '채널별 건수',
      text: "%sql\nSELECT channel, nick, count(*) AS n FROM messages\nWHERE nick = '${user=민수}' AND channel = '${channel=general,general|dev(개발)|ops}' AND length(text) < ${maxLen=30}\nGROUP BY 1, 2",
      config: { results: { '0': { graph: { mode: 'multiBarChart', keys: [{ name: 'channel', aggr: 'sum' }], values: [{ name: 'n', aggr: 'sum' }], groups: [{ name: 'nick' }] } } } },
    },
    {
      text: '%spark.sql\nSELECT day, count(*) AS n FROM t WHERE day >= ${since=2024-08-01} AND channel IN (${checkbox:chans=general|dev,general|dev|ops}) GROUP BY day',
      config: { results: { '0': { graph: { mode: 'lineChart', keys: [{ name: 'day' }], values: [{ name: 'n', aggr: 'sum' }], groups: [] } } } },
    },
    { text: '%jdbc(postgres)\nSELECT kind, count(*) AS c FROM x GROUP BY kind', config: { results: { '0': { graph: { mode: 'pieChart', keys: [], values: [], groups: [] } } } } },
    { text: '%flink.bsql\nSELECT 1 AS one', config: { results: { '0': { graph: { mode: 'table' } } } } },
    { text: '%hive\nSELECT a, b FROM h', config: { results: { '0': { graph: { mode: 'scatterChart', keys: [{ name: 'a' }], values: [{ name: 'b' }], groups: [] } } } } },
    { text: '%sh\nls -la /tmp', config: {} },
    { text: 'val x = spark.range(10)', config: {} },
    { text: '%python\nprint("안녕")', config: {} },
    { text: '%spark.sql\nSELECT d, v FROM s', config: { results: { '0': { graph: { mode: 'stackedAreaChart', keys: [{ name: 'd' }], values: [{ name: 'v' }], groups: [{ name: 'g' }] } } } } },
  ],
};

test('a note with forms, graph modes and cron', () => {
  const { notebook, report } = importZeppelin(JSON.stringify(NOTE), '/notes/audit_2ABCDEFGH.zpln');
  assert.equal(report.name, 'audit');
  assert.equal(notebook.meta.schedule, '0 30 9 * * 1-5', 'Quartz cron → node-cron (weekdays shifted, ? → *)');
  assert.deepEqual(notebook.meta.params, [
    { name: 'user', type: 'text', default: '민수' },
    { name: 'channel', type: 'select', default: 'general', options: ['general', 'dev', 'ops'] },
    { name: 'maxLen', type: 'number', default: 30 },
    { name: 'since', type: 'date', default: '2024-08-01' },
    { name: 'chans', type: 'select', multiple: true, default: ['general', 'dev'], options: ['general', 'dev', 'ops'] },
  ]);
  const cells = notebook.cells.slice(1);
  assert.deepEqual(
    cells.map((c) => c.kind),
    ['markdown', 'sql', 'plot', 'sql', 'plot', 'sql', 'plot', 'sql', 'sql', 'plot', 'sh', 'scala', 'python', 'sql', 'plot'],
  );
  const q = cells[1];
  assert.equal(q.name, '채널별_건수');
  assert.equal(q.source, 'SELECT channel, nick, count(*) AS n FROM messages\nWHERE nick = $user AND channel = $channel AND length(text) < $maxLen\nGROUP BY 1, 2');
  assert.equal(cells[2].source, 'data: 채널별_건수\nmarks:\n  - { type: barY, x: channel, y: n, fill: nick }');
  assert.equal(cells[3].source, 'SELECT day, count(*) AS n FROM t WHERE day >= $since AND list_contains($chans, channel) GROUP BY day');
  assert.match(cells[4].source, /type: lineY, x: day, y: n/);
  assert.match(cells[6].source, /type: barY, x: kind, y: c, fill: kind/, 'pie → bars from the SELECT list');
  assert.equal(cells[5].attrs?.from, '%jdbc');
  assert.match(cells[9].source, /type: dot, x: a, y: b/);
  assert.match(cells[14].source, /type: areaY, x: d, y: v, fill: g/);
  assert.equal(cells[10].source, 'ls -la /tmp');
  assert.ok(report.warnings.some((w) => /pie chart/.test(w)));
  // the imported notebook is valid text and its plot specs parse
  const text = serialiseNotebook(notebook);
  assert.equal(serialiseNotebook(parseNotebook(text)), text);
});

test('form and cron helpers', () => {
  assert.equal(quartzToCron('0 0 12 * * ?'), '0 0 12 * * *');
  assert.equal(quartzToCron('0 15 10 ? * MON-FRI 2025'), null, 'a fixed year cannot be a schedule');
  assert.deepEqual(convertForms("SELECT '${a}' AS x, ${b=1}").sql, 'SELECT $a AS x, $b');
});

test('kchat zeppelin import --json writes notebooks that inspect reads', { skip: skipShared }, () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-zimport-'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-zdata-'));
  try {
    const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'error' };
    const files = ['0826_audit_2K5D7U8QA.zpln', 'team4_toparquet.ipynb'].map((f) => path.join(zeppelinDir, f));
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli/main.ts'), 'zeppelin', 'import', ...files, '--out', out, '--json'], { env, encoding: 'utf8', cwd: repoRoot });
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.notebooks.map((n: { name: string }) => n.name), ['0826_audit', 'team4_toparquet']);
    assert.deepEqual(doc.errors, []);
    const inspect = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli/main.ts'), 'notebook', 'inspect', path.join(out, 'team4_toparquet.md'), '--json'], { env, encoding: 'utf8', cwd: repoRoot });
    assert.equal(inspect.status, 0, inspect.stderr);
    const nb = JSON.parse(inspect.stdout);
    assert.deepEqual(Object.keys(nb), ['title', 'params', 'cells']);
    assert.equal(nb.title, 'toparquet');
    assert.deepEqual(nb.cells.filter((c: { kind: string }) => c.kind === 'sql').length, 4);
    assert.deepEqual(Object.keys(nb.cells[0]), ['kind', 'source']);
    // a second import without --force refuses to overwrite
    const again = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli/main.ts'), 'zeppelin', 'import', files[0], '--out', out, '--json'], { env, encoding: 'utf8', cwd: repoRoot });
    assert.equal(again.status, 2, 'nothing imported');
    assert.match(JSON.parse(again.stdout).errors[0].error, /exists/);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
