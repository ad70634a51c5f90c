// The notebooks page end to end: a real server, Debian's chromium. An auditor
// pastes a token, opens a notebook, runs a plot cell and sees the chart (an
// SVG inside the cell output), sees a result table, and saves.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { browserProblem, launchBrowser, newPage, saveScreenshot, watch } from '../helpers/browser.ts';
import { login, startServer, tempDir, type TestServer } from '../helpers/server.ts';
import { SHIPPED_NOTEBOOKS } from '../../audit/notebook/index.ts';

const skip = browserProblem() ?? (process.env.KAFKA_BROKERS ? false : 'KAFKA_BROKERS is not set: run through `npm test` (it starts a broker)');
const WAIT = { timeout: 45_000 };
const ADMIN = 'nb-browser-admin-token';

let srv: TestServer;
let browser: Browser;
let dir: string;

before(async () => {
  if (skip) return;
  dir = tempDir('kchat-nbs-');
  fs.copyFileSync(path.join(SHIPPED_NOTEBOOKS, 'daily-audit.md'), path.join(dir, 'daily-audit.md'));
  srv = await startServer({ env: { KCHAT_NOTEBOOKS: dir, ADMIN_TOKEN: ADMIN, KCHAT_SCHEDULER: '0' } });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

it('opens a notebook, runs a cell and sees a chart; members are turned away', { skip }, async () => {
  const { page, context } = await newPage(browser);
  const w = watch(page);
  await page.goto(`${srv.url}/notebooks`);
  await page.fill('input[name=token]', ADMIN);
  await page.click('button[type=submit]');
  await page.click('text=일일 감사 — 대화량', WAIT);
  await page.waitForSelector('section.cell[data-kind=plot]', WAIT);
  // the day parameter through the form (bound as $day on the server)
  await page.fill('input[name=day]', '2024-08-27');
  const plot = page.locator('section.cell[data-kind=plot]').first();
  await plot.locator('button.run').click();
  await plot.locator('.output .chart svg').first().waitFor(WAIT);
  const bars = await plot.locator('.output .chart svg rect').count();
  assert.ok(bars >= 24, `a bar per hour, got ${bars}`);
  // the sql cell the plot reads shows its table too once run
  const sqlCell = page.locator('section.cell[data-kind=sql]').nth(1);
  await sqlCell.locator('button.run').click();
  await sqlCell.locator('.output table tbody tr').first().waitFor(WAIT);
  assert.equal(await sqlCell.locator('.output table tbody tr').count(), 24);
  await saveScreenshot(page, 'notebook-1280');
  assert.deepEqual(w.pageErrors, []);
  await context.close();

  // a member token is refused on the login form
  const { token } = await login(srv.url, '민수');
  const m = await newPage(browser);
  await m.page.goto(`${srv.url}/notebooks`);
  await m.page.fill('input[name=token]', token);
  await m.page.click('button[type=submit]');
  await m.page.waitForSelector('text=감사자(auditor) 또는 관리자 토큰이 필요합니다.', WAIT);
  await m.context.close();
});
