// A real browser for tests: Debian's chromium driven by playwright-core.
//
//   const browser = await launchBrowser();            // throws with the fix when chromium is missing
//   const page = await newPage(browser, { width: 1280, height: 800 });
//   await page.goto(srv.url);
//   ...
//   await saveScreenshot(page, 'chat-1280-light');     // test-results/screenshots/chat-1280-light.png
//   await browser.close();
//
// Pages record console errors, uncaught page errors and dialogs (alert/confirm)
// so tests can assert that none happened (`watch(page)`).
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './server.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.join(repoRoot, 'test-results', 'screenshots');

/** Why the browser cannot run here, or null when it can. */
export function browserProblem(): string | null {
  if (!fs.existsSync(CHROMIUM)) return `chromium not found at ${CHROMIUM}: install it with \`apt-get update && apt-get install -y chromium fonts-noto-cjk\` (or set CHROMIUM_PATH)`;
  return null;
}

export async function launchBrowser(): Promise<Browser> {
  const problem = browserProblem();
  if (problem) throw new Error(problem);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu', '--lang=ko-KR'],
  });
}

export interface PageOptions {
  width?: number;
  height?: number;
  colorScheme?: 'light' | 'dark';
}

/** A page in its own context (own localStorage and cookies: one context = one user). */
export async function newPage(browser: Browser, opts: PageOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    colorScheme: opts.colorScheme ?? 'light',
    locale: 'ko-KR',
    timezoneId: 'Asia/Seoul',
    deviceScaleFactor: 1,
  });
  // tsx compiles test files with esbuild's keepNames, which wraps functions in
  // __name(); functions passed to page.evaluate() run in the page and need it too.
  await context.addInitScript('globalThis.__name = globalThis.__name || ((f) => f);');
  const page = await context.newPage();
  return { context, page };
}

export interface PageWatch {
  /** messages of alert/confirm/prompt dialogs that opened (each is dismissed) */
  dialogs: string[];
  /** uncaught exceptions in the page */
  pageErrors: string[];
  /** console.error lines */
  consoleErrors: string[];
}

/** Record dialogs, page errors and console errors of a page. */
export function watch(page: Page): PageWatch {
  const w: PageWatch = { dialogs: [], pageErrors: [], consoleErrors: [] };
  page.on('dialog', (d) => {
    w.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => undefined);
  });
  page.on('pageerror', (e) => w.pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') w.consoleErrors.push(m.text());
  });
  return w;
}

/** Save a full-viewport PNG under test-results/screenshots/ (gitignored); returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
