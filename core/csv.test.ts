import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvField, csvLine } from './csv.ts';

test('csv: quotes what needs quoting and keeps Korean as it is', () => {
  assert.equal(csvLine(['점심 뭐 드실래요', 'a,b', '그가 "네"라고', '두 줄\n둘째', null, 3]), '점심 뭐 드실래요,"a,b","그가 ""네""라고","두 줄\n둘째",,3\r\n');
});

test('csv: a text that starts like a formula is shown, not run; numbers stay numbers', () => {
  assert.equal(csvField('=HYPERLINK("http://evil")'), `"'=HYPERLINK(""http://evil"")"`);
  assert.equal(csvField('@bot 도움말'), "'@bot 도움말");
  assert.equal(csvField('-5'), "'-5");
  assert.equal(csvField(-5), '-5');
  assert.equal(csvField({ a: 1 }), '"{""a"":1}"');
});
