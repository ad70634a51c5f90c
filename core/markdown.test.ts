import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chatTokens, markdownParser, safeHref, type Token } from './markdown.ts';

/** A compact picture of the inline tokens of a one-paragraph message: strong/em/code/link spans with their text. */
function spans(text: string): string[] {
  const out: string[] = [];
  const walk = (tokens: Token[] | undefined) => {
    for (const t of tokens ?? []) {
      if (t.type === 'strong' || t.type === 'em' || t.type === 'del') out.push(`${t.type}:${t.text}`);
      else if (t.type === 'codespan') out.push(`code:${t.text}`);
      else if (t.type === 'link') out.push(`link:${t.href}`);
      if ('tokens' in t && t.tokens) walk(t.tokens);
      if (t.type === 'list') for (const item of t.items) walk(item.tokens);
    }
  };
  walk(chatTokens(text));
  return out;
}

const html = (s: string) => markdownParser('notebook').parseInline(s, { async: false }) as string;

describe('Markdown dialect (core/markdown.ts): Korean text', () => {
  it('bold and italic right before a particle', () => {
    assert.deepEqual(spans('**굵게**는 잘 보여요'), ['strong:굵게']);
    assert.deepEqual(spans('오늘 회의는 *오후 3시*에서 *4시*로 바뀌었어요'), ['em:오후 3시', 'em:4시']);
    assert.deepEqual(spans('이건**정말**중요해요'), ['strong:정말']);
  });
  it('emphasis that ends in punctuation before a particle (the CJK amendment)', () => {
    assert.deepEqual(spans('**"파묘"**는 2024년 영화예요'), ['strong:"파묘"']);
    assert.deepEqual(spans('**파묘(2024)**를 봤어요'), ['strong:파묘(2024)']);
    assert.deepEqual(spans('마감은 **내일.**이에요'), ['strong:내일.']);
    assert.deepEqual(spans('제목은**「서울의 봄」**이고요'), ['strong:「서울의 봄」']);
    assert.deepEqual(spans('*“인용”*은 기울여요'), ['em:“인용”']);
  });
  it('leaves plain CommonMark cases alone and does not invent emphasis', () => {
    assert.deepEqual(spans('2 * 3 * 4 = 24'), []);
    assert.deepEqual(spans('별표 ** 두 개 ** 사이'), []);
    assert.deepEqual(spans('**굵게** 그리고 *기울임* 그리고 ~~취소~~'), ['strong:굵게', 'em:기울임', 'del:취소']);
    assert.deepEqual(spans('`**코드 안**`은 그대로'), ['code:**코드 안**']);
    assert.deepEqual(spans('\\*\\*별표\\*\\*는 그대로'), []);
    assert.deepEqual(spans('**바깥 *안쪽* 끝**이에요'), ['strong:바깥 *안쪽* 끝', 'em:안쪽']);
  });
  it('renders the same way in notebooks (one dialect)', () => {
    assert.equal(html('**"파묘"**는'), '<strong>&quot;파묘&quot;</strong>는');
    assert.equal(html('**굵게**는 `코드`로'), '<strong>굵게</strong>는 <code>코드</code>로');
  });
});

describe('Markdown dialect: bot answers and blocks', () => {
  it("the bots' backticks are code", () => {
    const answer = "'파뮤'라는 영화는 찾지 못했어요. 제목을 확인하고 `@bot 파묘 감독은?`처럼 물어봐 주세요.";
    assert.deepEqual(spans(answer), ['code:@bot 파묘 감독은?']);
    assert.deepEqual(spans('쓸 수 있는 것: `일정 추가 <언제> <내용>`, `일정 목록`, `일정 삭제 <id>`.'), ['code:일정 추가 <언제> <내용>', 'code:일정 목록', 'code:일정 삭제 <id>']);
  });
  it('lists, quotes and code blocks; a newline is a line break in chat', () => {
    const types = (text: string) => chatTokens(text).filter((t) => t.type !== 'space').map((t) => t.type);
    assert.deepEqual(types('할 일:\n\n- 회의록 정리\n- **배포** 확인'), ['paragraph', 'list']);
    assert.deepEqual(spans('1. 첫째\n2. *둘째*는'), ['em:둘째']);
    assert.deepEqual(types('> 어제 말씀하신 건\n확인했어요'), ['blockquote']);
    const [code] = chatTokens('```sql\nSELECT * FROM messages WHERE text LIKE \'%점심%\'\n```');
    assert.equal(code.type, 'code');
    assert.equal(code.text, "SELECT * FROM messages WHERE text LIKE '%점심%'");
    const [p] = chatTokens('첫 줄\n둘째 줄');
    assert.ok(p.type === 'paragraph' && p.tokens?.some((t) => t.type === 'br'), 'a single newline is a <br>');
  });
  it('raw HTML stays a token the renderers show as text', () => {
    const [p] = chatTokens('<img src=x onerror=alert(1)>와 <script>alert(1)</script>');
    const found = JSON.stringify(p);
    assert.match(found, /"type":"html"/);
    assert.equal(html('<b>굵게</b>'), '<b>굵게</b>', 'marked alone would pass HTML: the notebook renderer escapes it (audit/notebook/markdown.ts)');
  });
});

describe('Markdown dialect: links', () => {
  it('autolinks URLs inside Korean text, without the sentence punctuation', () => {
    assert.deepEqual(spans('자료는 https://example.com/docs/회의록 에 있어요.'), ['link:https://example.com/docs/회의록']);
    assert.deepEqual(spans('여기 보세요: http://a.kr/x?q=1, 그리고 (https://b.kr/y).'), ['link:http://a.kr/x?q=1', 'link:https://b.kr/y']);
    assert.deepEqual(spans('https://ko.wikipedia.org/wiki/파묘_(영화)'), ['link:https://ko.wikipedia.org/wiki/파묘_(영화)']);
    assert.deepEqual(spans('[회의록](https://wiki.example/회의록)을 보세요'), ['link:https://wiki.example/회의록']);
  });
  it('safeHref: http, https, mailto only in chat; notebooks may also link relatively', () => {
    for (const ok of ['https://kchat.example/c/일반', 'http://a.kr', 'mailto:감사팀@example.com', 'HTTPS://A.KR']) assert.ok(safeHref(ok), ok);
    for (const bad of ['javascript:alert(1)', 'java\tscript:alert(1)', ' JaVaScRiPt:alert(1)', 'data:text/html,<b>x</b>', 'vbscript:x', 'javascript&colon;alert(1)', 'ftp://example.com/file', '/relative', 'other.kchat']) {
      assert.equal(safeHref(bad), null, bad);
    }
    assert.equal(safeHref('other.kchat', { relative: true }), 'other.kchat');
    assert.equal(safeHref('javascript:alert(1)', { relative: true }), null);
    assert.equal(safeHref('javascript&colon;alert(1)', { relative: true }), null);
  });
});
