// The message log (ingest/log.ts): append + commit notification, reading
// after a position, channel pages as real envelopes (meta included, events
// meant for someone else left out), counts, and the migration of files that
// still carry the dropped search_text column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTableSql, Database } from '../core/db.ts';
import { createEnvelope, type Envelope } from '../core/envelope.ts';
import { messageLog, type CommitNotice } from './log.ts';
import { MESSAGES } from './schema.ts';
import { envelopeRow, type MessageRow } from './store.ts';

const T0 = Date.UTC(2024, 7, 27, 0, 0, 0); // 2024-08-27 09:00 Seoul

function envelopes(n: number, channel = '개발', from = 0): Envelope[] {
  return Array.from({ length: n }, (_, i) =>
    createEnvelope({
      type: 'message',
      channel,
      user: { id: `u_${i % 3}`, nick: ['민수', '지영', '철수'][i % 3] },
      text: `회의는 ${i + from}시에 시작합니다`,
      ts: T0 + (i + from) * 60_000,
      meta: { gateway: 'g1', role: 'member', 번호: i + from },
    }),
  );
}
const rowsOf = (es: Envelope[], offset = 0): MessageRow[] => es.map((e, i) => envelopeRow(e, 'chat.events', 0, BigInt(offset + i)));

test('append commits rows and tells listeners after the commit; a failed append tells nobody', async () => {
  const db = await Database.open(':memory:');
  const log = messageLog(db);
  assert.equal(messageLog(db), log, 'one log per database');
  const seen: { notice: CommitNotice; visible: number }[] = [];
  const off = log.onCommit((notice) => {
    // a listener may read right away: the rows are committed
    void db.one<{ n: number }>('SELECT count(*) AS n FROM messages').then((r) => seen.push({ notice, visible: r!.n }));
  });
  await log.append(rowsOf([...envelopes(3), ...envelopes(2, '공지')]));
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(seen, [{ notice: { rows: 5, channels: ['개발', '공지'] }, visible: 5 }]);

  // a write in the same transaction fails after the rows: the rows and what `also` wrote roll back, no notice
  await assert.rejects(
    log.append(rowsOf(envelopes(1), 50), {
      also: async (tx) => {
        await tx.run('CREATE TABLE also_written (a VARCHAR)');
        await tx.run('SELECT error(?)', ['쓰기 실패 (injected)']);
      },
    }),
    /쓰기 실패/,
  );
  assert.equal((await db.one<{ n: number }>("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'also_written'"))!.n, 0);
  assert.equal((await db.one<{ n: number }>('SELECT count(*) AS n FROM messages'))!.n, 5, 'the rows rolled back');
  assert.equal(seen.length, 1);
  off();
  await log.append(rowsOf(envelopes(1), 100));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(seen.length, 1, 'unsubscribed');
  await db.close();
});

test('readSince returns exactly the rows after a position, in arrival order, column by column', async () => {
  const db = await Database.open(':memory:');
  const log = messageLog(db);
  await log.append(rowsOf(envelopes(3000)), { via: 'appender' });
  let last = -1;
  const texts: string[] = [];
  for await (const b of log.readSince(last, { fields: ['position', 'text', 'ts', 'offset', 'meta'] })) {
    for (let i = 0; i < b.size; i++) {
      assert.ok(b.position[i] > last, 'positions grow');
      last = b.position[i];
      texts.push(b.text[i]);
    }
    assert.equal(typeof b.ts[0], 'number');
    assert.equal(JSON.parse(b.meta[0]!).gateway, 'g1');
  }
  assert.equal(texts.length, 3000);
  assert.equal(texts[2999], '회의는 2999시에 시작합니다');
  let again = 0;
  for await (const b of log.readSince(last, { fields: ['id'] })) again += b.size;
  assert.equal(again, 0, 'nothing after the last position');
  await log.append([...rowsOf(envelopes(2, '개발', 5000), 5000), envelopeRow(createEnvelope({ type: 'join', channel: '개발', user: { id: 'u_9', nick: '하준' }, text: '' }), 'chat.events', 0, 9000n)]);
  const fresh: string[] = [];
  for await (const b of log.readSince(last, { fields: ['text'], types: ['message'] })) fresh.push(...b.text);
  assert.deepEqual(fresh, ['회의는 5000시에 시작합니다', '회의는 5001시에 시작합니다']);
  const sizes = await log.sizesSince(last);
  assert.equal(sizes.rows, 3);
  assert.equal(sizes.textChars, '회의는 5000시에 시작합니다'.length * 2);
  assert.equal(sizes.textBytes, Buffer.byteLength('회의는 5000시에 시작합니다') * 2);
  await db.close();
});

test('a channel page is the stored envelopes, meta included, oldest first; events meant for others are left out', async () => {
  const db = await Database.open(':memory:');
  const log = messageLog(db);
  const es = envelopes(30);
  const secret = createEnvelope({
    type: 'bot',
    channel: '개발',
    user: { id: 'bot', nick: 'kchat봇' },
    text: '감사 검색 결과: 3건',
    ts: T0 + 29 * 60_000 + 1,
    meta: { visible_to: ['u_auditor'], kind: 'search' },
  });
  // from an outside producer: visible_to that is not a list must neither break the page nor show the event
  const odd = createEnvelope({ type: 'bot', channel: '개발', user: { id: 'bot', nick: 'kchat봇' }, text: '이상한 visible_to', ts: T0 + 29 * 60_000 + 2, meta: { visible_to: 'u_1' } });
  await log.append(rowsOf([...es, secret, odd, ...envelopes(5, '공지')]));

  const page = await log.channelPage('개발', { before: es[20].ts, limit: 10 });
  assert.deepEqual(page, es.slice(10, 20), 'the very envelopes that were appended (v, meta, reply_to…)');
  assert.deepEqual(await log.channelPage('개발', { before: es[20].id, limit: 10 }), page, 'before an event id');
  assert.deepEqual(await log.channelPage('개발', { before: es[0].ts, limit: 10 }), []);
  assert.deepEqual(await log.channelPage('개발', { before: 'no-such-id', limit: 10 }), []);
  assert.deepEqual(await log.channelPage('개발', { before: es[20].id, limit: 0 }), []);

  const end = T0 + 10 ** 9;
  const member = await log.channelPage('개발', { before: end, limit: 5, viewer: 'u_1' });
  assert.ok(!member.some((e) => e.id === secret.id), 'an ephemeral answer is not in another member’s history');
  assert.ok(!member.some((e) => e.id === odd.id), 'a visible_to that is not a list hides the event (and breaks nothing)');
  assert.deepEqual(member.at(-1), es[29]);
  const auditor = await log.channelPage('개발', { before: end, limit: 5, viewer: 'u_auditor' });
  assert.deepEqual(auditor.at(-1), secret, 'its recipient sees it, meta and all');
  assert.ok((await log.channelPage('개발', { before: end, limit: 5 })).some((e) => e.id === secret.id), 'no viewer (the record): everything');
  await db.close();
});

test('count: local-time buckets, channels and nicks within a window', async () => {
  const db = await Database.open(':memory:');
  const log = messageLog(db);
  await log.append(rowsOf([...envelopes(90), ...envelopes(3, '공지')]));
  const nine = 9 * 3_600_000;
  const hours = await log.count('hour', { from: T0, to: T0 + 2 * 3_600_000, offsetMs: nine });
  assert.deepEqual(hours, [
    { key: T0 + nine, count: 60 + 3 },
    { key: T0 + nine + 3_600_000, count: 30 },
  ]);
  assert.deepEqual(await log.count('channel', { from: T0, to: T0 + 86_400_000 }), [
    { key: '개발', count: 90 },
    { key: '공지', count: 3 },
  ]);
  assert.deepEqual(await log.count('nick', { channel: '공지', from: T0, to: T0 + 86_400_000, limit: 2 }), [
    { key: '민수', count: 1 },
    { key: '지영', count: 1 },
  ]);
  await db.close();
});

test('a file from before the log (with search_text) is migrated once, rows and positions kept', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-log-migrate-'));
  try {
    const file = path.join(dir, 'kchat.duckdb');
    let db = await Database.open(file);
    await db.run(`CREATE TABLE messages (
      id VARCHAR NOT NULL, channel VARCHAR NOT NULL, user_id VARCHAR NOT NULL, nick VARCHAR NOT NULL, type VARCHAR NOT NULL,
      text VARCHAR NOT NULL, search_text VARCHAR NOT NULL, ts TIMESTAMPTZ, ts_ms BIGINT, reply_to VARCHAR, kafka_topic VARCHAR,
      kafka_partition INTEGER, kafka_offset BIGINT, ingested_at TIMESTAMPTZ NOT NULL, source VARCHAR NOT NULL, meta JSON,
      UNIQUE (kafka_topic, kafka_partition, kafka_offset))`);
    await db.run(`INSERT INTO messages SELECT 'm' || i, '개발', 'u', '민수', 'message', '옛날 메시지 ' || i, lower('옛날 메시지 ' || i),
      make_timestamp(${T0}000 + i * 1000000), ${T0} + i * 1000, NULL, 'chat.events', 0, i, now(), 'kafka', '{"old":true}' FROM range(5000) r(i)`);
    await db.close();

    db = await Database.open(file);
    const log = messageLog(db);
    await log.append(rowsOf(envelopes(2), 10_000));
    const cols = await db.all<{ name: string }>("SELECT column_name AS name FROM duckdb_columns() WHERE table_name = 'messages' ORDER BY column_index");
    assert.ok(!cols.some((c) => c.name === 'search_text'));
    const tail: { position: number; text: string }[] = [];
    for await (const b of log.readSince(4997, { fields: ['position', 'text'] })) for (let i = 0; i < b.size; i++) tail.push({ position: b.position[i], text: b.text[i] });
    assert.deepEqual(tail, [
      { position: 4998, text: '옛날 메시지 4998' },
      { position: 4999, text: '옛날 메시지 4999' },
      { position: 5000, text: '회의는 0시에 시작합니다' },
      { position: 5001, text: '회의는 1시에 시작합니다' },
    ]);
    assert.equal((await db.one<{ n: number }>("SELECT count(*) AS n FROM duckdb_constraints() WHERE table_name = 'messages' AND constraint_type = 'UNIQUE'"))!.n, 0, 'the offset index went too');
    await db.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a file with the (topic, partition, offset) index on messages loses it once; rows, positions and side tables kept', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-log-unique-'));
  const uniqueOnMessages = "SELECT count(*) AS n FROM duckdb_constraints() WHERE table_name = 'messages' AND constraint_type = 'UNIQUE'";
  try {
    const file = path.join(dir, 'kchat.duckdb');
    let db = await Database.open(file);
    // the layout before: today's columns, plus the index
    await db.run(createTableSql(MESSAGES).replace(/\)\s*$/, ', UNIQUE (kafka_topic, kafka_partition, kafka_offset))'));
    assert.equal((await db.one<{ n: number }>(uniqueOnMessages))!.n, 1);
    await db.run(`INSERT INTO messages SELECT 'm' || i, '개발', 'u', '민수', 'message', '예전 메시지 ' || i,
      make_timestamp(${T0}000 + i * 1000000), ${T0} + i * 1000, NULL, 'chat.events', (i % 6)::INTEGER, i // 6, now(), 'kafka', '{}' FROM range(6000) r(i)`);
    // a re-imported duplicate removed (ingest/legacy/stored.ts) leaves a gap: later rows keep their positions
    await db.run("DELETE FROM messages WHERE id IN ('m1', 'm2500')");
    const before = await db.all<{ pos: number; id: string }>("SELECT rowid::INTEGER AS pos, id FROM messages WHERE id IN ('m0', 'm2', 'm2501', 'm5999') ORDER BY rowid");
    await db.close();

    db = await Database.open(file);
    const log = messageLog(db);
    await log.append(rowsOf(envelopes(2), 10_000));
    assert.equal((await db.one<{ n: number }>(uniqueOnMessages))!.n, 0);
    const tail: { position: number; text: string }[] = [];
    for await (const b of log.readSince(5997, { fields: ['position', 'text'] })) for (let i = 0; i < b.size; i++) tail.push({ position: b.position[i], text: b.text[i] });
    assert.deepEqual(tail, [
      { position: 5998, text: '예전 메시지 5998' },
      { position: 5999, text: '예전 메시지 5999' },
      { position: 6000, text: '회의는 0시에 시작합니다' },
      { position: 6001, text: '회의는 1시에 시작합니다' },
    ]);
    const head = await db.all<{ id: string; p: number; o: number }>('SELECT id, kafka_partition AS p, kafka_offset::INTEGER AS o FROM messages ORDER BY rowid LIMIT 3');
    assert.deepEqual(head, [{ id: 'm0', p: 0, o: 0 }, { id: 'm2', p: 2, o: 0 }, { id: 'm3', p: 3, o: 0 }]);
    assert.deepEqual(await db.all("SELECT rowid::INTEGER AS pos, id FROM messages WHERE id IN ('m0', 'm2', 'm2501', 'm5999') ORDER BY rowid"), before);
    assert.deepEqual(before.map((r) => r.pos), [0, 2, 2501, 5999]);
    assert.equal((await db.one<{ n: number }>("SELECT count(*) AS n FROM messages WHERE id = '' OR source = '(gap)'"))!.n, 0, 'no placeholder left');
    await db.close();

    // opened again: nothing left to rebuild, the rows as they were
    db = await Database.open(file);
    await messageLog(db).ready();
    assert.equal((await db.one<{ n: number }>('SELECT count(*) AS n FROM messages'))!.n, 6000);
    await db.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
