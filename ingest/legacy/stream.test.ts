// The streaming readers across chunk boundaries (files over the 1 MiB read
// size): every record once, with its line, whatever the chunking cut through
// (a multi-byte Korean character, a quoted CSV field with line breaks, a JSON
// array element).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openRecords } from './stream.ts';
import type { RawRecord } from './formats.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-stream-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

async function all(file: string): Promise<{ format: string; records: RawRecord[]; position: number; size: number }> {
  const s = await openRecords(file);
  const records: RawRecord[] = [];
  for await (const b of s.batches()) records.push(...b);
  return { format: s.format, records, position: s.position(), size: s.size };
}

const text = (i: number) => `회의록 ${i}번: "배포", 끝났습니다 ✅`;

test('JSON Lines over many chunks: every line once, Korean intact, blank and CRLF lines handled', async () => {
  const file = path.join(dir, 'big.jsonl');
  const lines: string[] = [];
  for (let i = 0; i < 40_000; i++) lines.push(i % 1000 === 7 ? '' : JSON.stringify({ user: '민수', message: text(i), offset: i }) + (i % 3 === 0 ? '\r' : ''));
  fs.writeFileSync(file, '\uFEFF' + lines.join('\n') + '\n{"user": "끝", "message": "no newline at the end"}');
  const r = await all(file);
  assert.equal(r.format, 'jsonl');
  assert.ok(r.size > 2 * (1 << 20), 'spans several chunks');
  assert.equal(r.records.length, 40_000 - 40 + 1);
  assert.ok(r.records.every((x) => !x.error));
  assert.deepEqual(r.records[1].fields, { user: '민수', message: text(1), offset: 1 });
  assert.equal(r.records[1].line, 2);
  const last = r.records.at(-1)!;
  assert.deepEqual([last.line, last.fields?.user], [40_001, '끝']);
  assert.equal(r.position, r.size);
});

test('CSV with quoted multi-line fields across chunks keeps line numbers; a broken tail is named', async () => {
  const file = path.join(dir, 'big.csv');
  let body = 'nickname,message,time\r\n';
  for (let i = 0; i < 20_000; i++) body += `태영,"${text(i).replace(/"/g, '""')}\n두 번째 줄",2024-08-27 09:00:00\r\n`;
  body += 'x,"open\n';
  fs.writeFileSync(file, body);
  const r = await all(file);
  assert.equal(r.records.length, 20_001);
  assert.deepEqual(r.records[19_999].fields, { nickname: '태영', message: `${text(19_999)}\n두 번째 줄`, time: '2024-08-27 09:00:00' });
  assert.equal(r.records[19_999].line, 2 + 2 * 19_999);
  assert.match(r.records[20_000].error ?? '', /unterminated quoted field/);
});

test('a JSON array across chunks: elements with their lines; a broken element and a missing "]" are named', async () => {
  const file = path.join(dir, 'big.json');
  const parts = ['['];
  for (let i = 0; i < 25_000; i++) parts.push(`  {"sender": "하준", "message": ${JSON.stringify(text(i) + ' [괄호] {중괄호}')}}${i === 24_999 ? '' : ','}`);
  parts.splice(12_001, 0, '  {"sender": "하준", "message": broken},');
  fs.writeFileSync(file, parts.join('\n'));
  const r = await all(file);
  assert.equal(r.format, 'json-array');
  assert.equal(r.records.length, 25_002);
  assert.equal(r.records[12_000].line, 12_002);
  assert.match(r.records[12_000].error ?? '', /invalid JSON/);
  assert.deepEqual(r.records[24_999].fields, { sender: '하준', message: text(24_998) + ' [괄호] {중괄호}' });
  assert.equal(r.records[24_999].line, 25_001);
  assert.match(r.records.at(-1)!.error ?? '', /unterminated JSON array/);
});
