// The server as `npm start` runs it: compiled by server/build.ts into
// server/dist and started with plain node (no TypeScript loader, no esbuild
// process beside it). Everything it finds beside its sources is still found —
// the web UI, the search service's Java sources, ingest's fetcher thread, the
// topic terms thread — so a message said in chat is stored by ingest and found
// by search.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { buildServer, SERVER_DIST } from '../server/build.ts';
import { KiwiAnalyzer } from '../core/korean/kiwi/analyzer.ts';
import { ensureModel, modelDir } from '../core/korean/kiwi/model.ts';
import { KiwiTerms } from '../core/korean/terms.ts';
import { TermsThread } from '../core/korean/terms-thread-host.ts';
import { sql } from './helpers/cluster.ts';
import { until } from './helpers/ingest.ts';
import { login, npmStart, startServer, wsClient, type TestServer, type WsClient } from './helpers/server.ts';

let srv: TestServer;
let a: WsClient;
let admin: string;

before(async () => {
  await buildServer();
  srv = await startServer({ compiled: true, env: { KCHAT_SEARCH: 'on' } });
  admin = fs.readFileSync(path.join(srv.dataDir, 'admin-token'), 'utf8').trim();
  a = await wsClient(srv.url, (await login(srv.url, '서연')).token);
  a.send({ type: 'join', channel: 'release' });
  await a.next((f) => f.type === 'presence');
});
after(async () => {
  await a?.close();
  await srv?.stop();
});

/** The names of the processes `pid` started (tsx would have started esbuild's service). */
function children(pid: number): string[] {
  const out: string[] = [];
  for (const p of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const [, comm, rest] = /^\d+ \((.*)\) (.*)$/s.exec(stat)!;
      if (Number(rest.split(' ')[1]) === pid) out.push(comm);
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

test('the compiled server runs as plain JavaScript with npm start\'s settings: no TypeScript loader, no esbuild process', () => {
  const cmdline = fs.readFileSync(`/proc/${srv.proc.pid}/cmdline`, 'utf8').split('\0');
  assert.ok(cmdline.some((a) => a.endsWith(path.join('server', 'dist', 'server', 'main.js'))), cmdline.join(' '));
  assert.ok(!cmdline.includes('tsx'), cmdline.join(' '));
  assert.deepEqual(children(srv.proc.pid!).filter((c) => c.includes('esbuild')), []);
  // the memory settings of package.json's start script reached the process (README: why they are there)
  const start = npmStart();
  for (const a of start.args.filter((w) => w.startsWith('--'))) assert.ok(cmdline.includes(a), a);
  const environ = fs.readFileSync(`/proc/${srv.proc.pid}/environ`, 'utf8').split('\0');
  for (const [k, v] of Object.entries(start.env)) assert.ok(environ.includes(`${k}=${v}`), `${k}=${v}`);
});

test('what is said is stored by ingest (its fetcher thread is compiled too) and found by search; the web UI is served', async () => {
  a.send({ type: 'message', channel: 'release', text: '배포 체크리스트를 노션에 정리했어요' });
  const rows = await until(async () => {
    const r = await sql(srv.url, admin, `SELECT text FROM messages WHERE channel = 'release' AND type = 'message'`);
    return r.length > 0 && r;
  }, 'the message stored by ingest');
  assert.deepEqual(rows, [['배포 체크리스트를 노션에 정리했어요']]);

  const found = await until(async () => {
    const res = await fetch(`${srv.url}/api/search?${new URLSearchParams({ q: '체크리스트' })}`, { headers: { authorization: `Bearer ${admin}` } });
    const body = (await res.json()) as { total?: number; hits?: { text: string }[] };
    return res.status === 200 && body.total === 1 && body.hits;
  }, 'the message found by the search service');
  assert.equal(found[0].text, '배포 체크리스트를 노션에 정리했어요');

  const page = await fetch(srv.url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<div id="app"><\/div>/);
});

test('the topic terms thread starts from its compiled copy and composes the same terms', async () => {
  const kiwi = new KiwiAnalyzer({ modelDir: await ensureModel(modelDir()), idleMs: 60_000, fetch: false, enabled: true });
  const thread = new TermsThread(kiwi, { nice: 0, idleMs: 60_000 });
  const entry = path.join(SERVER_DIST, 'core', 'korean', 'terms-thread.js');
  assert.ok(fs.existsSync(entry), entry);
  globalThis.KCHAT_COMPILED_DIR = SERVER_DIST; // as in the compiled server: core/threads.ts starts the compiled copy
  try {
    const texts = ['컨슈머 회의록은 노션에 있어요', '어제 서버가 죽었어요', '배포 체크리스트를 정리했어요'];
    const got = await thread.terms(texts);
    assert.equal(thread.info().batches, 1);
    assert.deepEqual(got, await new KiwiTerms(kiwi).terms(texts));
    assert.deepEqual(got[1].map((t) => t.term), ['서버', '죽다']);
  } finally {
    globalThis.KCHAT_COMPILED_DIR = undefined;
    await thread.release();
    await kiwi.release();
  }
});
