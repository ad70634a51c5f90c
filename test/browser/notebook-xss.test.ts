// Stored XSS through notebook prose (#10 item 2), in a real browser: a
// `javascript:` link (inline, reference-style, autolink, obfuscated) is not a
// live link in /notebooks nor in the HTML export, raw HTML is shown as text,
// and the Content-Security-Policy (header on every HTML page, <meta> in the
// export) stops an inline script even when one gets into the page.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserProblem, launchBrowser, newPage, watch } from '../helpers/browser.ts';
import { startServer, tempDir, type TestServer } from '../helpers/server.ts';

const skip = browserProblem() ?? (process.env.KAFKA_BROKERS ? false : 'KAFKA_BROKERS is not set: run through `npm test` (it starts a broker)');
const WAIT = { timeout: 45_000 };
const ADMIN = 'xss-browser-admin-token';

const HOSTILE = `---
title: 위험한 설명
---

# 장애 보고서를 읽어 주세요

[여기를 눌러 보세요](javascript:window.__pwned='inline') 와 [참조 링크][x] 그리고 [탭 섞인 링크](java\tscript:window.__pwned='tab')
<javascript:window.__pwned='autolink'> <img src=x onerror="window.__pwned='img'"> <script>window.__pwned='script'</script>
[안전한 링크](https://example.com/보고서)

[x]: JAVASCRIPT:window.__pwned='ref'

\`\`\`sql name=q
SELECT 1 AS n
\`\`\`
`;

let srv: TestServer;
let browser: Browser;

before(async () => {
  if (skip) return;
  const dir = tempDir('kchat-xss-');
  fs.writeFileSync(path.join(dir, '위험.md'), HOSTILE);
  srv = await startServer({ env: { KCHAT_NOTEBOOKS: dir, ADMIN_TOKEN: ADMIN, KCHAT_SCHEDULER: '0' } });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

/** Click every link-looking element of the prose and report whether anything ran. */
async function tryEverything(page: Page, scope: string): Promise<unknown> {
  for (const el of await page.locator(`${scope} a, ${scope} .unsafe-link`).all()) {
    const href = await el.getAttribute('href');
    if (href && /^https?:/.test(href)) continue; // a real link would navigate away: it is checked by its href
    await el.click().catch(() => undefined);
  }
  return page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned);
}

/** Add an inline script to the page as an injection would; true when it ran. */
const inlineScriptRuns = (page: Page) =>
  page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline = 1';
    document.body.append(s);
    return (window as unknown as { __inline?: number }).__inline === 1;
  });

it('the /notebooks page shows hostile prose inert, under a strict CSP', { skip }, async () => {
  const { page, context } = await newPage(browser);
  const w = watch(page);
  const res = await page.goto(`${srv.url}/notebooks`);
  const headers = res!.headers();
  assert.match(headers['content-security-policy'] ?? '', /script-src 'self'(;|$)/);
  assert.match(headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
  assert.match(headers['content-security-policy'] ?? '', /object-src 'none'/);
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.equal(headers['referrer-policy'], 'no-referrer');
  await page.fill('input[name=token]', ADMIN);
  await page.click('button[type=submit]');
  await page.click('text=위험한 설명', WAIT);
  const md = page.locator('section.cell[data-kind=markdown] .md').first();
  await md.waitFor(WAIT);
  assert.equal(await md.locator('a[href*="script:" i]').count(), 0, 'no javascript: link');
  assert.equal(await md.locator('.unsafe-link').count(), 3, 'inline, reference and autolink javascript: links are plain text (the tab one is no link at all)');
  assert.equal(await md.locator('a[href="https://example.com/보고서"], a[href="https://example.com/%EB%B3%B4%EA%B3%A0%EC%84%9C"]').count(), 1, 'a safe link stays a link');
  assert.equal(await md.locator('img, script').count(), 0, 'raw HTML is not markup');
  assert.match((await md.textContent()) ?? '', /<img src=x onerror=/, 'raw HTML is shown as text');
  assert.equal(await tryEverything(page, 'section.cell[data-kind=markdown] .md'), undefined, 'nothing ran');
  assert.equal(await inlineScriptRuns(page), false, 'the CSP blocks inline script');
  assert.deepEqual(w.dialogs, []);
  await context.close();

  // the chat page and the API docs carry the same policy
  for (const p of ['/', '/docs']) {
    const r = await fetch(srv.url + p);
    assert.match(r.headers.get('content-security-policy') ?? '', /script-src 'self'/, p);
  }
  // /docs still works under it (its start-up script is a file, not inline)
  const docs = await newPage(browser);
  const dw = watch(docs.page);
  await docs.page.goto(`${srv.url}/docs`);
  await docs.page.waitForSelector('.swagger-ui .info', WAIT);
  assert.deepEqual(dw.pageErrors, []);
  await docs.context.close();
});

it('the HTML export keeps the prose inert and forbids scripts itself', { skip }, async () => {
  const res = await fetch(`${srv.url}/api/admin/cli`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({ argv: ['notebook', 'run', '위험.md', '--html', 'out.html'], files: { '위험.md': Buffer.from(HOSTILE).toString('base64') } }),
  });
  const answer = (await res.json()) as { code: number; stderr: string; files: Record<string, string> };
  assert.equal(answer.code, 0, answer.stderr);
  const html = Buffer.from(answer.files['out.html'], 'base64').toString('utf8');
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  assert.ok(!/href="\s*javascript/i.test(html) && !/<script/i.test(html));
  const file = path.join(tempDir('kchat-export-'), 'export.html');
  fs.writeFileSync(file, html);
  const { page, context } = await newPage(browser);
  await page.goto(pathToFileURL(file).href);
  assert.equal(await page.locator('section.md a[href*="script:" i]').count(), 0);
  assert.equal(await tryEverything(page, 'section.md'), undefined, 'nothing ran');
  assert.equal(await inlineScriptRuns(page), false, "the export's own CSP blocks inline script");
  await context.close();
});
