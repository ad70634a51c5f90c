// Ingest consumer on the real broker and a real DuckDB file: produce → rows
// appear; poison records → chat.dlq + ingest_errors; redelivery never duplicates.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Database } from '../core/db.ts';
import { createEnvelope, serialize } from '../core/envelope.ts';
import { envelopeMessage, type KafkaClient } from '../core/kafka.ts';
import { EVENTS_PARTITIONS } from '../core/topics.ts';
import { startIngest, type IngestHandle } from '../ingest/consumer.ts';
import { parseQuery, SearchClient } from '../audit/search/index.ts';
import { SearchService } from '../search/index.ts';
import { brokers, chatEnvelope, tempEnv, until } from './helpers/ingest.ts';
import { testKafka } from './helpers/kafka.ts';

const list = brokers();

describe('ingest consumer', { skip: list ? false : 'KAFKA_BROKERS is not set (npm test starts a broker)' }, () => {
  const t = tempEnv('ingest');
  let kafka: KafkaClient;
  let db: Database;
  let ingest: IngestHandle;

  before(async () => {
    kafka = await testKafka(t.config, 'test-ingest');
    db = await Database.open(t.config.dbPath);
    ingest = await startIngest({ config: t.config, db, kafka, sessionTimeout: 6000 });
  });

  after(async () => {
    await ingest?.stop();
    await kafka?.disconnect();
    await db?.close();
    t.cleanup();
  });

  test('produced envelopes appear as rows, once each, searchable, with Kafka coordinates', async () => {
    const envs = Array.from({ length: 300 }, (_, i) => chatEnvelope(i, Date.UTC(2024, 7, 27, 3, 0, i)));
    const join = createEnvelope({ type: 'join', channel: '개발', user: { id: 'u_민수', nick: '민수' }, text: '' });
    const nick = createEnvelope({ type: 'nick', channel: 'general', user: { id: 'u_민수', nick: '민수2' }, text: '', meta: { old_nick: '민수' } });
    envs.push(join, nick);
    await kafka.publish(envs);
    await until(async () => (await db.one<{ n: number }>('SELECT count(*) AS n FROM messages'))!.n >= envs.length, 'rows in messages');
    await ingest.caughtUp();
    const rows = await db.all<{ id: string }>('SELECT id FROM messages');
    assert.deepEqual(new Set(rows.map((r) => r.id)), new Set(envs.map((e) => e.id)));
    assert.equal(rows.length, envs.length, 'no duplicates');

    const one = await db.one<Record<string, unknown>>("SELECT * FROM messages WHERE text LIKE 'ＦＵＬＬ%' LIMIT 1");
    assert.ok(one);
    assert.match(String(one.text), /^ＦＵＬＬ\u3000ＷＩＤＴＨ 글자도 검색돼야 해요 #\d+$/, 'stored as sent (cleaned, not folded)');
    assert.equal('search_text' in one, false, 'no folded copy per row: search folds at index time');
    // the search service reads the same topic (search/, its own JVM)
    const service = new SearchService(t.config, list!);
    await service.start();
    await service.sync(120_000);
    const found = await new SearchClient(service).search(parseQuery('full width 검색돼야'), { limit: 5 });
    await service.stop();
    assert.ok(found.total >= 1 && found.hits.every((h) => h.text.startsWith('ＦＵＬＬ')), 'full-width text found by its ASCII spelling (NFKC + lower case)');
    assert.equal(one.source, 'kafka');
    assert.equal(one.kafka_topic, t.config.topics.events);
    assert.equal(typeof one.kafka_offset, 'number');
    const q = await db.one<{ text: string; ts_ms: number }>("SELECT text, ts_ms FROM messages WHERE text LIKE '오늘 배포는%' ORDER BY ts_ms LIMIT 1");
    assert.match(q!.text, /^오늘 배포는 끝났나요, 아니면 내일\? #\d+$/, 'punctuation survives');

    const m = await db.all('SELECT user_id, nick, channel, action FROM channel_membership');
    assert.deepEqual(m, [{ user_id: 'u_민수', nick: '민수', channel: '개발', action: 'join' }]);
    const h = await db.all('SELECT user_id, old_nick, new_nick, channel FROM nick_history');
    assert.deepEqual(h, [{ user_id: 'u_민수', old_nick: '민수', new_nick: '민수2', channel: 'general' }]);

    const health = ingest.health();
    assert.equal(health.ok, true);
    assert.equal(health.lag, 0);
    assert.equal(health.partitions.length, EVENTS_PARTITIONS);
    assert.ok(health.partitions.filter((p) => p.next > 0).length >= 2, 'channels spread over partitions');
  });

  test('poison records reach chat.dlq and ingest_errors with raw bytes and a reason; good records still land', async () => {
    const good = createEnvelope({ type: 'message', channel: 'general', user: { id: 'u_a', nick: '지은' }, text: '멀쩡한 메시지.' });
    // a JSON-escaped lone surrogate is valid JSON: the one parser cleans it to U+FFFD
    const escaped = serialize(createEnvelope({ type: 'message', channel: 'general', user: { id: 'u_a', nick: '지은' }, text: 'x' })).replace('"text":"x"', '"text":"\\udcf9안녕"');
    const notJson = Buffer.from('{"v":1, this is not json', 'utf8');
    const wrongSchema = Buffer.from(JSON.stringify({ v: 1, id: 'x', type: 'shout', channel: 'general', user: { id: 'u', nick: 'n' }, text: 'hi', ts: 1 }), 'utf8');
    // CESU-8 bytes of U+DCF9 (a lone surrogate written as raw bytes): not UTF-8
    const surrogateBytes = Buffer.concat([Buffer.from('{"v":1,"text":"'), Buffer.from([0xed, 0xb3, 0xb9]), Buffer.from('"}')]);
    await kafka.send(t.config.topics.events, [
      { key: 'general', value: notJson },
      { key: 'general', value: wrongSchema },
      { key: 'general', value: surrogateBytes },
      { key: 'general', value: escaped },
      envelopeMessage(good),
    ]);
    const errors = await until(async () => {
      const rows = await db.all<{ raw: Uint8Array; reason: string; kafka_offset: number }>('SELECT raw, reason, kafka_offset FROM ingest_errors ORDER BY kafka_offset');
      return rows.length >= 3 && rows;
    }, 'ingest_errors rows');
    assert.equal(errors.length, 3);
    const byRaw = new Map(errors.map((e) => [Buffer.from(e.raw).toString('hex'), e.reason]));
    assert.match(byRaw.get(notJson.toString('hex'))!, /invalid JSON/);
    assert.match(byRaw.get(wrongSchema.toString('hex'))!, /field 'type'/);
    assert.match(byRaw.get(surrogateBytes.toString('hex'))!, /not valid UTF-8/);

    await until(async () => (await db.one<{ n: number }>("SELECT count(*) AS n FROM messages WHERE id = ?", [good.id]))!.n === 1, 'the good record');
    const cleaned = await db.one<{ text: string }>("SELECT text FROM messages WHERE text LIKE '%안녕' AND user_id = 'u_a'");
    assert.equal(cleaned!.text, '\uFFFD안녕');

    // the DLQ holds the same raw bytes with reason and source coordinates
    const consumer = kafka.consumer({ groupId: `dlq-reader-${Date.now()}` });
    const seen: { value: string; reason: string; offset: string }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: t.config.topics.dlq, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({ value: message.value!.toString('hex'), reason: String(message.headers!.reason), offset: String(message.headers!.source_offset) });
      },
    });
    await until(async () => seen.length >= 3, 'DLQ records');
    await consumer.disconnect();
    assert.deepEqual(new Set(seen.map((s) => s.value)), new Set([notJson, wrongSchema, surrogateBytes].map((b) => b.toString('hex'))));
    assert.deepEqual(new Set(seen.map((s) => s.offset)), new Set(errors.map((e) => String(e.kafka_offset))));
    assert.equal(ingest.health().rejected, 3);
  });

  test('a restarted consumer whose Kafka offsets were not committed skips what DuckDB already holds', async () => {
    await ingest.stop();
    const before = (await db.one<{ n: number }>('SELECT count(*) AS n FROM messages'))!.n;
    const errorsBefore = (await db.one<{ n: number }>('SELECT count(*) AS n FROM ingest_errors'))!.n;
    // a fresh group re-reads the whole topic from offset 0: a redelivery of everything
    ingest = await startIngest({ config: t.config, db, kafka, groupId: `${t.config.topics.events}-replay`, sessionTimeout: 6000 });
    const extra = chatEnvelope(9999);
    await kafka.publish(extra);
    await until(async () => (await db.one<{ n: number }>('SELECT count(*) AS n FROM messages WHERE id = ?', [extra.id]))!.n === 1, 'the new record');
    await ingest.caughtUp();
    assert.equal((await db.one<{ n: number }>('SELECT count(*) AS n FROM messages'))!.n, before + 1);
    assert.equal((await db.one<{ n: number }>('SELECT count(*) AS n FROM ingest_errors'))!.n, errorsBefore);
    assert.equal(ingest.health().heap_given_back, 0, 'a few hundred rows are no burst (BURST_ROWS)');
  });

  test('after a burst, caught up and quiet, ingest gives the heaps it grew back; a record after it is still stored', async () => {
    await ingest.stop();
    // (what DuckDB holds already is skipped, not stored again: the burst is 150 new records)
    ingest = await startIngest({ config: t.config, db, kafka, sessionTimeout: 6000, burstRows: 100 });
    await kafka.publish(Array.from({ length: 150 }, (_, i) => chatEnvelope(5000 + i, Date.UTC(2024, 7, 28, 3, 0, i))));
    await ingest.caughtUp();
    await until(async () => ingest.health().heap_given_back === 1, 'the heaps given back once the burst was stored');
    const extra = chatEnvelope(9998);
    await kafka.publish(extra);
    await until(async () => (await db.one<{ n: number }>('SELECT count(*) AS n FROM messages WHERE id = ?', [extra.id]))!.n === 1, 'a record after the collection');
    assert.ok((await db.one<{ n: number }>('SELECT count(*) AS n FROM messages WHERE ts_ms >= ?', [Date.UTC(2024, 7, 28)]))!.n >= 140, 'the burst was stored');
    assert.equal(ingest.health().heap_given_back, 1, 'one record is no new burst');
  });
});
