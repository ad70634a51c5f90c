// The daily Parquet pipeline on a real DuckDB file: rerun gives the same rows,
// empty day skips, a failure at any point leaves the previous output intact,
// and every run is recorded (and posted to #ops through the real broker).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Database } from '../core/db.ts';
import { parse } from '../core/envelope.ts';
import { dayRange } from '../core/time.ts';
import { opsNotifier } from '../ingest/ops.ts';
import { dayDir, parquetRoot, runBackfill, runPipeline, type PipelineResult } from '../ingest/pipeline.ts';
import { INGEST_SCHEMA } from '../ingest/schema.ts';
import { appendMessages, envelopeRow, nowUs } from '../ingest/store.ts';
import { brokers, chatEnvelope, tempEnv, until } from './helpers/ingest.ts';
import { testKafka } from './helpers/kafka.ts';

const DAY = '2024-08-27';

describe('daily pipeline', () => {
  const t = tempEnv('pipeline');
  let db: Database;
  let offset = 0n;

  async function addDayRows(date: string, n: number): Promise<string[]> {
    const { start, end } = dayRange(date, t.config.tzReports);
    const envs = Array.from({ length: n }, (_, i) => chatEnvelope(i, start + Math.floor(((end - start - 1) * i) / Math.max(1, n - 1))));
    await db.transaction((tx) => appendMessages(tx, envs.map((e) => envelopeRow(e, 'chat.events', 0, offset++)), nowUs()));
    return envs.map((e) => e.id);
  }

  async function parquetIds(date: string): Promise<string[]> {
    const glob = path.join(dayDir(t.config, date), '*.parquet');
    const rows = await db.all<{ id: string }>(`SELECT id FROM read_parquet('${glob}') ORDER BY id`);
    return rows.map((r) => r.id);
  }

  before(async () => {
    db = await Database.open(t.config.dbPath);
    await db.ensureSchema(INGEST_SCHEMA);
  });
  after(async () => {
    await db.close();
    t.cleanup();
  });

  test('exports the day (Seoul bounds) to zstd Parquet; a rerun gives the same rows and replaces the day exactly', async () => {
    const ids = await addDayRows(DAY, 500);
    await addDayRows('2024-08-26', 7); // the day before must not leak in
    await addDayRows('2024-08-28', 9); // nor the day after
    const r1 = await runPipeline({ config: t.config, db, date: DAY });
    assert.equal(r1.status, 'success');
    assert.equal(r1.rows, 500);
    assert.equal(r1.channels, 7);
    assert.deepEqual(await parquetIds(DAY), [...ids].sort());
    const meta = await db.one<{ compression: string }>(`SELECT compression FROM parquet_metadata('${path.join(dayDir(t.config, DAY), '*.parquet')}') LIMIT 1`);
    assert.equal(meta!.compression, 'ZSTD');
    // Korean text and punctuation intact in the file
    const k = await db.one<{ text: string }>(`SELECT text FROM read_parquet('${path.join(dayDir(t.config, DAY), '*.parquet')}') WHERE text LIKE '오늘 배포는%' LIMIT 1`);
    assert.match(k!.text, /^오늘 배포는 끝났나요, 아니면 내일\? #\d+$/);

    const before = fs.readdirSync(dayDir(t.config, DAY));
    const r2 = await runPipeline({ config: t.config, db, date: DAY });
    assert.equal(r2.status, 'success');
    assert.deepEqual(await parquetIds(DAY), [...ids].sort());
    assert.deepEqual(fs.readdirSync(dayDir(t.config, DAY)), before, 'no extra files after a rerun');

    const more = await addDayRows(DAY, 3);
    const r3 = await runPipeline({ config: t.config, db, date: DAY });
    assert.equal(r3.rows, 503);
    assert.deepEqual(await parquetIds(DAY), [...ids, ...more].sort());
    assert.deepEqual(fs.readdirSync(parquetRoot(t.config)).filter((n) => n.startsWith('.')), [], 'no tmp or trash left');
  });

  test('an empty day is skipped, says so, and writes nothing', async () => {
    const r = await runPipeline({ config: t.config, db, date: '2024-08-20' });
    assert.equal(r.status, 'skipped');
    assert.equal(r.rows, 0);
    assert.match(r.reason!, /no events on 2024-08-20/);
    assert.equal(fs.existsSync(dayDir(t.config, '2024-08-20')), false);
  });

  test('a failure after writing leaves the previous output intact and removes the temporary directory', async () => {
    const previous = await parquetIds(DAY);
    await addDayRows(DAY, 2);
    const r = await runPipeline({
      config: t.config,
      db,
      date: DAY,
      faults: {
        afterWrite: () => {
          throw new Error('disk full (simulated)');
        },
      },
    });
    assert.equal(r.status, 'failed');
    assert.match(r.reason!, /disk full/);
    assert.deepEqual(await parquetIds(DAY), previous);
    assert.deepEqual(fs.readdirSync(parquetRoot(t.config)).filter((n) => n.startsWith('.')), []);
  });

  test('a failure between the two renames puts the previous output back', async () => {
    const previous = await parquetIds(DAY);
    const r = await runPipeline({
      config: t.config,
      db,
      date: DAY,
      faults: {
        afterTrash: () => {
          throw new Error('power cut (simulated)');
        },
      },
    });
    assert.equal(r.status, 'failed');
    assert.deepEqual(await parquetIds(DAY), previous);
  });

  test('after a hard crash mid-swap the next run restores the old day and drops stale tmp dirs', async () => {
    const previous = await parquetIds(DAY);
    const root = parquetRoot(t.config);
    // the state a SIGKILL between "final → trash" and "tmp → final" leaves
    fs.renameSync(dayDir(t.config, DAY), path.join(root, `.trash-dt=${DAY}-0b0e6c1a-1111-4222-8333-944455556666`));
    fs.mkdirSync(path.join(root, '.tmp-0b0e6c1a-aaaa-4bbb-8ccc-9ddddeeeefff'));
    fs.writeFileSync(path.join(root, '.tmp-0b0e6c1a-aaaa-4bbb-8ccc-9ddddeeeefff', 'messages.parquet'), 'half a file');
    const r = await runPipeline({ config: t.config, db, date: '2024-08-19' }); // any run recovers first
    assert.equal(r.status, 'skipped');
    assert.deepEqual(await parquetIds(DAY), previous);
    assert.deepEqual(fs.readdirSync(root).filter((n) => n.startsWith('.')), []);
  });

  test('every run is recorded in pipeline_runs; bad dates are refused; backfill covers a range', async () => {
    await assert.rejects(runPipeline({ config: t.config, db, date: '2024-02-30' }), /YYYY-MM-DD/);
    const seen: PipelineResult[] = [];
    const runs = await runBackfill({ config: t.config, db, from: '2024-08-25', to: '2024-08-28', onDay: (r) => seen.push(r) });
    assert.deepEqual(
      runs.map((r) => [r.date, r.status]),
      [
        ['2024-08-25', 'skipped'],
        ['2024-08-26', 'success'],
        ['2024-08-27', 'success'],
        ['2024-08-28', 'success'],
      ],
    );
    assert.equal(seen.length, 4);
    const recorded = await db.all<{ status: string; n: number }>('SELECT status, count(*) AS n FROM pipeline_runs GROUP BY status ORDER BY status');
    assert.deepEqual(recorded, [
      { status: 'failed', n: 2 },
      { status: 'skipped', n: 3 },
      { status: 'success', n: 6 },
    ]);
    const last = await db.one<Record<string, unknown>>("SELECT * FROM pipeline_runs WHERE date = DATE '2024-08-28'");
    assert.equal(last!.rows, 9);
    assert.equal(last!.channels, 7);
  });

  test('results are posted to #ops as the system user through Kafka', { skip: brokers() ? false : 'KAFKA_BROKERS is not set' }, async () => {
    const kafka = await testKafka(t.config, 'test-pipeline');
    const notify = opsNotifier((e) => kafka.publish(e));
    await runPipeline({ config: t.config, db, date: DAY, notify });
    await runPipeline({ config: t.config, db, date: '2024-08-18', notify });
    const consumer = kafka.consumer({ groupId: `ops-reader-${Date.now()}` });
    const got: ReturnType<typeof parse>[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: t.config.topics.events, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(parse(message.value)) });
    await until(async () => got.length >= 2, 'two #ops posts');
    await consumer.disconnect();
    await kafka.disconnect();
    const envs = got.map((g) => (g.ok ? g.envelope : assert.fail(g.reason)));
    assert.deepEqual(
      envs.map((e) => [e.type, e.channel, e.user.id, e.user.nick, e.meta.kind, e.meta.status, e.meta.date]),
      [
        ['system', 'ops', 'system', 'system', 'pipeline', 'success', DAY],
        ['system', 'ops', 'system', 'system', 'pipeline', 'skipped', '2024-08-18'],
      ],
    );
    assert.equal(envs[0].meta.rows, 505);
    assert.equal(envs[0].meta.channels, 7);
    assert.equal(typeof envs[0].meta.duration_ms, 'number');
    assert.match(String(envs[1].meta.reason), /no events/);
  });
});
