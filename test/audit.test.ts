// Auditor-only access (401/403/200), the audit_log record of every request,
// OpenAPI + /docs served locally, and the in-chat 검색/통계 commands.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { auditFixture, CORPUS, seoul, type AuditFixture } from '../audit/fixtures.ts';
import { auditBotCommands } from '../audit/bot.ts';
import { auditWritten } from '../audit/index.ts';
import { createEnvelope } from '../core/envelope.ts';
import { logger } from '../core/log.ts';
import type { Role } from '../core/auth.ts';

let fx: AuditFixture;
let auditorToken: string;
let memberToken: string;
before(async () => {
  fx = await auditFixture(CORPUS, { search: true });
  auditorToken = (await fx.auth.createUser('감사담당', 'auditor')).token;
  memberToken = fx.auth.issueMemberToken('민수').token;
});
after(async () => {
  await fx.close();
});

const get = (path: string, token?: string) => fx.app.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });

test('member → 403 (search: only their own channels), missing or bad token → 401, auditor and admin → 200', async () => {
  for (const path of ['/api/stats/topics?from=2024-08-27', '/api/stats/volume?by=day&from=2024-08-26&to=2024-08-28', '/api/stats/bots']) {
    assert.equal((await get(path)).status, 401, path);
    const bad = await get(path, 'not-a-real-token');
    assert.equal(bad.status, 401, path);
    assert.match(((await bad.json()) as { error: string }).error, /invalid token/);
    const member = await get(path, memberToken);
    assert.equal(member.status, 403, path);
    assert.match(((await member.json()) as { error: string }).error, /auditor/);
    assert.equal((await get(path, auditorToken)).status, 200, path);
    assert.equal((await get(path, fx.adminToken)).status, 200, path);
  }
  // members search too, over the channels they belong to: this one belongs to none here (test/member-search.test.ts has the rest)
  assert.equal((await get('/api/search?q=장애')).status, 401);
  const own = await get('/api/search?q=장애', memberToken);
  assert.equal(own.status, 200);
  assert.deepEqual(((await own.json()) as { hits: unknown[] }).hits, []);
  const all = (await (await get('/api/search?q=장애', auditorToken)).json()) as { hits: unknown[] };
  assert.ok(all.hits.length > 0, 'the auditor finds what the member may not');
  // a forged member token (signature changed) is rejected, not downgraded
  const [payload] = memberToken.split('.');
  assert.equal((await get('/api/search?q=장애', `${payload}.AAAA`)).status, 401);
});

test('every audit request is logged with who, what and the status', async () => {
  const before = (await fx.db.one<{ n: number }>('SELECT count(*) AS n FROM audit_log'))!.n;
  await get('/api/search?q=' + encodeURIComponent('파묘 from:수진') + '&limit=3', auditorToken);
  await get('/api/search?q=장애', memberToken);
  await get('/api/search?q=' + encodeURIComponent('"unbalanced'), fx.adminToken);
  await auditWritten(fx.db); // the outcomes are written after the responses (finishAudit)
  const rows = await fx.db.all<{ user_id: string | null; role: string | null; method: string; path: string; params: string; status: number; duration_ms: number }>(
    'SELECT user_id, role, method, path, params::VARCHAR AS params, status, duration_ms FROM audit_log ORDER BY ts, rowid OFFSET ?',
    [before],
  );
  assert.equal(rows.length, 3);
  assert.equal(rows[0].role, 'auditor');
  assert.match(rows[0].user_id!, /^u_/);
  assert.equal(rows[0].method, 'GET');
  assert.equal(rows[0].path, '/api/search');
  assert.deepEqual(JSON.parse(rows[0].params), { q: '파묘 from:수진', limit: '3' });
  assert.equal(rows[0].status, 200);
  assert.ok(rows[0].duration_ms >= 0);
  assert.equal(rows[1].role, 'member');
  assert.equal(rows[1].status, 200, "a member's search is recorded too");
  assert.equal(rows[2].role, 'admin');
  assert.equal(rows[2].status, 400);
});

test('/openapi.json describes the whole public contract and /docs serves swagger-ui locally', async () => {
  const res = await get('/openapi.json');
  assert.equal(res.status, 200);
  const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
  assert.equal(doc.openapi, '3.1.0');
  for (const p of ['/healthz', '/api/login', '/ws', '/api/search', '/api/stats/topics', '/api/stats/volume', '/api/sql', '/hooks/airflow']) assert.ok(doc.paths[p], p);
  const html = await (await get('/docs')).text();
  assert.match(html, /\/docs\/assets\/swagger-ui-bundle\.js/);
  assert.doesNotMatch(html, /https?:\/\//);
  const js = await get('/docs/assets/swagger-ui-bundle.js');
  assert.equal(js.status, 200);
  assert.ok((await js.text()).includes('SwaggerUIBundle'));
  assert.equal((await get('/docs/assets/..%2Fpackage.json')).status, 404);
});

function context(role: Role, args: string, now: number) {
  const question = createEnvelope({ type: 'message', channel: 'ops', user: { id: 'u_x', nick: '감사' }, text: `@bot ${args}` });
  return {
    args,
    word: '',
    question,
    caller: { id: 'u_x', nick: '감사', role },
    channel: 'ops',
    config: fx.config,
    db: fx.db,
    log: logger('test'),
    now: () => now,
    publish: async () => undefined,
  };
}

test('@bot 검색 answers auditors with the top hits and refuses members', async () => {
  const [search] = auditBotCommands(fx.search);
  assert.ok(search.aliases?.includes('검색'));
  assert.equal(search.role, 'auditor');
  const reply = await search.handle(context('auditor', '장애가 in:#ops', Date.now()));
  const text = typeof reply === 'string' ? reply : reply.text;
  assert.match(text, /검색 결과 5건:/);
  assert.match(text, /지영 \(#ops, .*\) 장애에서 배운 점/);
  assert.equal(typeof reply === 'string' ? false : reply.ephemeral, true, 'audit results are for the asking auditor only');
  const denied = await search.handle(context('member', '장애', Date.now()));
  assert.match(typeof denied === 'string' ? denied : denied.text, /감사 권한/);
  const bad = await search.handle(context('auditor', 'foo:bar', Date.now()));
  assert.match(typeof bad === 'string' ? bad : bad.text, /unknown operator/);
});

test('@bot 통계 어제 lists that day’s keywords', async () => {
  const [, stats] = auditBotCommands(fx.search);
  const reply = await stats.handle(context('auditor', '어제', seoul('2024-08-29 12:00')));
  const text = typeof reply === 'string' ? reply : reply.text;
  assert.match(text, /^어제 주제어 \(메시지 6건\): 1\. deploy \(2\)/);
  assert.equal(typeof reply === 'string' ? false : reply.ephemeral, true, 'audit results are for the asking auditor only');
  const bad = await stats.handle(context('auditor', '작년', Date.now()));
  assert.match(typeof bad === 'string' ? bad : bad.text, /오늘, 어제, 이번주/);
});
