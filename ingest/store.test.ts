// The two write paths of core/db.ts's insert, as ingest uses them (async INSERTs for small batches, the
// appender for large ones) must store exactly the same rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Database } from '../core/db.ts';
import { ensureIngestSchema } from './schema.ts';
import { appendMessages, insertErrors, SMALL_BATCH_ROWS, type MessageRow } from './store.ts';

function rows(n: number, topic: string | null): MessageRow[] {
  const kinds = ['message', 'join', 'leave', 'nick', 'bot', 'system'];
  return Array.from({ length: n }, (_, i) => {
    const type = kinds[i % kinds.length];
    const ts = i % 7 === 3 ? null : BigInt(1724717675000 + i) * 1000n + BigInt(i % 1000);
    return {
      id: `id-${i}`,
      channel: i % 2 ? '개발' : 'general',
      user_id: `u_${i % 5}`,
      nick: `민수${i % 5}`,
      type,
      text: i % 3 ? `안녕하세요 Ｈｅｌｌｏ 😀 ${i}\n\t탭` : 'x',
      ts_us: ts,
      ...(i % 2 && ts !== null ? { ts_ms: ts / 1000n } : {}),
      reply_to: i % 4 ? null : `id-${i - 1}`,
      kafka_topic: topic,
      kafka_partition: topic === null ? null : i % 6,
      kafka_offset: topic === null ? null : BigInt(i),
      source: topic === null ? 'legacy:x.log' : 'kafka',
      meta: JSON.stringify(i % 2 ? { ref: `r${i}`, 한글: '값' } : {}),
      old_nick: type === 'nick' ? (i % 4 ? `old${i}` : null) : undefined,
    };
  });
}

async function dump(db: Database): Promise<string> {
  const q = async (sql: string) => JSON.stringify(await db.all(sql));
  return [
    await q('SELECT * EXCLUDE (ingested_at), epoch_us(ingested_at) AS at FROM messages ORDER BY id'),
    await q('SELECT * FROM nick_history ORDER BY message_id'),
    await q('SELECT * FROM channel_membership ORDER BY message_id'),
  ].join('\n');
}

test('async INSERT path and appender path store identical rows', async () => {
  const at = 1732450000123456n;
  for (const topic of ['chat.events', null]) {
    const data = rows(300, topic);
    const a = await Database.open(':memory:');
    const b = await Database.open(':memory:');
    await ensureIngestSchema(a);
    await ensureIngestSchema(b);
    await a.transaction((tx) => appendMessages(tx, data, at, { via: 'insert' }));
    await b.transaction((tx) => appendMessages(tx, data, at, { via: 'appender' }));
    const da = await dump(a);
    assert.equal(da, await dump(b));
    assert.equal((await a.one<{ n: number }>('SELECT count(*) AS n FROM messages'))!.n, 300);
    await a.close();
    await b.close();
  }
});

test('appendMessages picks a path by size; a rejected record keeps its exact bytes', async () => {
  const db = await Database.open(':memory:');
  await ensureIngestSchema(db);
  const big = rows(SMALL_BATCH_ROWS + 1, 'chat.events');
  await db.transaction((tx) => appendMessages(tx, big, 1n));
  assert.equal((await db.one<{ n: number }>('SELECT count(*) AS n FROM messages'))!.n, SMALL_BATCH_ROWS + 1);
  // (a redelivery is kept out by ingest's high-water marks, not by an index: ingest/schema.ts)
  await db.transaction((tx) =>
    insertErrors(tx, [{ topic: 't', partition: 1, offset: 5n, key: Buffer.from('k'), value: Buffer.from([0xed, 0xa0, 0x80]), reason: 'bad', record_ts_us: 1000n }], 3n),
  );
  const e = await db.one<{ raw: Uint8Array; kafka_offset: number }>('SELECT raw, kafka_offset FROM ingest_errors');
  assert.deepEqual([...e!.raw], [0xed, 0xa0, 0x80]);
  assert.equal(e!.kafka_offset, 5);
  await db.close();
});
