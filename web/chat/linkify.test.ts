import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linkify } from './linkify.ts';

describe('linkify', () => {
  it('links http(s) URLs inside Korean text and leaves sentence punctuation out', () => {
    assert.deepEqual(linkify('자료는 https://example.com/docs/회의록 에 있어요.'), [
      { kind: 'text', text: '자료는 ' },
      { kind: 'link', text: 'https://example.com/docs/회의록', href: 'https://example.com/docs/%ED%9A%8C%EC%9D%98%EB%A1%9D' },
      { kind: 'text', text: ' 에 있어요.' },
    ]);
    const segs = linkify('여기 보세요: http://a.kr/x?q=1, 그리고 (https://b.kr/y).');
    assert.deepEqual(segs.filter((s) => s.kind === 'link').map((s) => s.text), ['http://a.kr/x?q=1', 'https://b.kr/y']);
  });
  it('keeps a closing parenthesis that belongs to the URL', () => {
    const [link] = linkify('https://ko.wikipedia.org/wiki/파묘_(영화)').filter((s) => s.kind === 'link');
    assert.equal(link.text, 'https://ko.wikipedia.org/wiki/파묘_(영화)');
  });
  it('never links other schemes, and HTML stays plain text', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<b>x</b>', '<img src=x onerror=alert(1)>', 'ftp://example.com/file', 'https://']) {
      assert.deepEqual(linkify(text), [{ kind: 'text', text }], text);
    }
  });
  it('keeps text around a link byte for byte (newlines, emoji)', () => {
    const text = '첫 줄 🍜\nhttps://kchat.example/c/일반\n끝';
    assert.equal(linkify(text).map((s) => s.text).join(''), text);
  });
});
