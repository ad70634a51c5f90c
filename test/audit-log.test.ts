// The audit trail (#10 items 14, 17) and the remote CLI (#10 item 1), in
// process on a real DuckDB file: every privileged action is recorded with its
// detail BEFORE it runs, an action whose record cannot be written does not
// run (503), GET /api/audit-log lists the trail for admins, and a command
// line sent to the server can never make it open or write a path it names.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Hono } from 'hono';
import type { KafkaClient } from '../core/kafka.ts';
import { auditFixture, CORPUS, type AuditFixture } from '../audit/fixtures.ts';
import { auditBotCommands, auditWritten, requireAuditor } from '../audit/index.ts';
import { createEnvelope } from '../core/envelope.ts';
import { logger } from '../core/log.ts';
import { SqlSandbox } from '../audit/sql/sandbox.ts';
import { cliRoutes } from '../server/routes/cli.ts';
import { sqlRoutes } from '../server/routes/sql.ts';

let fx: AuditFixture;
let box: SqlSandbox;
let auditorToken: string;
let memberToken: string;

before(async () => {
  fx = await auditFixture(CORPUS, { search: true }); // @bot 검색 below searches through the service
  box = await SqlSandbox.open(fx.db, { dataDir: fx.dir });
  fx.app.route('/', sqlRoutes(() => box, requireAuditor(fx.auth, fx.db)) as unknown as Hono);
  // `notebook run` does not use Kafka (`users …` does: the accounts topic; none of its runs here gets that far)
  fx.app.route('/', cliRoutes({ config: fx.config, db: fx.db, auth: fx.auth, kafka: {} as KafkaClient }) as unknown as Hono);
  auditorToken = (await fx.auth.createUser('감사담당', 'auditor')).token;
  memberToken = fx.auth.issueMemberToken('민수').token;
});
after(async () => {
  box.close();
  await fx.close();
});

const call = (p: string, token: string | null, body?: unknown) =>
  fx.app.request(p, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

interface Entry {
  id: string;
  ts: number;
  time: string;
  actor: { id: string | null; nick: string | null; role: string | null };
  action: string;
  detail: Record<string, unknown> | null;
  status: number | null;
  params: Record<string, unknown>;
}
const auditLog = async (query = '') => {
  const res = await call(`/api/audit-log${query}`, fx.adminToken);
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { entries: Entry[] }).entries;
};

/** Make every audit_log write fail (as on a full disk), run `fn`, then put the table back. */
async function withBrokenTrail(fn: () => Promise<void>): Promise<void> {
  await fx.db.run('ALTER TABLE audit_log RENAME TO audit_log_kept');
  await fx.db.run('CREATE VIEW audit_log AS SELECT * FROM audit_log_kept');
  try {
    await fn();
  } finally {
    await fx.db.run('DROP VIEW audit_log');
    await fx.db.run('ALTER TABLE audit_log_kept RENAME TO audit_log');
  }
}

test('POST /api/sql is recorded with its SQL text and parameters; times are instants', async () => {
  const sql = "SELECT count(*) AS n FROM messages WHERE text LIKE '%' || $word || '%'";
  const res = await call('/api/sql', auditorToken, { sql, params: { word: '장애' } });
  assert.equal(res.status, 200);
  assert.ok(((await res.json()) as { rows: number[][] }).rows[0][0] >= 4);
  const [e] = await auditLog('?action=sql&limit=1');
  assert.equal(e.action, 'sql');
  assert.deepEqual(e.detail, { sql, params: { word: '장애' } });
  assert.deepEqual(e.actor, { id: e.actor.id, nick: '감사담당', role: 'auditor' });
  assert.equal(e.status, 200);
  assert.ok(Math.abs(e.ts - Date.now()) < 60_000, 'ts is epoch ms');
  assert.match(e.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+09:00$/, 'ISO 8601 with the Seoul offset');
  assert.equal(Date.parse(e.time), e.ts);
});

test('GET /api/audit-log filters by actor, action, from and to; admins only', async () => {
  await call('/api/search?q=' + encodeURIComponent('장애를 in:#ops'), auditorToken);
  await call('/api/stats/topics?from=2024-08-27', auditorToken);
  await call('/api/stats/volume?by=hour&from=2024-08-27', fx.adminToken);
  const search = await auditLog('?action=search&actor=' + encodeURIComponent('감사담당'));
  assert.ok(search.length >= 1);
  assert.deepEqual(search[0].detail, { q: '장애를 in:#ops' });
  assert.ok(search.every((e) => e.action === 'search' && e.actor.nick === '감사담당'));
  const stats = await auditLog('?action=stats');
  assert.deepEqual(new Set(stats.map((e) => e.action)), new Set(['stats.topics', 'stats.volume']));
  assert.equal((await auditLog('?action=stats&actor=admin')).length, 1);
  assert.equal((await auditLog('?from=2999-01-01')).length, 0);
  assert.equal((await auditLog('?to=2000-01-01')).length, 0);
  const today = new Date().toISOString().slice(0, 10);
  assert.ok((await auditLog(`?from=${Date.now() - 3_600_000}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).length >= 3, today);
  assert.equal((await auditLog('?limit=2')).length, 2);
  // newest first, and the reads of the log are in it too
  const all = await auditLog('?limit=50');
  assert.ok(all.some((e) => e.action === 'audit_log.read'));
  assert.ok(all.every((e, i) => i === 0 || all[i - 1].ts >= e.ts));

  const bad = await call('/api/audit-log?limit=0', fx.adminToken);
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { code: string }).code, 'bad_parameter');
  assert.equal((await call('/api/audit-log', auditorToken)).status, 403);
  assert.equal((await call('/api/audit-log', memberToken)).status, 403);
  assert.equal((await call('/api/audit-log', null)).status, 401);
});

test('when audit_log cannot be written, the action does not run and the caller gets 503', async () => {
  const usersBefore = (await fx.db.one<{ n: number }>('SELECT count(*) AS n FROM users'))!.n;
  await withBrokenTrail(async () => {
    const sql = await call('/api/sql', auditorToken, { sql: 'SELECT 1 AS one' });
    assert.equal(sql.status, 503);
    const body = (await sql.json()) as { code: string; error: string; rows?: unknown };
    assert.equal(body.code, 'audit_unavailable');
    assert.match(body.error, /감사 기록/);
    assert.equal(body.rows, undefined);
    assert.equal((await call('/api/search?q=장애', auditorToken)).status, 503);
    const cli = await call('/api/admin/cli', fx.adminToken, { argv: ['users', 'add', '몰래', '--role', 'admin'] });
    assert.equal(cli.status, 503);
  });
  assert.equal((await fx.db.one<{ n: number }>('SELECT count(*) AS n FROM users'))!.n, usersBefore, 'no user was created');
  assert.equal((await call('/api/sql', auditorToken, { sql: 'SELECT 1 AS one' })).status, 200, 'works again once the trail can be written');
});

test('an audited search is recorded and answered while the database\'s writer is busy with a long transaction (ingest storing a bulk)', { timeout: 120_000 }, async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let inside!: () => void;
  const opened = new Promise<void>((r) => (inside = r));
  const bulk = fx.db.transaction(async () => {
    inside();
    await held;
  });
  await opened;
  try {
    const answered = await fx.app.request(`/api/search?${new URLSearchParams({ q: '장애', limit: '5' })}`, { headers: { authorization: `Bearer ${auditorToken}` } });
    assert.equal(answered.status, 200, await answered.clone().text());
    assert.ok(((await answered.json()) as { total: number }).total > 0);
    await auditWritten(fx.db); // the outcome is written after the response (finishAudit)
    const row = await fx.db.one<{ status: number; detail: string }>("SELECT status, detail::VARCHAR AS detail FROM audit_log WHERE action = 'search' ORDER BY ts DESC LIMIT 1");
    assert.equal(row?.status, 200);
    assert.deepEqual(JSON.parse(row!.detail), { q: '장애' });
  } finally {
    release();
    await bulk;
  }
});

const NOTEBOOK = `---
title: 점검
---

\`\`\`sql name=answer
SELECT 42 AS answer, '한글' AS word
\`\`\`
`;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const runCli = async (argv: string[], files: Record<string, string> = {}) => {
  const res = await call('/api/admin/cli', fx.adminToken, { argv, files });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as { stdout: string; stderr: string; code: number; files: Record<string, string> };
};

test('remote CLI: a path in the command line is never opened or written by the server', async () => {
  const secret = fs.readFileSync(path.join(fx.dir, 'session-secret'), 'utf8').trim();
  for (const target of ['/etc/passwd', path.join(fx.dir, 'session-secret')]) {
    const inspect = await runCli(['notebook', 'inspect', target, '--json']);
    assert.equal(inspect.code, 2);
    assert.match(inspect.stderr, /서버가 아니라 CLI 프로세스에서 실행되는 명령입니다/);
    const run = await runCli(['notebook', 'run', target, '--json']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /CLI가 그 내용을 보내지 않았습니다/);
    for (const r of [inspect, run]) {
      assert.ok(!/root:/.test(r.stdout + r.stderr) && !(r.stdout + r.stderr).includes(secret), 'no file content leaks');
    }
  }
  // the notebook's content is sent; the --html target comes back as content, whatever path it names
  const outside = path.join(os.tmpdir(), `kchat-evil-${process.pid}`, 'x.html');
  for (const html of [outside, '../../../../../../tmp/kchat-evil.html']) {
    const r = await runCli(['notebook', 'run', 'points/점검.md', '--html', html, '--json'], { 'points/점검.md': b64(NOTEBOOK) });
    assert.equal(r.code, 0, r.stderr);
    const run = JSON.parse(r.stdout) as { status: string; dir: string; cells: { rows?: unknown[][] }[] };
    assert.equal(run.status, 'ok');
    assert.deepEqual(run.cells[0].rows, [[42, '한글']]);
    assert.ok(run.dir.startsWith(path.join(fx.dir, 'notebook-runs') + path.sep), 'run files stay in the data folder');
    assert.deepEqual(Object.keys(r.files), [html]);
    assert.match(Buffer.from(r.files[html], 'base64').toString('utf8'), /^<!doctype html>[\s\S]*한글/);
  }
  assert.ok(!fs.existsSync(path.dirname(outside)) && !fs.existsSync('/tmp/kchat-evil.html'), 'nothing written outside');
  const scratch = path.join(fx.dir, 'tmp');
  assert.deepEqual(fs.existsSync(scratch) ? fs.readdirSync(scratch) : [], [], 'scratch copies removed');
  // a name smuggled into files{} but not on the command line is never used
  const sneaky = await runCli(['notebook', 'run', 'points/점검.md', '--json'], { 'points/점검.md': b64(NOTEBOOK), '/etc/passwd': b64('root:x:0:0') });
  assert.equal(sneaky.code, 0, sneaky.stderr);
  assert.ok(!sneaky.stdout.includes('root:x'), 'the smuggled file is not read');

  const cli = await auditLog('?action=cli&limit=20');
  const lines = cli.map((e) => e.detail?.command_line);
  assert.ok(lines.includes(`kchat notebook inspect /etc/passwd --json`), JSON.stringify(lines));
  assert.ok(lines.includes(`kchat notebook run points/점검.md --html ${outside} --json`));
  const withFile = cli.find((e) => e.detail?.command_line === `kchat notebook run points/점검.md --html ${outside} --json`)!;
  assert.deepEqual((withFile.detail!.files as { name: string; bytes: number }[]).map((f) => [f.name, f.bytes]), [['points/점검.md', Buffer.byteLength(NOTEBOOK)]]);
  assert.ok(cli.every((e) => e.actor.role === 'admin' && typeof e.status === 'number'));
});

test('remote CLI: admin token only, and a malformed request names the problem', async () => {
  assert.equal((await call('/api/admin/cli', auditorToken, { argv: ['users', 'add', 'x'] })).status, 403);
  assert.equal((await call('/api/admin/cli', null, { argv: ['users', 'add', 'x'] })).status, 401);
  const bad = await call('/api/admin/cli', fx.adminToken, { argv: 'users add x' });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { code: string }).code, 'bad_argv');
  const notB64 = await call('/api/admin/cli', fx.adminToken, { argv: ['notebook', 'run', 'a.md'], files: { 'a.md': '{not base64}' } });
  assert.equal(notB64.status, 400);
});

test('@bot 검색 in chat is recorded too, and does not run when it cannot be', async () => {
  const [search] = auditBotCommands(fx.search);
  const ctx = {
    args: '장애를 in:#ops',
    word: '검색',
    question: createEnvelope({ type: 'message', channel: 'ops', user: { id: 'u_감사', nick: '감사담당' }, text: '@bot 검색 장애를 in:#ops' }),
    caller: { id: 'u_감사', nick: '감사담당', role: 'auditor' as const },
    channel: 'ops',
    config: fx.config,
    db: fx.db,
    log: logger('test'),
    now: () => Date.now(),
    publish: async () => undefined,
  };
  const text = (r: Awaited<ReturnType<typeof search.handle>>) => (typeof r === 'string' ? r : r.text);
  assert.match(text(await search.handle(ctx)), /검색 결과/);
  const [e] = await auditLog('?action=search&actor=u_감사&limit=1');
  assert.equal(e.params && e.action, 'search');
  assert.deepEqual(e.detail, { command: '검색', args: '장애를 in:#ops', question_id: ctx.question.id });
  await withBrokenTrail(async () => {
    const reply = await search.handle(ctx);
    assert.match(text(reply), /감사 기록\(audit_log\)을 남길 수 없어/);
    assert.doesNotMatch(text(reply), /검색 결과/);
  });
});
