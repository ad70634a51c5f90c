// A new audit node from another node's daily Parquet plus the log after it
// (`kchat restore --from DIR`): the snapshot is used up to its first missing
// offset (here a record refused to the DLQ), everything after comes from
// Kafka, and the new node ends up holding exactly what the old one holds —
// having read only the log after the gap.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../core/config.ts';
import { Database } from '../core/db.ts';
import { createEnvelope, type Envelope } from '../core/envelope.ts';
import { parquetRoot, runPipeline } from '../ingest/index.ts';
import { ingestUntilCaughtUp, testKafka } from './helpers/kafka.ts';
import { brokers } from './helpers/ingest.ts';
import { repoRoot, tempDir, uniquePrefix } from './helpers/server.ts';

const list = brokers();
const CHANNEL = '복원훈련';
const KST_NOON = (date: string) => Date.parse(`${date}T12:00:00+09:00`);

function said(i: number, ts: number, nick = '민수'): Envelope {
  return createEnvelope({ type: 'message', channel: CHANNEL, user: { id: 'u_restore', nick }, text: `스냅숏에서 ${i}번째 말을 되살려요`, ts: ts + i });
}

function kchat(args: string[], env: NodeJS.ProcessEnv): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli', 'main.ts'), ...args], { cwd: repoRoot, env: { ...env, NODE_ENV: 'test', LOG_LEVEL: 'warn' }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('kchat restore: a new audit node from a Parquet snapshot plus the log after it', { skip: list ? false : 'KAFKA_BROKERS is not set (npm test starts a broker)' }, () => {
  test('the snapshot up to its first gap, the rest from Kafka: the same messages as the old node, none twice', async () => {
    const prefix = uniquePrefix('restore');
    const envA = { ...process.env, KCHAT_TOPIC_PREFIX: prefix, KCHAT_INGEST_GROUP: 'audit-a', DATA_DIR: tempDir('kchat-restore-a-') };
    const a = loadConfig(envA);
    const kafka = await testKafka(a, 'test-restore');
    const day1 = Array.from({ length: 10 }, (_, i) => said(i, KST_NOON('2024-08-27')));
    day1[3] = createEnvelope({ type: 'nick', channel: CHANNEL, user: { id: 'u_restore', nick: '민수짱' }, text: '민수 → 민수짱', meta: { old: '민수', new: '민수짱' }, ts: KST_NOON('2024-08-27') + 3 });
    day1[5] = createEnvelope({ type: 'join', channel: CHANNEL, user: { id: 'u_restore2', nick: '지은' }, text: '', ts: KST_NOON('2024-08-27') + 5 });
    const day2 = Array.from({ length: 10 }, (_, i) => said(10 + i, KST_NOON('2024-08-28'), '민수짱'));
    await kafka.publish([...day1, ...day2]); // offsets 0–19 of the channel's partition
    await kafka.send(a.topics.events, [{ key: CHANNEL, value: '{"v":1,"type":"message" 깨진 레코드' }]); // offset 20: refused to the DLQ, never a row
    const late = Array.from({ length: 5 }, (_, i) => said(30 + i, KST_NOON('2024-08-28'), '민수짱'));
    await kafka.publish(late); // offsets 21–25

    // node A stores all of it and writes the daily Parquet of both days
    const dbA = await Database.open(a.dbPath);
    try {
      await ingestUntilCaughtUp(a, dbA);
      for (const date of ['2024-08-27', '2024-08-28']) assert.equal((await runPipeline({ config: a, db: dbA, date })).status, 'success');
    } finally {
      await dbA.close();
    }
    const today = Array.from({ length: 5 }, (_, i) => said(40 + i, Date.now()));
    await kafka.publish(today); // offsets 26–30: not in any snapshot yet
    await kafka.disconnect();

    // node B: an empty DATA_DIR, its own group, restored from A's Parquet
    const envB = { ...envA, KCHAT_INGEST_GROUP: 'audit-b', DATA_DIR: tempDir('kchat-restore-b-') };
    const r = kchat(['restore', '--from', parquetRoot(a), '--json'], envB);
    assert.equal(r.code, 0, r.err);
    const result = JSON.parse(r.out) as { files: number; rows: number; left_to_log: number; partitions: { partition: number; resume_at: number }[]; copied_days: string[] };
    assert.equal(result.files, 2);
    assert.equal(result.rows, 20, 'offsets 0–19 come from the snapshot');
    assert.equal(result.left_to_log, 5, 'the rows after the gap (21–25) are left to the log');
    assert.deepEqual(result.copied_days, ['dt=2024-08-27', 'dt=2024-08-28']);
    const resumed = result.partitions.filter((p) => p.resume_at > 0);
    assert.deepEqual(resumed.map((p) => p.resume_at), [20], 'ingest resumes at the refused record, the first gap');

    const b = loadConfig(envB);
    const dbB = await Database.open(b.dbPath);
    try {
      const stored = await ingestUntilCaughtUp(b, dbB);
      assert.equal(stored, 10, 'node B read only the log after the gap (21–30), not the whole log');
      const ids = (await dbB.all<{ id: string }>('SELECT id FROM messages WHERE channel = ? ORDER BY id', [CHANNEL])).map((x) => x.id);
      const want = [...day1, ...day2, ...late, ...today].map((e) => e.id).sort();
      assert.deepEqual(ids, want, 'B holds exactly what was sent, each once');
      const nick = await dbB.one<{ old_nick: string; new_nick: string }>('SELECT old_nick, new_nick FROM nick_history WHERE message_id = ?', [day1[3].id]);
      assert.deepEqual(nick, { old_nick: '민수', new_nick: '민수짱' }, 'side tables are filled as ingest fills them');
      const dlq = await dbB.one<{ n: number }>('SELECT count(*) AS n FROM ingest_errors');
      assert.equal(Number(dlq?.n), 1, 'the refused record is refused again on B, not lost from its record');
      // row for row what A's ingest stored: every column but the time of storing
      const dbA2 = await Database.open(a.dbPath);
      try {
        const rowsOf = (db: Database, sql: string) => db.all<Record<string, unknown>>(sql).then((rows) => JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
        const messages = `SELECT id, channel, user_id, nick, type, text, epoch_us(ts) AS ts, ts_ms, reply_to, kafka_topic, kafka_partition, kafka_offset, source, CAST(meta AS VARCHAR) AS meta
                          FROM messages WHERE kafka_offset < 26 ORDER BY kafka_offset`;
        assert.equal(await rowsOf(dbB, messages), await rowsOf(dbA2, messages));
        for (const side of ['SELECT * EXCLUDE (ts), epoch_us(ts) AS ts FROM nick_history ORDER BY message_id', 'SELECT * EXCLUDE (ts), epoch_us(ts) AS ts FROM channel_membership ORDER BY message_id']) {
          assert.equal(await rowsOf(dbB, side), await rowsOf(dbA2, side), side);
        }
        assert.equal(Number((await dbB.one<{ n: number }>('SELECT count(*) AS n FROM channel_membership'))?.n), 1, 'the join is a membership row');
      } finally {
        await dbA2.close();
      }
    } finally {
      await dbB.close();
    }

    // a node that already holds messages is not overwritten; a folder without Parquet is named
    const again = kchat(['restore', '--from', parquetRoot(a)], envB);
    assert.equal(again.code, 2);
    assert.match(again.err, /이미 메시지 30개가 있습니다/);
    const empty = kchat(['restore', '--from', tempDir('kchat-restore-empty-')], { ...envA, DATA_DIR: tempDir() });
    assert.equal(empty.code, 2);
    assert.match(empty.err, /dt=YYYY-MM-DD\/\*\.parquet 파일이 없습니다/);
  });
});
