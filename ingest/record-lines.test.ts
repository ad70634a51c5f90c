// Records spooled as their own bytes (ingest/record-lines.ts) must be stored
// exactly as the rows the one parser makes of them, through DuckDB's reader
// and through the fallback that reads the file in JavaScript; bytes DuckDB
// would read otherwise than the parser never reach the table that way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Database } from '../core/db.ts';
import { readSpool, spoolInsertSql, SpoolWriter } from '../core/db-spool.ts';
import { createEnvelope, serialize } from '../core/envelope.ts';
import { decodeRecord } from './decode.ts';
import { messageLog } from './log.ts';
import { RECORD_LINES, RecordLines, spoolRecord } from './record-lines.ts';
import { ensureIngestSchema, MESSAGES } from './schema.ts';
import { messageValues } from './store.ts';

const TOPIC = 'rl.chat.events';
const AT = 1_764_000_000_123_456n;
const user = { id: 'u_민수', nick: '민수' };

/** What producers put on chat.events: our serializer's bytes, and a few records it did not write. */
function records(): Buffer[] {
  const ours = [
    createEnvelope({ type: 'message', channel: 'general', user, text: '배포 끝났어요! "따옴표" \\ 백슬래시 😀 줄\n바꿈\t탭', ts: 1_732_000_000_123 }),
    createEnvelope({ type: 'message', channel: '개발', user, text: '회의는 3시에요', reply_to: 'id-parent', ts: 1_732_000_000_124, meta: { ref: 'r1', 한글: '값', n: 1.5, list: [1, 'a'] } }),
    createEnvelope({ type: 'edit', channel: 'general', user, text: '회의는 4시에요', ts: 1_732_000_000_125, meta: { target: 'id-parent' } }),
    createEnvelope({ type: 'nick', channel: 'general', user: { id: 'u_민수', nick: '민수2' }, text: '', ts: 1_732_000_000_126, meta: { old_nick: '민수' } }),
    createEnvelope({ type: 'join', channel: 'general', user, text: '', ts: 0 }),
    createEnvelope({ type: 'message', channel: 'general', user, text: 'x', ts: 9_007_199_254_740_991 }),
  ].map((e) => Buffer.from(serialize(e)));
  const theirs = [
    // the same envelope pretty-printed: line breaks in the bytes
    Buffer.from(JSON.stringify(JSON.parse(ours[0].toString()), null, 2)),
    // text the cleaner changes (decomposed Hangul → NFC): stored cleaned, so not as its bytes
    Buffer.from(JSON.stringify({ v: 1, id: 'nfd', type: 'message', channel: 'general', user, text: '\u1100\u1161 자모', ts: 1_732_000_000_127, reply_to: null, meta: {} })),
    // fields in another order, reply_to missing
    Buffer.from(JSON.stringify({ id: 'order', v: 1, type: 'message', channel: 'general', user, text: '순서', ts: 1_732_000_000_128, meta: {} })),
    // imported history: its own source and time, never as its bytes
    Buffer.from(serialize(createEnvelope({ type: 'message', channel: 'general', user, text: '옛날 메시지', ts: 1_600_000_000_000, meta: { legacy: { file: 'chat_2020.log', time_us: '1600000000000123' } } }))),
  ];
  return [...ours, ...theirs];
}

async function tempDb(t: { after: (fn: () => void) => void }): Promise<{ db: Database; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-record-lines-'));
  const db = await Database.open(path.join(dir, 'k.duckdb'));
  t.after(() => {
    void db.close().finally(() => fs.rmSync(dir, { recursive: true, force: true }));
  });
  await ensureIngestSchema(db);
  return { db, dir };
}

const dump = (db: Database, table: string) =>
  db.all(`SELECT * EXCLUDE (ingested_at, meta, ts), CAST(meta AS VARCHAR) AS meta, epoch_us(ingested_at) AS at, epoch_us(ts) AS ts_us FROM ${table} ORDER BY kafka_offset`);

test('records spooled as their own bytes are stored as the rows the parser makes of them (DuckDB reader and JavaScript fallback)', async (t) => {
  const { db, dir } = await tempDb(t);
  const values = records();
  const file = path.join(dir, 'batch.jsonl');
  const writer = new SpoolWriter(MESSAGES, file);
  const lines = new RecordLines(TOPIC, 3, AT);
  const expected: unknown[][] = [];
  let asBytes = 0;
  values.forEach((value, i) => {
    const r = decodeRecord(value, TOPIC, 3, BigInt(100 + i));
    assert.ok(r.ok, `record ${i} is valid`);
    if (!r.ok) return;
    spoolRecord(writer, lines, r.row, r.canonical, value, BigInt(100 + i));
    expected.push(messageValues(r.row, AT));
    if (r.canonical && r.row.source === 'kafka' && !value.includes(0x0a)) asBytes++;
  });
  writer.close();
  assert.equal(asBytes, 6, "our serializer's records go as their bytes, the other four as rows");
  const text = fs.readFileSync(file, 'utf8');
  assert.equal(text.split('\n').filter(Boolean).length, values.length, 'one line per record');
  assert.ok(text.includes(values[0].toString()), 'the record bytes are in the file as they were');

  await db.run('CREATE TABLE expected AS SELECT * FROM messages LIMIT 0');
  await db.transaction((tx) => tx.insert({ ...MESSAGES, table: 'expected' }, expected));
  await db.transaction((tx) => tx.run(spoolInsertSql(MESSAGES, [file], RECORD_LINES)));
  const want = await dump(db, 'expected');
  assert.deepEqual(await dump(db, 'messages'), want);
  const stored = await db.all<{ text: string; source: string; ts_ms: number; channel: string }>('SELECT text, source, ts_ms, channel FROM messages ORDER BY kafka_offset');
  assert.equal(stored[0].text, '배포 끝났어요! "따옴표" \\ 백슬래시 😀 줄\n바꿈\t탭');
  assert.equal(stored[7].text, '가 자모', 'the cleaned text, not the bytes');
  assert.equal(stored[9].source, 'legacy:chat_2020.log');
  assert.equal(Number(stored[5].ts_ms), 9_007_199_254_740_991);

  // the fallback reads the same file back as the same rows
  assert.deepEqual(readSpool(MESSAGES, file, RECORD_LINES), expected);
});

test("a record DuckDB's reader would read otherwise (a duplicated key) is stored as the parser read it", async (t) => {
  const { db, dir } = await tempDb(t);
  // JSON.parse keeps the last of two equal keys: the parser checked and cleaned channel 'general', not 'x y'
  const value = Buffer.from('{"v":1,"id":"dup","type":"message","channel":"x y","user":{"id":"u1","nick":"영희"},"text":"중복 키","ts":1732000000000,"reply_to":null,"meta":{},"channel":"general"}');
  const r = decodeRecord(value, TOPIC, 0, 7n);
  assert.ok(r.ok && r.canonical, 'the parser takes it, as the envelope it wrote');
  if (!r.ok) return;
  assert.equal(r.row.channel, 'general');
  const file = path.join(dir, 'dup.jsonl');
  const writer = new SpoolWriter(MESSAGES, file);
  spoolRecord(writer, new RecordLines(TOPIC, 0, AT), r.row, r.canonical, value, 7n);
  writer.close();
  await assert.rejects(db.transaction((tx) => tx.run(spoolInsertSql(MESSAGES, [file], RECORD_LINES))), /duplicate key/);
  // ingest's append retries such a batch the JavaScript way
  await messageLog(db).appendSpooled({ files: [file], rows: 1, channels: ['general'], nicks: [], members: [] });
  const rows = await db.all<{ channel: string; text: string; kafka_offset: number }>('SELECT channel, text, kafka_offset FROM messages');
  assert.deepEqual(rows.map((x) => ({ ...x, kafka_offset: Number(x.kafka_offset) })), [{ channel: 'general', text: '중복 키', kafka_offset: 7 }]);
});
