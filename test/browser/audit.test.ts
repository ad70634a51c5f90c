// The /audit page in a real browser (issue #14): a member's token is refused
// in Korean; an auditor signs in with a token, follows a deep link to a Korean
// search (a stem finds 배포가/배포했어요, highlighted), scrolls the newest-first
// hits to the end (exact total), narrows by a person chip, opens a hit in its
// conversation (before/after, more on scroll, permalink), exports the hits as
// CSV (instants with +09:00), opens topic statistics from a deep link
// (keywords without particles, Plot SVG charts) and searches a keyword; an
// admin reads the audit log. Each view at 1280 and 375 px, no sideways scroll,
// no script errors; screenshots in test-results/screenshots/audit-*.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserProblem, launchBrowser, newPage, saveScreenshot, watch, type PageWatch } from '../helpers/browser.ts';
import { kchat } from '../helpers/cli.ts';
import { until } from '../helpers/ingest.ts';
import { joinedMember, login, searchReady, startServer, tempDir, type TestServer } from '../helpers/server.ts';

const skip = browserProblem() ?? (process.env.KAFKA_BROKERS ? false : 'KAFKA_BROKERS is not set: run through `npm test` (it starts a broker)');
const WAIT = { timeout: 45_000 };
const ADMIN = 'audit-page-admin-token';
const WIDTHS = [1280, 375] as const;
const DAY = '2024-08-27';

// One day of #dev in Seoul, 09:00–18:50: 45 messages about 배포 in three spellings, 15 about other things.
const PEOPLE = ['민수', '지영', '수진'];
const DEPLOY = (i: number) => [`배포가 끝났어요 (${i})`, `오늘 서버 배포했어요 ${i}번째`, `배포 일정 다시 공유합니다 ${i}`][i % 3];
const OTHER = ['점심 뭐 먹을까요', '회의록 올렸습니다', '내일 휴가예요', '커피 마실 분', '문서 검토 부탁해요'];
const DEPLOYS = 45;
const LINES = 60;

async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.fill('#audit-token', token);
  await page.click('form.login button[type=submit]');
}

/** The page's own width: nothing may scroll sideways (375 px phones). */
async function assertNoSideways(page: Page, what: string): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  assert.ok(scroll <= client, `${what}: the page is ${scroll} px wide in a ${client} px window`);
}

describe('the /audit page', { skip }, () => {
  let srv: TestServer;
  let browser: Browser;
  let auditor = '';
  const watches: PageWatch[] = [];
  const open = async (width: number) => {
    const p = await newPage(browser, { width, height: 860 });
    watches.push(watch(p.page));
    return p;
  };

  before(async () => {
    srv = await startServer({ env: { KCHAT_SEARCH: 'on', ADMIN_TOKEN: ADMIN, KCHAT_SCHEDULER: '0' } });
    browser = await launchBrowser();
    await searchReady(srv);
    const cli = (args: string[]) => kchat(args, srv.dataDir, { env: { KCHAT_TOPIC_PREFIX: srv.prefix, ADMIN_TOKEN: ADMIN } });
    const made = await cli(['users', 'add', '감사관', '--role', 'auditor', '--json']);
    assert.equal(made.code, 0, made.stderr);
    auditor = (JSON.parse(made.stdout) as { token: string }).token;
    const file = path.join(tempDir('kchat-audit-page-'), 'dev.jsonl');
    const lines = [];
    for (let i = 0; i < LINES; i++) {
      const time = new Date(Date.UTC(2024, 7, 27, 0, 0) + i * 10 * 60_000).toISOString();
      lines.push(JSON.stringify({ user: PEOPLE[i % 3], message: i < DEPLOYS ? DEPLOY(i) : OTHER[i % OTHER.length], time, offset: i }));
    }
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const imported = await cli(['import-legacy', file, '--channel', 'dev', '--json']);
    assert.equal(imported.code, 0, imported.stderr);
    const get = async <T,>(p: string) => (await (await fetch(`${srv.url}${p}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as T;
    await until(async () => (await get<{ total: number }>(`/api/search?q=${encodeURIComponent('배포')}`)).total === DEPLOYS, 'the imported day searchable');
    await until(async () => {
      const t = await get<{ keywords: unknown[]; coverage: { complete: boolean } }>(`/api/stats/topics?from=${DAY}&to=${DAY}`);
      return t.coverage.complete && t.keywords.length > 0;
    }, 'the topic counts of the imported day');
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  for (const width of WIDTHS) {
    it(`refuses a member's token in Korean (${width} px)`, async () => {
      const { token } = await login(srv.url, `멤버${width}`);
      const { page, context } = await open(width);
      await signIn(page, `${srv.url}/audit`, token);
      const err = await page.waitForSelector('form.login .error', WAIT);
      assert.match((await err.textContent()) ?? '', /감사자\(auditor\) 또는 관리자 권한이 없습니다/);
      assert.equal(await page.evaluate(() => localStorage.getItem('kchat.auditorToken')), null, 'a refused token is not kept');
      await assertNoSideways(page, 'sign-in');
      await saveScreenshot(page, `audit-member-refused-${width}`);
      await context.close();
    });

    it(`an auditor follows a search deep link: Korean stems highlighted, newest first, every hit by scrolling (${width} px)`, async () => {
      const { page, context } = await open(width);
      await signIn(page, `${srv.url}/audit/search?q=${encodeURIComponent('배포가')}`, auditor);
      await page.waitForSelector('.hit mark', WAIT);
      assert.equal(await page.inputValue('#audit-q'), '배포가');
      assert.equal(await page.textContent('.total'), `${DEPLOYS}건 · 최신순`);
      const marks = await page.$$eval('.hit mark', (els) => [...new Set(els.map((e) => e.textContent))]);
      assert.deepEqual(marks, ['배포'], 'the stem is what is highlighted');
      const texts = await page.$$eval('.hit .hit-text', (els) => els.map((e) => e.textContent ?? ''));
      assert.ok(texts.some((t) => t.startsWith('배포가 끝났어요')) && texts.some((t) => t.includes('배포했어요')), 'both spellings found');
      assert.equal(texts[0], DEPLOY(DEPLOYS - 1), 'newest first');
      const times = await page.$$eval('.hit time', (els) => els.map((e) => e.getAttribute('datetime') ?? ''));
      assert.match(times[0], /^2024-08-27T\d\d:\d\d:00\.000\+09:00$/);
      assert.match((await page.textContent('.hit time')) ?? '', /2024년 8월 27일/);
      await assertNoSideways(page, 'search');
      await saveScreenshot(page, `audit-search-${width}`);
      // infinite scroll: pages come as the end of the list shows, until every hit is there
      for (let i = 0; i < 10 && (await page.$$eval('.hit', (els) => els.length)) < DEPLOYS; i++) {
        await page.evaluate(() => document.querySelector('.more')?.scrollIntoView());
        await page.waitForFunction((n) => document.querySelectorAll('.hit').length > n || !document.querySelector('.more'), await page.$$eval('.hit', (els) => els.length), WAIT);
      }
      assert.equal(await page.$$eval('.hit', (els) => els.length), DEPLOYS);
      await page.waitForSelector('.end', WAIT);
      // the person chip edits the query text and the total follows
      await page.selectOption('.chip.picker select >> nth=1', '민수');
      await page.waitForFunction(() => document.querySelector('.total')?.textContent === '15건 · 최신순', undefined, WAIT);
      assert.equal(await page.inputValue('#audit-q'), '배포가 from:민수');
      assert.equal(new URL(page.url()).searchParams.get('q'), '배포가 from:민수');
      assert.deepEqual(await page.$$eval('.chip.active', (els) => els.map((e) => e.firstChild?.textContent)), ['사람 민수']);
      assert.deepEqual(await page.$$eval('.facets .facet-label', (els) => els.map((e) => e.textContent)), ['#dev', '민수']);
      await context.close();
    });
  }

  for (const width of WIDTHS) {
    it(`a hit opens in its conversation: messages before and after, more on scroll, a permalink (${width} px)`, async () => {
      const { page, context } = await open(width);
      await signIn(page, `${srv.url}/audit/search?q=${encodeURIComponent('다시 공유합니다 20')}`, auditor);
      await page.waitForSelector('.hit', WAIT);
      assert.equal(await page.textContent('.total'), '1건 · 최신순');
      const id = (await page.getAttribute('.hit', 'data-id'))!;
      await page.click('.hit .hit-text');
      await page.waitForSelector('.event.focused', WAIT);
      assert.equal(new URL(page.url()).pathname, `/audit/messages/${encodeURIComponent(id)}`);
      assert.equal(await page.textContent('.record .record-text'), DEPLOY(20));
      assert.equal(await page.getAttribute('.permalink a', 'href'), page.url());
      // the message in its channel: the 20 older events of the day above it, newer ones below, in time order
      const texts = () => page.$$eval('.events .event .event-text', (els) => els.map((e) => e.textContent ?? ''));
      let shown = await texts();
      const at = shown.indexOf(DEPLOY(20));
      assert.deepEqual(shown.slice(at - 2, at + 3), [DEPLOY(18), DEPLOY(19), DEPLOY(20), DEPLOY(21), DEPLOY(22)]);
      assert.equal(at, 20, 'every older event of the channel is shown');
      await assertNoSideways(page, 'conversation');
      await saveScreenshot(page, `audit-conversation-${width}`);
      // more on scroll: the newer end loads as it comes into view, up to the channel's last event
      for (let i = 0; i < 10 && !(await page.$('text=가장 최근 대화까지 보았습니다')); i++) {
        const n = (await texts()).length;
        await page.evaluate(() => document.querySelector('.edge:last-of-type')?.scrollIntoView());
        await page.waitForFunction((k) => document.querySelectorAll('.events .event').length > k || document.body.textContent?.includes('가장 최근 대화까지 보았습니다'), n, WAIT);
      }
      shown = await texts();
      assert.equal(shown.length, LINES);
      assert.equal(shown.at(-1), OTHER[(LINES - 1) % OTHER.length]);
      // the permalink opens the same view in a fresh page
      const again = await open(width);
      await signIn(again.page, `${srv.url}/audit/messages/${encodeURIComponent(id)}`, auditor);
      await again.page.waitForSelector('.event.focused', WAIT);
      assert.equal(await again.page.textContent('.event.focused .event-text'), DEPLOY(20));
      await again.context.close();
      await context.close();
    });
  }

  it('a malformed query is told in Korean, naming what was wrong', async () => {
    const { page, context } = await open(375);
    await signIn(page, `${srv.url}/audit/search?q=${encodeURIComponent('배포 on:2024-13-45')}`, auditor);
    const err = await page.waitForSelector('.search-view .error', WAIT);
    const text = (await err.textContent()) ?? '';
    assert.match(text, /^검색어를 읽지 못했습니다 — /);
    assert.match(text, /on: needs a date written YYYY-MM-DD, got "2024-13-45"/);
    await context.close();
  });

  it('exports the hits as CSV with instants', async () => {
    const { page, context } = await open(1280);
    await signIn(page, `${srv.url}/audit/search?q=${encodeURIComponent('배포 in:#dev')}`, auditor);
    await page.waitForSelector('.hit', WAIT);
    const [file] = await Promise.all([page.waitForEvent('download', WAIT), page.click('text=CSV로 내보내기')]);
    const csv = fs.readFileSync((await file.path())!, 'utf8');
    const rows = csv.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    assert.equal(rows[0], 'time,ts_ms,channel,nick,user_id,type,text,edited,deleted,id,kafka_partition,kafka_offset');
    assert.equal(rows.length, DEPLOYS + 1);
    const [time, ms] = rows[1].split(',');
    assert.equal(Date.parse(time), Number(ms), 'time and ts_ms are the same instant');
    // the newest 배포 message was sent at 07:20Z: 16:20 in Seoul, written with its offset
    assert.equal(Number(ms), Date.UTC(2024, 7, 27, 7, 20));
    assert.equal(time, '2024-08-27T16:20:00.000+09:00');
    await context.close();
  });

  for (const width of WIDTHS) {
    it(`topics from a deep link: keywords without particles, Plot charts, a keyword searched (${width} px)`, async () => {
      const { page, context } = await open(width);
      await signIn(page, `${srv.url}/audit/topics?from=${DAY}&to=${DAY}&channel=dev`, auditor);
      await page.waitForSelector('#keywords .keyword', WAIT);
      const terms = await page.$$eval('#keywords .term', (els) => els.map((e) => e.textContent ?? ''));
      assert.equal(terms[0], '배포', `the top keyword, got ${terms.join(', ')}`);
      assert.ok(!terms.some((t) => /^배포(가|를|했어요)$/.test(t)), `no particles or endings in ${terms.join(', ')}`);
      for (const chart of ['hour', 'day', 'channel', 'user']) await page.waitForSelector(`[data-chart=${chart}] figure.chart svg`, WAIT);
      assert.ok((await page.$$eval('[data-chart=hour] svg rect', (els) => els.length)) >= 10, 'a bar per hour with messages');
      await page.evaluate(() => window.scrollTo(0, 0));
      await assertNoSideways(page, 'topics');
      await saveScreenshot(page, `audit-topics-${width}`);
      await page.click('#keywords .keyword >> nth=0');
      await page.waitForSelector('.hit mark', WAIT);
      assert.equal(new URL(page.url()).pathname, '/audit/search');
      assert.equal(new URL(page.url()).searchParams.get('q'), `배포 on:${DAY} in:#dev`);
      assert.equal(await page.textContent('.total'), `${DEPLOYS}건 · 최신순`);
      await context.close();
    });
  }

  it('topics without dates open on the last day with data', async () => {
    const { page, context } = await open(1280);
    await signIn(page, `${srv.url}/audit/topics`, auditor);
    await page.waitForSelector('#keywords .keyword', WAIT);
    assert.equal(new URL(page.url()).search, `?from=${DAY}&to=${DAY}`);
    assert.equal(await page.inputValue('input[name=from]'), DAY);
    await context.close();
  });

  for (const width of WIDTHS) {
    it(`an admin reads the audit log, filtered by action (${width} px)`, async () => {
      const { page, context } = await open(width);
      await signIn(page, `${srv.url}/audit/log`, ADMIN);
      await page.waitForSelector('.log-entry', WAIT);
      await page.selectOption('select[name=action]', 'search.export');
      await page.click('.range-form button[type=submit]');
      await page.waitForFunction(() => new URL(location.href).searchParams.get('action') === 'search.export', undefined, WAIT);
      await page.waitForFunction(() => [...document.querySelectorAll('.log-entry')].every((e) => (e as HTMLElement).dataset.action === 'search.export'), undefined, WAIT);
      const entries = await page.$$eval('.log-entry', (els) => els.map((e) => e.textContent ?? ''));
      assert.equal(entries.length, 1);
      assert.match(entries[0], /감사관/);
      assert.match(entries[0], /q=배포 in:#dev/);
      await assertNoSideways(page, 'audit log');
      await saveScreenshot(page, `audit-log-${width}`);
      await context.close();
    });
  }

  // (a live message of today: after the tests that expect the imported day to be the last with data)
  it('an edited message: the auditor finds its first wording and sees every version', async () => {
    const ws = await joinedMember(srv.url, '민지', '공지');
    ws.send({ type: 'message', channel: '공지', text: '배포 체크리스트 초안입니다', ref: 'm' });
    const sent = await ws.next((f) => f.type === 'message' && f.meta?.ref === 'm');
    ws.send({ type: 'edit', id: sent.id, text: '배포 체크리스트 최종본입니다', ref: 'e' });
    await ws.next((f) => f.type === 'edit' && f.meta?.target === sent.id);
    await ws.close();
    const found = async () => ((await (await fetch(`${srv.url}/api/search?q=${encodeURIComponent('초안 in:#공지')}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { hits: { edited: boolean }[] }).hits[0]?.edited;
    await until(found, 'the edit applied in the search index');
    const { page, context } = await open(1280);
    await signIn(page, `${srv.url}/audit/search?q=${encodeURIComponent('초안')}`, auditor);
    await page.waitForSelector('.hit .badge:has-text("수정됨")', WAIT);
    await page.click('.hit .hit-text');
    await page.waitForSelector('.versions li', WAIT);
    assert.equal(await page.textContent('.record .record-text'), '배포 체크리스트 최종본입니다');
    assert.deepEqual(await page.$$eval('.versions .version-text', (els) => els.map((e) => e.textContent)), ['배포 체크리스트 초안입니다', '배포 체크리스트 최종본입니다']);
    await saveScreenshot(page, 'audit-versions-1280');
    await context.close();
  });

  it('an auditor has no audit-log tab; no page had a script error', async () => {
    const { page, context } = await open(375);
    await signIn(page, `${srv.url}/audit`, auditor);
    await page.waitForSelector('.tabs', WAIT);
    assert.deepEqual(await page.$$eval('.tabs .tab', (els) => els.map((e) => e.textContent)), ['검색', '주제 통계']);
    await context.close();
    for (const w of watches) {
      assert.deepEqual(w.pageErrors, []);
      // the browser logs each refused request (the member's 403, the malformed query's 400) as a console error; anything else is a fault
      assert.deepEqual(w.consoleErrors.filter((e) => !/Failed to load resource: the server responded with a status of 40[03]/.test(e)), []);
      assert.deepEqual(w.dialogs, []);
    }
  });
});
