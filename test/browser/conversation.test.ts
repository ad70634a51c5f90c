// The conversation features of the chat UI (#13) in a real browser, two
// people on a real server (one at 1280 px, one at 375 px): formatted messages
// (and that formatting cannot be used to inject anything), bot answers with
// code and as replies, replies and the thread view, edit and delete — each
// seen by the other person.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
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

/** Show a message's actions as a person does (hover), then press one. */
async function act(page: Page, id: string, label: string): Promise<void> {
  await page.hover(`.messages .msg[data-id="${id}"] .text`);
  await page.click(`.messages .msg[data-id="${id}"] .msg-actions button[aria-label="${label}"]`);
}

const textOf = (page: Page, sel: string) => page.$eval(sel, (el) => el.textContent ?? '');

/** Light and dark pictures of each page, named by its viewport (test-results/screenshots/). */
async function screenshots(pages: Page[], name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    for (const page of pages) {
      await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
      const { width, height } = page.viewportSize()!;
      await saveScreenshot(page, `${name}-${width}x${height}-${scheme}`);
    }
  }
  for (const page of pages) await page.emulateMedia({ colorScheme: 'light' });
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

  it("a bot's backticks are code, and its answer is a reply to the question", async () => {
    await say(b, '@bot 우리 팀 회식 장소 어디야');
    const question = await seeMessage(a, '@bot 우리 팀 회식 장소 어디야');
    const code = await a.waitForFunction(
      () => [...document.querySelectorAll('.msg.bot[data-delivery=sent] .text code')].map((e) => e.textContent).find((t) => t === '@bot 도움말') ?? false,
      undefined,
      WAIT,
    );
    assert.equal(await code.jsonValue(), '@bot 도움말');
    const answer = await a.$eval('.messages .msg.bot:last-of-type', (el) => ({ text: el.querySelector('.text')?.textContent ?? '', replyTo: (el as HTMLElement).dataset.replyTo, ref: el.querySelector('.reply-ref')?.textContent }));
    assert.ok(!answer.text.includes('`'), `no backtick is shown: ${answer.text}`);
    assert.equal(answer.replyTo, question, 'the answer replies to the question');
    assert.equal(answer.ref, '준호@bot 우리 팀 회식 장소 어디야', 'the answer names the question it answers');
    await a.waitForFunction((id) => document.querySelector(`.msg[data-id="${id}"] .reply-count`)?.textContent?.trim() === '답글 1개', question, WAIT);
    await screenshots([a, b], 'conversation-format');
  });

  it('a reply from the message action: the box shows what it answers, the other person sees it counted and threaded', async () => {
    await say(a, '금요일 점심 메뉴 정해 주세요');
    const parent = await seeMessage(b, '금요일 점심 메뉴 정해 주세요');
    // 준호 (375 px) answers from the message's actions
    await act(b, parent, '답글 달기');
    await b.waitForSelector('.composer .composer-reply', WAIT);
    assert.equal(await textOf(b, '.composer .composer-reply-text'), '서연님에게 답글: 금요일 점심 메뉴 정해 주세요');
    assert.equal(await b.evaluate(() => document.activeElement?.id), 'composer-input', 'the cursor is in the box');
    await say(b, '김치찌개 어때요? **매운 거** 괜찮으면요');
    const reply = await seeMessage(a, '김치찌개 어때요? 매운 거 괜찮으면요');
    assert.equal(await b.$$eval('.composer .composer-reply', (els) => els.length), 0, 'the box stops replying once sent');
    const shown = await a.$eval(`.msg[data-id="${reply}"]`, (el) => ({ replyTo: (el as HTMLElement).dataset.replyTo, ref: el.querySelector('.reply-ref')?.textContent }));
    assert.deepEqual(shown, { replyTo: parent, ref: '서연금요일 점심 메뉴 정해 주세요' });
    await a.waitForFunction((id) => document.querySelector(`.msg[data-id="${id}"] .reply-count`)?.textContent?.trim() === '답글 1개', parent, WAIT);

    // 서연 (1280 px) opens the thread from the count and answers in it
    await a.click(`.msg[data-id="${parent}"] .reply-count`);
    await a.waitForSelector('#thread-panel', WAIT);
    const thread = await a.$eval('#thread-panel', (el) => ({
      parent: el.querySelector('.thread-parent .text')?.textContent,
      replies: [...el.querySelectorAll('.thread-replies .text')].map((e) => e.textContent),
      width: el.getBoundingClientRect().width,
    }));
    assert.equal(thread.parent, '금요일 점심 메뉴 정해 주세요');
    assert.deepEqual(thread.replies, ['김치찌개 어때요? 매운 거 괜찮으면요']);
    assert.ok(thread.width >= 360 && thread.width <= 420, `a side panel at 1280 px (${thread.width}px)`);
    assert.ok(await a.isVisible('.timeline'), 'the channel stays beside the thread');
    assert.equal(await a.evaluate(() => document.activeElement?.id), 'thread-input', 'the cursor is in the thread box');
    await a.fill('#thread-input', '좋아요, 12시에 1층에서 봬요');
    await a.press('#thread-input', 'Enter');
    await a.waitForFunction(() => [...document.querySelectorAll('#thread-panel .thread-replies .msg[data-delivery=sent] .text')].map((e) => e.textContent).includes('좋아요, 12시에 1층에서 봬요'), undefined, WAIT);
    const second = await seeMessage(b, '좋아요, 12시에 1층에서 봬요');
    assert.equal(await b.$eval(`.msg[data-id="${second}"]`, (el) => (el as HTMLElement).dataset.replyTo), parent, 'a reply from the thread replies to its first message');
    await b.waitForFunction((id) => document.querySelector(`.msg[data-id="${id}"] .reply-count`)?.textContent?.trim() === '답글 2개', parent, WAIT);

    // 준호 opens it at 375 px: the thread takes the whole screen
    await b.click(`.msg[data-id="${parent}"] .reply-count`);
    await b.waitForSelector('#thread-panel', WAIT);
    const box = await b.$eval('#thread-panel', (el) => el.getBoundingClientRect().toJSON() as DOMRect);
    assert.deepEqual([box.x, box.width, box.height], [0, 375, 800]);
    assert.deepEqual(await b.$$eval('#thread-panel .thread-replies .text', (els) => els.map((e) => e.textContent)), ['김치찌개 어때요? 매운 거 괜찮으면요', '좋아요, 12시에 1층에서 봬요']);
    await screenshots([a, b], 'conversation-thread');
    // Esc closes it (keyboard only)
    await b.focus('#thread-input');
    await b.keyboard.press('Escape');
    await b.waitForSelector('#thread-panel', { state: 'detached', ...WAIT });
  });

  it('↑ in the empty box edits my last message; the other person sees the new text marked (수정됨)', async () => {
    await say(a, '회의는 3시에 합니다');
    const id = await seeMessage(b, '회의는 3시에 합니다');
    await a.click('#composer-input');
    await a.keyboard.press('ArrowUp');
    const editor = `.msg[data-id="${id}"] .msg-editor textarea`;
    await a.waitForSelector(editor, WAIT);
    assert.equal(await a.$eval(editor, (el) => (el as HTMLTextAreaElement).value), '회의는 3시에 합니다');
    assert.equal(await a.evaluate(() => document.activeElement?.tagName), 'TEXTAREA');
    await a.fill(editor, '회의는 **4시**로 미뤄졌어요');
    await a.press(editor, 'Enter');
    const edited = `.msg[data-id="${id}"] .text`;
    await b.waitForFunction((sel) => document.querySelector(sel)?.textContent === '회의는 4시로 미뤄졌어요(수정됨)', edited, WAIT).catch(async (err: Error) => {
      // what each side shows of the message, so a failure says where the edit stopped (it failed once in CI, not since)
      const shown = async (p: Page) => p.$eval(`.msg[data-id="${id}"]`, (el) => (el as HTMLElement).innerText).catch((e: Error) => `(${e.message})`);
      throw new Error(`${err.message}\nthe author sees: ${await shown(a)}\nthe other person sees: ${await shown(b)}`);
    });
    assert.equal(await textOf(b, `${edited} strong`), '4시');
    await a.waitForFunction((sel) => document.querySelector(sel)?.textContent === '회의는 4시로 미뤄졌어요(수정됨)', edited, WAIT);
    // Someone else's message offers no edit or delete
    await b.hover(`.msg[data-id="${id}"] .text`);
    assert.deepEqual(await b.$$eval(`.msg[data-id="${id}"] .msg-actions button`, (els) => els.map((e) => e.getAttribute('aria-label'))), ['답글 달기', '스레드 열기']);
    // An edit of someone else's message, forced past the UI, is refused by the server and the reason is shown on the message in Korean
    await b.evaluate((mid) => {
      const store = (window as unknown as { kchat: { conv: { find(c: string, i: string): unknown; saveEdit(e: unknown, t: string): void }; active: string } }).kchat;
      store.conv.saveEdit(store.conv.find(store.active, mid), '남의 메시지를 고쳐 보기');
    }, id);
    await b.waitForSelector(`.msg[data-id="${id}"] .msg-problem`, WAIT);
    assert.match(await textOf(b, `.msg[data-id="${id}"] .msg-problem`), /^수정하지 못했습니다: 이 채널이나 동작에 대한 권한이 없습니다\.자기 메시지만 고칠 수 있습니다/);
    assert.equal(await textOf(a, edited), '회의는 4시로 미뤄졌어요(수정됨)', 'nothing changed for the author');
  });

  it('delete asks first; everyone then sees "삭제된 메시지입니다" and the text is gone, also after a reload', async () => {
    await say(a, '비밀번호는 1234입니다 (잘못 보냄)');
    const id = await seeMessage(b, '비밀번호는 1234입니다 (잘못 보냄)');
    await act(a, id, '메시지 삭제');
    await a.waitForSelector('#delete-dialog[open]', WAIT);
    assert.match(await textOf(a, '#delete-dialog'), /이 메시지를 삭제할까요\?.*비밀번호는 1234입니다/);
    await saveScreenshot(a, 'conversation-delete-1280x800-light');
    // cancel first: nothing happens
    await a.click('#delete-dialog button:has-text("취소")');
    await a.waitForSelector('#delete-dialog[open]', { state: 'detached', ...WAIT });
    assert.equal(await textOf(b, `.msg[data-id="${id}"] .text`), '비밀번호는 1234입니다 (잘못 보냄)');
    await act(a, id, '메시지 삭제');
    await a.waitForSelector('#delete-dialog[open]', WAIT);
    await a.click('#delete-dialog button[type=submit]');
    for (const page of [a, b]) {
      await page.waitForFunction((mid) => document.querySelector(`.msg[data-id="${mid}"] .text`)?.textContent?.trim() === '삭제된 메시지입니다', id, WAIT);
      const html = await page.content();
      // (the text itself, not just its digits: a random message id may contain 1234)
      const at = html.indexOf('1234입니다');
      assert.ok(at < 0 && !html.includes('비밀번호는'), `the deleted text is nowhere in the page: …${html.slice(at - 300, at + 50)}`);
    }
    await saveScreenshot(b, 'conversation-deleted-375x800-light');
    await b.reload();
    await b.waitForSelector(`.msg[data-id="${id}"]`, WAIT);
    assert.equal((await textOf(b, `.msg[data-id="${id}"] .text`)).trim(), '삭제된 메시지입니다');
    const reloaded = await b.content();
    assert.ok(!reloaded.includes('1234입니다') && !reloaded.includes('비밀번호는'), 'history after a reload has no deleted text');
    // the reply count after a reload comes from history (the server counts the replies)
    await b.waitForFunction(
      () => [...document.querySelectorAll('.msg')].some((m) => m.querySelector('.text')?.textContent === '금요일 점심 메뉴 정해 주세요' && m.querySelector('.reply-count')?.textContent?.trim() === '답글 2개'),
      undefined,
      WAIT,
    );
    assert.deepEqual(watchA.pageErrors, []);
    assert.deepEqual(watchB.pageErrors, []);
  });

  it("an admin deletes someone else's message; the author and the others see it gone", async () => {
    // an admin account (token login, as `kchat users add --role admin` makes it), signed in in a third browser
    const adminToken = fs.readFileSync(path.join(srv.dataDir, 'admin-token'), 'utf8').trim();
    const res = await fetch(`${srv.url}/api/admin/cli`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ argv: ['users', 'add', '운영자', '--role', 'admin', '--json'] }),
    });
    const out = (await res.json()) as { stdout: string; stderr: string; code: number };
    assert.equal(out.code, 0, out.stderr);
    const admin = JSON.parse(out.stdout) as { id: string; nick: string; token: string };
    const { context, page: c } = await newPage(browser, { width: 1280, height: 800 });
    try {
      await c.goto(srv.url);
      await c.evaluate((u) => {
        localStorage.setItem('kchat.token', JSON.stringify(u.token));
        localStorage.setItem('kchat.user', JSON.stringify({ id: u.id, nick: u.nick }));
      }, admin);
      await c.reload();
      await c.waitForSelector('.app[data-conn=connected]', { state: 'attached', ...WAIT });
      await say(c, `/join #${CHANNEL}`);
      await c.waitForSelector(`.channel[data-channel="${CHANNEL}"][aria-current=page]`, { state: 'attached', ...WAIT });

      await say(b, '광고: 최저가 노트북 팝니다 http://spam.example/노트북');
      const id = await seeMessage(c, '광고: 최저가 노트북 팝니다 http://spam.example/노트북');
      await c.hover(`.msg[data-id="${id}"] .text`);
      assert.deepEqual(await c.$$eval(`.msg[data-id="${id}"] .msg-actions button`, (els) => els.map((e) => e.getAttribute('aria-label'))), ['답글 달기', '스레드 열기', '메시지 삭제'], 'an admin may delete, not edit');
      await act(c, id, '메시지 삭제');
      await c.waitForSelector('#delete-dialog[open]', WAIT);
      assert.match(await textOf(c, '#delete-dialog .dialog-text'), /^준호님의 메시지를 삭제할까요\? \(관리자 권한\)$/);
      await c.click('#delete-dialog button[type=submit]');
      for (const page of [a, b, c]) {
        await page.waitForFunction((mid) => document.querySelector(`.msg[data-id="${mid}"] .text`)?.textContent?.trim() === '삭제된 메시지입니다', id, WAIT);
        assert.ok(!(await page.content()).includes('spam.example'), 'the deleted words are gone for everyone');
      }
    } finally {
      await context.close();
    }
  });

  it("on a touch screen a tap on a message shows its actions, and only that message's", async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 800 }, hasTouch: true, isMobile: true, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
    await context.addInitScript('globalThis.__name = globalThis.__name || ((f) => f);');
    const t = await context.newPage();
    try {
      await loginAndJoin(t, srv.url, '하늘');
      assert.equal(await t.evaluate(() => matchMedia('(hover: none)').matches), true, 'a touch screen without hover');
      await say(a, '모바일에서 답글 달아 주세요');
      const id = await seeMessage(t, '모바일에서 답글 달아 주세요');
      const shown = () => t.$$eval('.messages .msg-actions', (els) => els.filter((e) => getComputedStyle(e).opacity === '1').map((e) => e.closest<HTMLElement>('.msg')?.dataset.id));
      assert.deepEqual(await shown(), [], 'no buttons until a message is tapped');
      await t.tap(`.msg[data-id="${id}"] .text`);
      await t.waitForFunction((mid) => getComputedStyle(document.querySelector(`.msg[data-id="${mid}"] .msg-actions`)!).opacity === '1', id, WAIT);
      assert.deepEqual(await shown(), [id]);
      await t.tap(`.msg[data-id="${id}"] .msg-actions button[aria-label="답글 달기"]`);
      await t.waitForSelector('.composer .composer-reply', WAIT);
      assert.equal(await textOf(t, '.composer .composer-reply-text'), '서연님에게 답글: 모바일에서 답글 달아 주세요');
    } finally {
      await context.close();
    }
  });
});
