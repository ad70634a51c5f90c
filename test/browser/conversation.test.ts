// The conversation features of the chat UI (#13) in a real browser, two
// people on a real server: formatted messages (and that formatting cannot be
// used to inject anything), bot answers with code.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserProblem, launchBrowser, newPage, saveScreenshot, watch, type PageWatch } from '../helpers/browser.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const skip = browserProblem() ?? (process.env.KAFKA_BROKERS ? false : 'KAFKA_BROKERS is not set: run through `npm test` (it starts a broker)');
const CHANNEL = '기획팀';
const WAIT = { timeout: 45_000 };
const PASSWORD = '회의는 10시에 시작!';

async function loginAndJoin(page: Page, url: string, nick: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('#login-nick');
  await page.fill('#login-nick', nick);
  await page.fill('#login-password', PASSWORD);
  await page.press('#login-password', 'Enter');
  await page.waitForSelector('.app[data-conn=connected]', { state: 'attached', ...WAIT });
  await say(page, `/join #${CHANNEL}`);
  await page.waitForSelector(`.channel[data-channel="${CHANNEL}"][aria-current=page]`, { state: 'attached', ...WAIT });
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill('#composer-input', text);
  await page.press('#composer-input', 'Enter');
}

/** The confirmed message whose text (as shown, newlines kept) is `text`; returns its id. */
async function seeMessage(page: Page, text: string): Promise<string> {
  const handle = await page.waitForFunction(
    (t) => [...document.querySelectorAll<HTMLElement>('.msg[data-delivery=sent]')].find((m) => m.querySelector('.text')?.textContent === t)?.dataset.id ?? false,
    text,
    WAIT,
  );
  return (await handle.jsonValue()) as string;
}

describe('chat conversation UI in a real browser', { skip }, () => {
  let srv: TestServer;
  let browser: Browser;
  let a: Page;
  let b: Page;
  let watchA: PageWatch;
  let watchB: PageWatch;

  before(async () => {
    srv = await startServer({ env: { KCHAT_SCHEDULER: '0' } });
    browser = await launchBrowser();
    a = (await newPage(browser, { width: 1280, height: 800 })).page;
    b = (await newPage(browser, { width: 375, height: 800 })).page;
    watchA = watch(a);
    watchB = watch(b);
    await loginAndJoin(a, srv.url, '서연');
    await loginAndJoin(b, srv.url, '준호');
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  it('Markdown in a Korean message is formatted for the other person, particles and all', async () => {
    const text = [
      '**오늘 회의**는 *오후 3시*에서 시작해요. **"파묘"**를 본 사람은 `#영화` 채널로!',
      '',
      '- 안건 1: ~~예산~~ **일정(확정)**은 다음 주',
      '- 안건 2: [회의록](https://wiki.example/회의록)을 읽어 오세요',
      '',
      '> 지난번 결정: 배포는 금요일에 안 한다',
      '',
      '```sql',
      "SELECT count(*) FROM messages WHERE text LIKE '%점심%'",
      '```',
    ].join('\n');
    await say(a, text);
    const id = await b.waitForFunction(() => document.querySelector<HTMLElement>('.msg[data-delivery=sent] .text strong')?.closest<HTMLElement>('.msg')?.dataset.id ?? false, undefined, WAIT);
    const msg = `.msg[data-id="${await id.jsonValue()}"] .text`;
    const shown = await b.$eval(msg, (el) => ({
      strong: [...el.querySelectorAll('strong')].map((e) => e.textContent),
      em: [...el.querySelectorAll('em')].map((e) => e.textContent),
      del: [...el.querySelectorAll('del')].map((e) => e.textContent),
      code: [...el.querySelectorAll(':not(pre) > code')].map((e) => e.textContent),
      items: [...el.querySelectorAll('ul > li')].map((e) => e.textContent),
      quote: el.querySelector('blockquote')?.textContent,
      pre: el.querySelector('pre code')?.textContent,
      links: [...el.querySelectorAll('a')].map((e) => ({ href: e.getAttribute('href'), text: e.textContent, rel: e.getAttribute('rel') })),
      firstLine: el.querySelector('p')?.textContent,
    }));
    assert.deepEqual(shown.strong, ['오늘 회의', '"파묘"', '일정(확정)']);
    assert.deepEqual(shown.em, ['오후 3시']);
    assert.deepEqual(shown.del, ['예산']);
    assert.deepEqual(shown.code, ['#영화']);
    assert.deepEqual(shown.items, ['안건 1: 예산 일정(확정)은 다음 주', '안건 2: 회의록을 읽어 오세요']);
    assert.equal(shown.quote, '지난번 결정: 배포는 금요일에 안 한다');
    assert.equal(shown.pre, "SELECT count(*) FROM messages WHERE text LIKE '%점심%'");
    assert.deepEqual(shown.links, [{ href: 'https://wiki.example/회의록', text: '회의록', rel: 'noopener noreferrer' }]);
    assert.equal(shown.firstLine, '오늘 회의는 오후 3시에서 시작해요. "파묘"를 본 사람은 #영화 채널로!', 'no asterisk or backtick is left over');
  });

  it('formatting cannot inject HTML or a script link', async () => {
    const payloads = [
      '[여기를 눌러 보세요](javascript:window.__pwned="inline")',
      '[탭 섞인 링크](java\tscript:window.__pwned="tab") 와 [참조][x]\n\n[x]: JAVASCRIPT:window.__pwned="ref"',
      '**<img src=x onerror="window.__pwned=\'bold-img\'">**는 굵게',
      '<a href="javascript:window.__pwned=\'a\'">링크</a> `<script>window.__pwned="code"</script>`',
      '![그림](javascript:window.__pwned="image") <javascript:window.__pwned="autolink">',
      '```html\n<script>window.__pwned="block"</script>\n```',
      '<details open ontoggle="window.__pwned=\'details\'">펼치기</details>',
      '[데이터](data:text/html,<script>alert(1)</script>)',
    ];
    for (const p of payloads) await say(a, p);
    await say(a, '주입 시험 끝');
    await seeMessage(b, '주입 시험 끝');
    await seeMessage(a, '주입 시험 끝');
    for (const page of [a, b]) {
      assert.equal(await page.$$eval('.messages img, .messages script, .messages iframe, .messages details, .messages [onerror], .messages [ontoggle]', (els) => els.length), 0, 'no element was created from message text');
      const hrefs = await page.$$eval('.messages a', (els) => els.map((e) => e.getAttribute('href') ?? ''));
      assert.deepEqual(hrefs.filter((h) => !/^(https?|mailto):/i.test(h)), [], 'every link is http, https or mailto');
      // click everything that looks like a link (a real http link would navigate away: it is checked by its href above)
      for (const el of await page.locator('.messages .unsafe-link').all()) await el.click();
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
    }
    const shown = await b.$$eval('.msg .text', (els) => els.map((e) => e.textContent ?? ''));
    assert.ok(shown.includes('<img src=x onerror="window.__pwned=\'bold-img\'">는 굵게'), 'raw HTML is shown as typed');
    assert.ok(shown.includes('<script>window.__pwned="block"</script>'), 'a code block shows its HTML as text');
    assert.ok(shown.some((t) => t.startsWith('<a href="javascript:')), 'an HTML link is shown as text');
    assert.deepEqual(watchA.dialogs, []);
    assert.deepEqual(watchB.dialogs, []);
    assert.deepEqual(watchA.pageErrors, []);
    assert.deepEqual(watchB.pageErrors, []);
  });

  it("a bot's backticks are code", async () => {
    await say(b, '@bot 우리 팀 회식 장소 어디야');
    const code = await a.waitForFunction(
      () => [...document.querySelectorAll('.msg.bot[data-delivery=sent] .text code')].map((e) => e.textContent).find((t) => t === '@bot 도움말') ?? false,
      undefined,
      WAIT,
    );
    assert.equal(await code.jsonValue(), '@bot 도움말');
    const text = await a.$eval('.msg.bot:last-of-type .text', (el) => el.textContent ?? '');
    assert.ok(!text.includes('`'), `no backtick is shown: ${text}`);
    for (const scheme of ['light', 'dark'] as const) {
      await a.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
      await b.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
      await saveScreenshot(a, `conversation-format-1280x800-${scheme}`);
      await saveScreenshot(b, `conversation-format-375x800-${scheme}`);
    }
    await a.emulateMedia({ colorScheme: 'light' });
    await b.emulateMedia({ colorScheme: 'light' });
  });
});
