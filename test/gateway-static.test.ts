// The web UI is served from web/dist with proper content types, and client
// routes fall back to the nearest index.html — never the server's own paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import { serveWeb } from '../server/static.ts';
import { tempDir } from './helpers/server.ts';

function site(): string {
  const root = tempDir('kchat-web-');
  const write = (rel: string, body: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), body);
  };
  write('index.html', '<!doctype html><title>채팅</title>');
  write('audit/index.html', '<!doctype html><title>감사</title>');
  write('assets/app-1a2b.js', 'console.log("안녕")');
  write('assets/app-1a2b.css', 'body{}');
  write('assets/font.woff2', 'x');
  return root;
}

test('built files get their content types; client routes get index.html', async () => {
  const app = new Hono();
  app.get('/api/known', (c) => c.json({ ok: true }));
  serveWeb(app, site());

  const get = (p: string) => app.request(p);
  const cases: [string, number, RegExp, RegExp?][] = [
    ['/', 200, /^text\/html/, /채팅/],
    ['/assets/app-1a2b.js', 200, /javascript/, /안녕/],
    ['/assets/app-1a2b.css', 200, /^text\/css/],
    ['/assets/font.woff2', 200, /font\/woff2/],
    ['/c/잡담', 200, /^text\/html/, /채팅/],
    ['/audit', 200, /^text\/html/, /감사/],
    ['/audit/search/파묘', 200, /^text\/html/, /감사/],
    ['/api/known', 200, /json/],
  ];
  for (const [p, status, type, body] of cases) {
    const res = await get(encodeURI(p));
    assert.equal(res.status, status, p);
    assert.match(res.headers.get('content-type') ?? '', type, p);
    if (body) assert.match(await res.text(), body, p);
  }
  // server paths and missing files are not answered with the UI
  for (const p of ['/api/unknown', '/ws', '/healthz', '/hooks/airflow', '/assets/missing.js', '/../package.json', '/assets/..%2f..%2fpackage.json']) {
    const res = await get(p);
    assert.equal(res.status, 404, p);
    assert.doesNotMatch(await res.text(), /<title>/, p);
  }
});

test('before the UI is built the fallback says how to build it', async () => {
  const app = new Hono();
  serveWeb(app, path.join(tempDir('kchat-web-'), 'dist'));
  const res = await app.request('/');
  assert.equal(res.status, 404);
  assert.match(await res.text(), /npm run build/);
});
