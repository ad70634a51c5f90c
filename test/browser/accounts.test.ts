// Accounts, membership and privacy in a real browser (issue #12): three
// people in three browser contexts on a real server. Password logins (a
// wrong password explained in Korean), joining from the channel directory
// with one click, a reload that posts no notice and keeps channels and
// unread counts, a private channel and a DM the third person never sees,
// a mention badge and highlight, and member search that jumps to the message.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserProblem, launchBrowser, newPage, saveScreenshot, watch, type PageWatch } from '../helpers/browser.ts';
import { searchReady, startServer, type TestServer } from '../helpers/server.ts';

const skip = browserProblem() ?? (process.env.KAFKA_BROKERS ? false : 'KAFKA_BROKERS is not set: run through `npm test` (it starts a broker)');
const WAIT = { timeout: 45_000 };
const PASSWORD = { 민서: '민서의 비밀번호!', 도윤: '도윤도윤 1234', 하은: '하은이 비번 5678' } as const;
type Person = keyof typeof PASSWORD;

async function loginAs(page: Page, url: string, nick: Person, password: string = PASSWORD[nick]): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('#login-nick');
  await page.fill('#login-nick', nick);
  await page.fill('#login-password', password);
  await page.press('#login-password', 'Enter');
}

async function connected(page: Page): Promise<void> {
  await page.waitForSelector('.app[data-conn=connected]', { state: 'attached', ...WAIT });
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill('#composer-input', text);
  await page.press('#composer-input', 'Enter');
}

async function seeMessage(page: Page, text: string): Promise<void> {
  await page.waitForFunction((t) => [...document.querySelectorAll('.msg[data-delivery=sent] .text')].some((e) => e.textContent === t), text, WAIT);
}

const sidebar = (page: Page) => page.$$eval('.channel[data-channel]', (els) => els.map((e) => (e as HTMLElement).dataset.channel ?? ''));
const channelButton = (name: string) => `.channel[data-channel="${name}"]`;
const notices = (page: Page) => page.$$eval('.notice .notice-text', (els) => els.map((e) => e.textContent ?? ''));

describe('accounts, membership and privacy in a real browser', { skip }, () => {
  let srv: TestServer;
  let browser: Browser;
  let a: Page; // 민서, 1280 px
  let b: Page; // 도윤, 375 px
  let c: Page; // 하은, 1280 px
  let contextB: BrowserContext;
  const watches: PageWatch[] = [];
  let dm = '';

  before(async () => {
    srv = await startServer({ env: { KCHAT_SEARCH: 'on' } }); // member search is the search service (a JVM)
    browser = await launchBrowser();
    await searchReady(srv);
    a = (await newPage(browser, { width: 1280, height: 800 })).page;
    ({ context: contextB, page: b } = await newPage(browser, { width: 375, height: 800 }));
    c = (await newPage(browser, { width: 1280, height: 800 })).page;
    for (const p of [a, b, c]) watches.push(watch(p));
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  it('the first login claims a nick with a password; a wrong password is refused in Korean', async () => {
    await loginAs(a, srv.url, '민서');
    await connected(a);
    const { context, page } = await newPage(browser, { width: 375, height: 800 });
    try {
      await loginAs(page, srv.url, '민서', '틀린 비밀번호입니다');
      const shown = await page.waitForSelector('#login-nick-help.field-error', WAIT);
      assert.match((await shown.textContent()) ?? '', /^비밀번호가 맞지 않습니다\./);
      await saveScreenshot(page, 'accounts-login-wrong-password-375');
      // an empty password is caught before anything is sent
      await page.fill('#login-password', '');
      await page.press('#login-password', 'Enter');
      assert.equal(await page.textContent('#login-password-help'), '비밀번호를 입력해 주세요.');
    } finally {
      await context.close();
    }
    await loginAs(b, srv.url, '도윤');
    await loginAs(c, srv.url, '하은');
    await Promise.all([connected(b), connected(c)]);
  });

  it('joins a channel from the directory with one click', async () => {
    await say(a, '/join #기획');
    await a.waitForSelector(`${channelButton('기획')}.active`, WAIT);
    await b.click('.menu-btn');
    await b.click('#browse-btn');
    await b.waitForSelector('#browse-dialog li[data-channel="기획"]', WAIT);
    await saveScreenshot(b, 'accounts-directory-375');
    await b.click('#browse-dialog li[data-channel="기획"] button');
    await b.waitForSelector(`${channelButton('기획')}.active`, { state: 'attached', ...WAIT });
    await a.waitForFunction(() => [...document.querySelectorAll('.notice .notice-text')].some((e) => e.textContent === '도윤님이 채널에 들어왔습니다'), undefined, WAIT);
  });

  it('a reload posts no notice and keeps the channels', async () => {
    const before = await notices(a);
    await b.reload();
    await connected(b);
    assert.ok((await sidebar(b)).includes('기획'), 'the channel is back without joining');
    await say(b, '새로고침하고 돌아왔어요');
    await seeMessage(a, '새로고침하고 돌아왔어요');
    assert.deepEqual(await notices(a), before, 'no join or leave notice from the reload');
  });

  it('a private channel reaches its members only: the third person neither sees nor joins it', async () => {
    await say(a, '/private #비밀회의 도윤');
    await a.waitForSelector(`${channelButton('비밀회의')}.active`, WAIT);
    await b.waitForSelector(channelButton('비밀회의'), { state: 'attached', ...WAIT });
    await say(a, '비밀회의 안건은 내일 정리해요');
    await b.evaluate((sel) => (document.querySelector(sel) as HTMLButtonElement).click(), channelButton('비밀회의'));
    await seeMessage(b, '비밀회의 안건은 내일 정리해요');
    // 하은: not in the list, not in the directory, and joining it is refused in Korean
    assert.ok(!(await sidebar(c)).includes('비밀회의'));
    await c.click('#browse-btn');
    await c.waitForSelector('#browse-dialog li[data-channel="기획"]', WAIT);
    assert.equal(await c.$$eval('#browse-dialog li[data-channel="비밀회의"]', (els) => els.length), 0);
    await c.keyboard.press('Escape');
    await say(c, '/join #비밀회의');
    const toast = await c.waitForSelector('.toast-error', WAIT);
    assert.match((await toast.textContent()) ?? '', /권한이 없습니다/);
    assert.ok(!(await c.$$eval('.msg .text', (els) => els.map((e) => e.textContent))).includes('비밀회의 안건은 내일 정리해요'));
  });

  it('a DM from the members list reaches only the two, with a badge for the other', async () => {
    await a.click(channelButton('기획'));
    await a.waitForSelector('#members .dm-btn[aria-label="도윤님과 1:1 대화"]', WAIT);
    await a.click('#members .dm-btn[aria-label="도윤님과 1:1 대화"]');
    await a.waitForFunction(() => document.querySelector('.chat-title')?.textContent === '도윤', undefined, WAIT);
    dm = (await a.$eval('.channel.active', (el) => (el as HTMLElement).dataset.channel)) ?? '';
    assert.match(dm, /^dm\./);
    await say(a, '둘이서만 얘기해요');
    await seeMessage(a, '둘이서만 얘기해요');
    // 도윤 is looking at #비밀회의: the DM shows up under 민서's name with an unread and a mention badge
    await b.waitForSelector(`${channelButton(dm)} [data-testid=mention-badge]`, { state: 'attached', ...WAIT });
    assert.equal(await b.$eval(`${channelButton(dm)} .channel-name`, (el) => el.textContent), '민서');
    assert.ok(!(await sidebar(c)).includes(dm), 'the third person has no such conversation');
  });

  it('a mention with a Korean particle highlights the message and badges the channel', async () => {
    await a.click(channelButton('기획'));
    await say(a, '@도윤님 회의록 확인 부탁해요');
    await b.waitForSelector(`${channelButton('기획')} [data-testid=mention-badge]`, { state: 'attached', ...WAIT });
    assert.equal(await b.$eval(`${channelButton('기획')} [data-testid=mention-badge]`, (el) => el.textContent), '@1');
    await b.emulateMedia({ reducedMotion: 'reduce' });
    await b.click('.menu-btn');
    await b.waitForSelector('#sidebar', { state: 'visible' });
    await saveScreenshot(b, 'accounts-sidebar-badges-375');
    await b.click(channelButton('기획'));
    await b.waitForSelector('.msg.mentions-me', WAIT);
    assert.equal(await b.$eval('.msg.mentions-me .text', (el) => el.textContent), '@도윤님 회의록 확인 부탁해요');
    assert.equal(await b.$$eval(`${channelButton('기획')} [data-testid=mention-badge]`, (els) => els.length), 0, 'reading the channel clears the badge');
  });

  it('unread counts survive a reload (read positions are kept per account)', async () => {
    await b.evaluate((sel) => (document.querySelector(sel) as HTMLButtonElement).click(), channelButton('비밀회의'));
    await b.waitForSelector(`${channelButton('비밀회의')}.active`, { state: 'attached', ...WAIT });
    await say(a, '점심 전에 한 번 더 볼게요');
    await say(a, '두 번째 메시지입니다');
    await b.waitForFunction((sel) => document.querySelector(`${sel} .unread`)?.textContent === '2', channelButton('기획'), WAIT);
    await b.reload();
    await connected(b);
    await b.waitForFunction((sel) => document.querySelector(`${sel} .unread`)?.textContent === '2', channelButton('기획'), WAIT);
    assert.equal(await b.$eval('.channel.active', (el) => (el as HTMLElement).dataset.channel), '비밀회의', 'the active channel is remembered too');
  });

  it('members search their own channels; a click shows the message', async () => {
    // ingest stores messages a moment after they are sent: wait for it through the same API (each try a real round trip)
    const token = await a.evaluate(() => JSON.parse(localStorage.getItem('kchat.token') ?? 'null') as string);
    for (let i = 0; i < 300; i++) {
      const r = await fetch(`${srv.url}/api/search?q=${encodeURIComponent('회의록')}`, { headers: { authorization: `Bearer ${token}` } });
      if (((await r.json()) as { total: number }).total === 1) break;
    }
    await a.click('#search-btn');
    await a.fill('#search-input', '회의록을');
    await a.press('#search-input', 'Enter');
    await a.waitForSelector('.search-count', WAIT);
    assert.equal(await a.textContent('.search-count'), '1건');
    assert.equal(await a.$eval('.search-hit mark', (el) => el.textContent), '회의록');
    await saveScreenshot(a, 'accounts-search-1280');
    await a.click(channelButton(dm));
    await a.click('.search-hit');
    await a.waitForSelector(`${channelButton('기획')}.active`, WAIT);
    await a.waitForSelector('.msg.focused', WAIT);
    // 하은 searches the same words: the private messages are not hers to find
    await c.click('#search-btn');
    await c.fill('#search-input', '비밀회의 안건');
    await c.press('#search-input', 'Enter');
    assert.equal(await (await c.waitForSelector('.search-count', WAIT)).textContent(), '찾은 메시지가 없습니다');
  });

  it('saves screenshots at 1280 and 375 px and no page had an error', async () => {
    await saveScreenshot(a, 'accounts-chat-1280');
    await b.keyboard.press('Escape');
    await saveScreenshot(b, 'accounts-chat-375');
    for (const w of watches) assert.deepEqual(w.pageErrors, []);
    await contextB.close();
  });
});
