// The one ASCII+Hangul fast-path test: plain text is exactly what NFC/NFKC leave alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPlainText, isPlainUnit } from './plain.ts';

test('plain text: printable ASCII, \\t, \\n and 가–힣; compatibility jamo only when asked', () => {
  assert.equal(isPlainText('점심 뭐 드실래요? PR #12 리뷰\t부탁\n드려요'), true);
  assert.equal(isPlainText(''), true);
  assert.equal(isPlainText('ㅋㅋㅋ 진짜요'), false, 'NFKC maps compatibility jamo');
  assert.equal(isPlainText('ㅋㅋㅋ 진짜요', true), true, 'NFC keeps them');
  for (const s of ['한국어'.normalize('NFD'), 'ｆｕｌｌ', '벨\u0007', 'CR\r', 'DEL\u007f', '이모지 🙏', '안녕\udc80', 'é', '각\u11a8']) {
    assert.equal(isPlainText(s, true), false, JSON.stringify(s));
  }
});

test('every plain unit is unchanged by NFC, NFKC and is a single, non-surrogate unit', () => {
  for (let c = 0; c <= 0xffff; c++) {
    for (const jamo of [false, true]) {
      if (!isPlainUnit(c, jamo)) continue;
      const ch = String.fromCharCode(c);
      assert.equal(ch.normalize('NFC'), ch, c.toString(16));
      if (!jamo || c < 0x3131 || c > 0x318e) assert.equal(ch.normalize('NFKC'), ch, c.toString(16));
      assert.ok(c < 0xd800 || c > 0xdfff);
    }
  }
});
