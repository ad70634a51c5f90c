// Malformed query strings get a 400 that says what was wrong (issue #14): raw
// Korean bytes in the URL (`curl "…/api/search?q=점심"`, refused by Node's HTTP
// parser before any route) and %-escapes that are not UTF-8 — both naming the
// way out (percent-encode; curl -G --data-urlencode). The server keeps serving.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { startServer, type TestServer } from './helpers/server.ts';

let srv: TestServer;
const ADMIN = 'http-errors-admin-token';
before(async () => {
  srv = await startServer({ env: { ADMIN_TOKEN: ADMIN } });
});
after(async () => {
  await srv.stop();
});

/** One HTTP/1.1 request written byte for byte (fetch would percent-encode the URL for us). */
function rawRequest(target: Buffer): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', reject);
    sock.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]), headers: head, body: rest.join('\r\n\r\n') });
    });
    sock.write(Buffer.concat([Buffer.from('GET '), target, Buffer.from(` HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN}\r\nConnection: close\r\n\r\n`)]));
  });
}

test('raw Korean in the URL is a 400 with a JSON body that shows how to send it', async () => {
  const r = await rawRequest(Buffer.from('/api/search?q=점심', 'utf8'));
  assert.equal(r.status, 400);
  assert.match(r.headers, /content-type: application\/json/i);
  const body = JSON.parse(r.body) as { error: string; code: string };
  assert.equal(body.code, 'bad_request');
  assert.match(body.error, /raw non-ASCII/);
  assert.match(body.error, /--data-urlencode 'q=점심'/);
  // and the server is still there
  assert.equal((await fetch(`${srv.url}/api/search?q=${encodeURIComponent('점심')}`, { headers: { authorization: `Bearer ${ADMIN}` } })).status, 503, 'search answers (no search service in this test)');
});

test('a %-escape that is not UTF-8 is a 400 bad_url naming the parameter', async () => {
  for (const [qs, name] of [
    ['q=%zz', 'q'],
    ['limit=5&q=%ED%A0', 'q'],
    ['from=2024-08-27&to=%E2%82', 'to'],
  ]) {
    const path = qs.includes('from=') ? '/api/stats/volume' : '/api/search';
    const res = await fetch(`${srv.url}${path}?${qs}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(res.status, 400, qs);
    const body = (await res.json()) as { error: string; code: string };
    assert.equal(body.code, 'bad_url');
    assert.match(body.error, new RegExp(`query parameter "${name}" is not valid percent-encoded UTF-8`));
    assert.match(body.error, /curl -G --data-urlencode/);
  }
  // properly encoded Korean passes the check
  const ok = await fetch(`${srv.url}/api/stats/volume?by=day&from=2024-08-27&channel=${encodeURIComponent('개발')}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  assert.equal(ok.status, 200);
});

test('/audit deep links are the built page with the CSP and frame headers; nothing from the URL is in the HTML', async () => {
  const evil = '<script>alert(1)</script>';
  for (const path of [`/audit/search?q=${encodeURIComponent(evil)}`, `/audit/messages/${encodeURIComponent(evil)}`, '/audit/topics?from=2024-08-27&to=2024-08-27&channel=dev']) {
    const res = await fetch(`${srv.url}${path}`);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    const html = await res.text();
    assert.match(html, /<title>kchat 감사<\/title>/);
    assert.ok(!html.includes('alert(1)'), `${path}: the URL does not become HTML`);
  }
});
