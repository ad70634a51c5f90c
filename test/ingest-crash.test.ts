// SIGKILL the `kchat ingest` process at random points while 50,000 messages
// are produced; after a final restart the table holds exactly the produced
// set: no loss, no duplicates.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Database } from '../core/db.ts';
import { kafkaNames } from '../core/names.ts';
import { testKafka } from './helpers/kafka.ts';
import { brokers, chatEnvelope, repoRoot, tempEnv, until } from './helpers/ingest.ts';

const list = brokers();
const TOTAL = 50_000;
const BATCH = 1_000;

describe('ingest survives SIGKILL', { skip: list ? false : 'KAFKA_BROKERS is not set (npm test starts a broker)' }, () => {
  const t = tempEnv('ingest-crash');
  let child: ChildProcess | null = null;
  after(() => {
    child?.kill('SIGKILL');
    t.cleanup();
  });

  function startChild(): ChildProcess {
    const c = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli', 'main.ts'), 'ingest', '--session-timeout', '6000'], {
      cwd: repoRoot,
      env: t.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    c.stderr!.resume();
    return c;
  }
  const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

  test(`exactly the ${TOTAL} produced messages after random kills`, { timeout: 15 * 60_000 }, async () => {
    const kafka = await testKafka(t.config, 'test-ingest-crash');
    const admin = kafka.admin();
    await admin.connect();
    // committed offsets of the ingest group (committed only after DuckDB committed)
    const committed = async (): Promise<Map<number, number>> => {
      const [c] = await admin.fetchOffsets({ groupId: kafkaNames(t.config).groups.ingest, topics: [t.config.topics.events] });
      return new Map((c?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]));
    };
    const total = async () => [...(await committed()).values()].reduce((a, b) => a + b, 0);

    const produced = new Set<string>();
    const base = Date.UTC(2024, 7, 27, 0, 0, 0);
    const killAt = new Set<number>();
    while (killAt.size < 5) killAt.add(2 + Math.floor(Math.random() * (TOTAL / BATCH - 4)));
    child = startChild();
    let kills = 0;
    let last = 0;
    try {
      for (let b = 0; b < TOTAL / BATCH; b++) {
        // stay at most 5 batches ahead of the consumer, so kills land while it works
        await until(async () => (await total()) >= (b - 5) * BATCH, `ingest to reach batch ${b - 5}`, 5 * 60_000);
        const envs = Array.from({ length: BATCH }, (_, i) => chatEnvelope(b * BATCH + i, base + b * BATCH + i));
        await kafka.publish(envs);
        for (const e of envs) produced.add(e.id);
        if (!killAt.has(b)) continue;
        // once this consumer has committed something new, kill it at a random moment
        last = await until(async () => {
          const n = await total();
          return n > last && n;
        }, `ingest progress before kill ${kills + 1}`, 5 * 60_000);
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 300)));
        const victim = child;
        victim.kill('SIGKILL');
        await exited(victim);
        kills++;
        child = startChild();
      }
      assert.equal(kills, 5);
      await kafka.disconnect();
      assert.equal(produced.size, TOTAL);
      const highs = await admin.fetchTopicOffsets(t.config.topics.events);
      await until(
        async () => {
          const c = await committed();
          return highs.every((h) => (c.get(h.partition) ?? 0) === Number(h.high));
        },
        'ingest to commit every offset',
        10 * 60_000,
      );
    } finally {
      await admin.disconnect();
    }
    child.kill('SIGTERM');
    await exited(child);
    child = null;

    const db = await Database.open(t.config.dbPath);
    try {
      const rows = await db.all<{ id: string }>('SELECT id FROM messages');
      const ids = new Set(rows.map((r) => r.id));
      assert.equal(rows.length, TOTAL, 'no duplicates');
      assert.equal(ids.size, TOTAL);
      const missing = [...produced].filter((id) => !ids.has(id));
      assert.deepEqual(missing, [], 'no loss');
      const dupCoords = await db.one<{ n: number }>('SELECT count(*) AS n FROM (SELECT kafka_partition, kafka_offset FROM messages GROUP BY ALL HAVING count(*) > 1)');
      assert.equal(dupCoords!.n, 0);
    } finally {
      await db.close();
    }
  });
});
