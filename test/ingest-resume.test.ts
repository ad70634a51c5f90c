// An audit node rebuilt under the same ingest group (KCHAT_INGEST_GROUP): its
// new, empty DATA_DIR must get the whole log, although the group remembers
// how far the lost database had got; and a normal restart resumes where its
// database is, without re-reading or doubling a row.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../core/config.ts';
import { Database } from '../core/db.ts';
import { ingestUntilCaughtUp, testKafka } from './helpers/kafka.ts';
import { brokers, chatEnvelope } from './helpers/ingest.ts';
import { tempDir, uniquePrefix } from './helpers/server.ts';

const list = brokers();

describe('ingest resumes from its own database, not from what the group remembers', { skip: list ? false : 'KAFKA_BROKERS is not set (npm test starts a broker)' }, () => {
  const prefix = uniquePrefix('resume');
  const env = { ...process.env, KCHAT_TOPIC_PREFIX: prefix, KCHAT_INGEST_GROUP: 'audit-resume' };

  /** Run ingest on dataDir until it has stored everything on the topic; the stored ids. */
  async function ingestOnce(dataDir: string): Promise<{ ids: string[]; stored: number }> {
    const config = loadConfig({ ...env, DATA_DIR: dataDir });
    const db = await Database.open(config.dbPath);
    try {
      const stored = await ingestUntilCaughtUp(config, db);
      const rows = await db.all<{ id: string }>('SELECT id FROM messages ORDER BY id');
      return { ids: rows.map((r) => r.id), stored };
    } finally {
      await db.close();
    }
  }

  test('a new, empty DATA_DIR under the same group gets the whole log; a restart stores nothing twice', async () => {
    const config = loadConfig({ ...env, DATA_DIR: tempDir() });
    const kafka = await testKafka(config, 'test-resume-producer');
    const sent = Array.from({ length: 300 }, (_, i) => chatEnvelope(i));
    await kafka.publish(sent);
    const want = sent.map((e) => e.id).sort();

    const first = tempDir('kchat-resume-a-');
    assert.deepEqual((await ingestOnce(first)).ids, want);

    // the same node restarted: nothing new, nothing stored again
    const again = await ingestOnce(first);
    assert.deepEqual(again.ids, want);
    assert.equal(again.stored, 0, 'a restart re-stores nothing');

    // the disk is lost: a fresh DATA_DIR, same KCHAT_INGEST_GROUP (the group has committed 300 already)
    fs.rmSync(path.join(first, 'kchat.duckdb'), { force: true });
    const more = Array.from({ length: 20 }, (_, i) => chatEnvelope(1000 + i));
    await kafka.publish(more);
    const rebuilt = await ingestOnce(tempDir('kchat-resume-b-'));
    assert.deepEqual(rebuilt.ids, [...want, ...more.map((e) => e.id)].sort(), 'the rebuilt node holds the whole log');
    await kafka.disconnect();
  });
});
