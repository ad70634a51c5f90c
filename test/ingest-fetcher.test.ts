// Ingest's fetcher thread (ingest/fetcher.ts) keeps fetching while earlier
// batches are being committed. This proves what the overlap must never cost:
// when DuckDB commits fail while later batches are handed over, they are
// written again in order — the table ends with exactly the produced set,
// nothing twice, and no Kafka offset ever passed what DuckDB held.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Database } from '../core/db.ts';
import type { KafkaClient } from '../core/kafka.ts';
import { startIngest, type IngestHandle } from '../ingest/consumer.ts';
import { brokers, chatEnvelope, tempEnv, until } from './helpers/ingest.ts';
import { testKafka } from './helpers/kafka.ts';

const list = brokers();

describe('ingest fetcher thread', { skip: list ? false : 'KAFKA_BROKERS is not set (npm test starts a broker)' }, () => {
  const t = tempEnv('ingest-fetcher');
  let kafka: KafkaClient | null = null;
  let db: Database | null = null;
  let ingest: IngestHandle | null = null;
  after(async () => {
    await ingest?.stop();
    await kafka?.disconnect();
    await db?.close();
    t.cleanup();
  });

  test('failed DuckDB commits while later batches are in flight: exactly the produced set, Kafka offsets never ahead of DuckDB', { timeout: 180_000 }, async () => {
    kafka = await testKafka(t.config, 'test-ingest-fetcher');
    db = await Database.open(t.config.dbPath);
    const admin = kafka.admin();
    await admin.connect();
    const produced: string[] = [];
    const publish = async (from: number, n: number) => {
      const envs = Array.from({ length: n }, (_, i) => chatEnvelope(from + i, Date.UTC(2024, 7, 27, 4, 0, 0) + from + i));
      for (let i = 0; i < envs.length; i += 500) await kafka!.publish(envs.slice(i, i + 500));
      produced.push(...envs.map((e) => e.id));
    };
    await publish(0, 6000);

    // the first three attempts to store rows fail (the spooled insert and its one-by-one retry alike)
    let failures = 0;
    const committedAhead: string[] = [];
    db.injectFault((sql) => (/INSERT INTO messages/.test(sql) && failures++ < 6 ? new Error(`테스트: 쓰기 실패 #${failures}`) : null));
    ingest = await startIngest({ config: t.config, db, kafka, sessionTimeout: 6000 });
    // more records while the failures and rebuilds happen
    await publish(6000, 4000);
    await until(async () => {
      // Kafka's committed offsets never pass DuckDB's marks
      const [c] = await admin.fetchOffsets({ groupId: kafka!.names.groups.ingest, topics: [t.config.topics.events] });
      const marks = new Map((await db!.all<{ p: number; n: number }>('SELECT kafka_partition AS p, next_offset AS n FROM ingest_offsets')).map((r) => [r.p, Number(r.n)]));
      for (const p of c?.partitions ?? []) if (Number(p.offset) > (marks.get(p.partition) ?? 0)) committedAhead.push(`${p.partition}: ${p.offset} > ${marks.get(p.partition)}`);
      return (await db!.one<{ n: number }>('SELECT count(*) AS n FROM messages'))!.n >= produced.length;
    }, 'every produced message stored', 150_000);
    await ingest.caughtUp();
    await admin.disconnect();

    assert.ok(failures >= 6, `the injected failures happened (${failures})`);
    assert.deepEqual(committedAhead, [], 'no Kafka offset was committed past DuckDB');
    const rows = await db.all<{ id: string }>('SELECT id FROM messages');
    assert.equal(rows.length, produced.length, 'nothing twice');
    assert.deepEqual(new Set(rows.map((r) => r.id)), new Set(produced), 'nothing lost');
    const h = ingest.health();
    assert.equal(h.state, 'running');
    assert.equal(h.lag, 0);
    assert.equal(h.ok, true, 'healthy again after the next commit');
    assert.equal(h.error, undefined);
    assert.match(h.last_error ?? '', /쓰기 실패/, 'health names the last failure');
    // the spool files of committed and dropped batches are gone
    const spool = path.join(path.dirname(t.config.dbPath), 'ingest-spool');
    const left = fs.readdirSync(spool).flatMap((d) => fs.readdirSync(path.join(spool, d)));
    assert.deepEqual(left, []);
  });
});
