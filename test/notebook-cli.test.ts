// `kchat notebook run … --html OUT --json` and `inspect --json` as a user
// runs them (a child process on a real DuckDB file), and scheduled runs:
// the chat summary and the one-run-per-slot rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { NotebookScheduler, NotebookService, SHIPPED_NOTEBOOKS, parseEnvelopeText } from './notebook-cli-helpers.ts';
import { openFixture, repoRoot } from './notebook-fixtures.ts';

const kchat = (args: string[], env: NodeJS.ProcessEnv) => spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli/main.ts'), ...args], { env: { ...process.env, ...env, LOG_LEVEL: 'error' }, encoding: 'utf8', cwd: repoRoot });

test('notebook run --html writes one self-contained file with inline SVG charts; --json has the run', async () => {
  const fx = await openFixture({ populated: true });
  const dataDir = fx.dataDir;
  await fx.db.close(); // the CLI opens the file itself (one writer process)
  try {
    const out = path.join(dataDir, 'out', 'daily.html');
    const file = path.join(SHIPPED_NOTEBOOKS, 'daily-audit.md');
    const r = kchat(['notebook', 'run', file, '--param', 'day=2024-08-27', '--param', "channel=general", '--html', out, '--json'], { DATA_DIR: dataDir });
    assert.equal(r.status, 0, r.stderr);
    const run = JSON.parse(r.stdout);
    assert.equal(run.status, 'ok');
    assert.deepEqual(run.params, { day: '2024-08-27', channel: 'general' });
    assert.deepEqual(run.cells.find((c: { name?: string }) => c.name === 'totals').rows, [[5, 3, 1]]);
    assert.ok(fs.existsSync(path.join(run.dir, 'run.json')));
    const html = fs.readFileSync(out, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.equal((html.match(/<svg[\s>]/g) ?? []).length >= 2, true, 'two charts as inline SVG');
    assert.ok(!/<script/i.test(html), 'no scripts');
    assert.ok(!/(src|href)="https?:/i.test(html), 'no external resources');
    assert.match(html, /<td>민수<\/td>/);
    assert.match(html, /일일 감사 — 대화량/);

    const bad = kchat(['notebook', 'run', file, '--param', 'day=not-a-day'], { DATA_DIR: dataDir });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /day must be a date/);
    const unknown = kchat(['notebook', 'run', file, '--param', 'nope=1'], { DATA_DIR: dataDir });
    assert.match(unknown.stderr, /unknown parameter "nope"/);

    const inspect = kchat(['notebook', 'inspect', path.join(SHIPPED_NOTEBOOKS, 'topics.md'), '--json'], { DATA_DIR: dataDir });
    assert.equal(inspect.status, 0, inspect.stderr);
    const doc = JSON.parse(inspect.stdout);
    assert.equal(doc.title, '주제와 떠오르는 키워드');
    assert.deepEqual(doc.params, [
      { name: 'day', default: 'yesterday' },
      { name: 'window', default: 7 },
      { name: 'top', default: '20', options: ['10', '20', '50'] },
    ]);
    assert.deepEqual(doc.cells.map((c: { kind: string }) => c.kind), ['markdown', 'sql', 'plot', 'markdown', 'sql']);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a scheduled run posts a summary with key numbers, a sparkline and the run link; a slot runs once', async () => {
  const fx = await openFixture({ populated: true });
  const dir = path.join(fx.dataDir, 'nbs');
  fs.mkdirSync(dir);
  const text = fs.readFileSync(path.join(SHIPPED_NOTEBOOKS, 'daily-audit.md'), 'utf8').replace('default: yesterday', 'default: 2024-08-27');
  fs.writeFileSync(path.join(dir, 'daily-audit.md'), text);
  const svc = await NotebookService.open(fx.config, fx.db, { dir });
  const posted: { channel: string; type: string; text: string; meta: Record<string, unknown> }[] = [];
  const scheduler = new NotebookScheduler({ ...svc.engineDeps, store: svc.store, post: async (e) => void posted.push(e) });
  try {
    scheduler.reload();
    assert.deepEqual(scheduler.scheduled(), ['daily-audit']);
    const at = new Date('2024-08-28T00:00:00Z');
    const run = await scheduler.fire('daily-audit', at);
    assert.ok(run);
    assert.equal(posted.length, 1);
    const msg = posted[0];
    assert.equal(msg.channel, 'audit');
    assert.equal(msg.type, 'bot');
    assert.equal(parseEnvelopeText(msg.text).title, '📒 일일 감사 — 대화량 — 실행 완료');
    assert.match(msg.text, /totals: messages=7, users=3, channels=2/);
    assert.match(msg.text, /📈 hourly\.messages: [▁▂▃▄▅▆▇█]{24}/);
    assert.ok(msg.text.includes(`/notebooks/daily-audit?run=${run!.id}`));
    assert.equal(msg.meta.run_id, run!.id);
    // the same slot again (a second scheduler, or a double fire) does not run or post
    assert.equal(await scheduler.fire('daily-audit', new Date(at.getTime() + 30_000)), null);
    assert.equal(posted.length, 1);
    const rows = await fx.db.all<{ trigger: string; status: string; slot: string }>("SELECT trigger, status, slot FROM notebook_runs WHERE notebook = 'daily-audit'");
    assert.deepEqual(rows, [{ trigger: 'schedule', status: 'ok', slot: 'daily-audit@2024-08-28T00:00:00.000Z' }]);
  } finally {
    scheduler.stop();
    svc.close();
    await fx.close();
  }
});
