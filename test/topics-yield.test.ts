// The background topic count and a bulk that starts after it (an import's
// first rows arrive slowly and look like chat, so a count may begin on them):
// the count stops at its next batch, Kiwi's model (~0.6 GB) is not kept
// loaded while the bulk streams in, and after the bulk the count resumes and
// counts every message exactly once. Real DuckDB file, real Kiwi worker; the
// commits are the message log's own notices (ingest's consumer sends the same).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { auditFixture, corpusRows, insertMessages, type AuditFixture, type CorpusMessage } from '../audit/fixtures.ts';
import { ensureModel, modelDir } from '../core/korean/kiwi/model.ts';
import { kiwiTerms, releaseKiwi } from '../core/korean/terms.ts';
import type { KafkaClient } from '../core/kafka.ts';
import { createAuditPart } from '../server/routes/audit.ts';
import { BULK_MAX_DEFER_MS, BULK_QUIET_MS } from '../audit/topics-pace.ts';

const NOUNS = ['서버', '배포', '로그', '컨슈머', '파티션', '대시보드', '회의록', '노션', '마이그레이션', '모니터링', '장애', '일정'];
const ENDINGS = ['가 죽었어요', '를 봤는데요', ' 확인했습니다', '이 늦어졌어요', ' 끝났습니다', '에 올렸어요', ' 다시 봐 주세요'];

/** `n` messages of one September day in varied sentences, from offset `from` on. */
function messages(n: number, from: number, day = 15): CorpusMessage[] {
  return Array.from({ length: n }, (_, i) => {
    const k = from + i;
    const min = String(k % 60).padStart(2, '0');
    const hour = String(9 + (Math.floor(k / 60) % 10)).padStart(2, '0');
    return {
      id: `y${k}`,
      channel: ['dev', 'ops', 'general'][k % 3],
      nick: `사람${k % 17}`,
      text: `${NOUNS[k % NOUNS.length]}${ENDINGS[k % ENDINGS.length]} ${NOUNS[(k * 7 + 3) % NOUNS.length]} ${k}번`,
      at: `2024-09-${day} ${hour}:${min}`,
    };
  });
}

const offsetRows = (ms: CorpusMessage[], from: number) => corpusRows(ms).map((r, i) => ({ ...r, partition: 0, offset: from + i }));

let fx: AuditFixture;
before(async () => {
  await ensureModel(modelDir());
  fx = await auditFixture([]);
  await insertMessages(fx.db, offsetRows(messages(20_000, 0), 0));
});
after(async () => {
  await releaseKiwi();
  await fx.close();
});

const progress = async () => (await fx.db.one<{ last: number }>('SELECT last_rowid::DOUBLE AS last FROM topic_progress WHERE id = 1'))?.last ?? -1;
const lastRow = async () => (await fx.db.one<{ last: number }>('SELECT max(rowid)::DOUBLE AS last FROM messages'))!.last;
const counted = async () => (await fx.db.one<{ n: number }>('SELECT coalesce(sum(messages), 0)::DOUBLE AS n FROM topic_days'))!.n;

/** Start the audit part (its first count begins on what is there) and stream 1,000-row commits every second until `until()` or 20 s. */
async function bulkDuring(until: () => boolean, firstOffset: number): Promise<{ part: ReturnType<typeof createAuditPart>; next: number; atStart: Topics }> {
  const part = createAuditPart({ config: fx.config, db: fx.db, auth: fx.auth, kafka: null as unknown as KafkaClient }, { endpoint: () => null, unavailable: () => 'no search here' });
  let next = firstOffset;
  const commit = async () => {
    await insertMessages(fx.db, offsetRows(messages(1_000, next, 20), next));
    next += 1_000;
  };
  await part.start?.();
  const atStart = await topicsOf(part);
  await commit(); // an import streaming in: a 1,000-row commit every second is a bulk (audit/topics-pace.ts)
  for (let i = 0; i < 20 && !until(); i++) {
    await new Promise((r) => setTimeout(r, 1_000));
    await commit();
  }
  return { part, next, atStart };
}

type Topics = { state: string; since?: string };
/** What the part tells /healthz of its topic count. */
const topicsOf = async (part: ReturnType<typeof createAuditPart>) => (await part.health!()).topics as Topics;

/** After the bulk (quiet for 5 s or twice its commit gap) the count resumes and finishes: every message once; /healthz then says idle. */
async function countedOnceAfter(next: number, part: ReturnType<typeof createAuditPart>): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await progress()) < (await lastRow()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
  assert.equal(await progress(), await lastRow(), 'the count caught up after the bulk');
  assert.equal(await counted(), next, 'every message counted exactly once');
  while ((await topicsOf(part)).state !== 'idle' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(await topicsOf(part), { state: 'idle' });
}

test('a count begun (Kiwi loaded) before a bulk stops for it, Kiwi is released during it, every message is counted once after', async () => {
  const kiwi = kiwiTerms(fx.config).kiwi;
  assert.equal(await kiwi.ready(), true);
  let freed = false;
  void once(kiwi, 'release').then(() => (freed = true));
  const { part, next, atStart } = await bulkDuring(() => freed, 20_000);
  try {
    assert.equal(atStart.state, 'counting', '/healthz says the count runs');
    assert.ok(Date.now() - Date.parse(atStart.since!) < 60_000, 'and since when');
    assert.ok(freed, 'Kiwi was released while the bulk streamed in');
    assert.equal(kiwi.isReady(), false);
    // the count stopped at its next 2,048-row batch: no 25,000-row window was merged, so nothing is marked counted
    assert.ok((await progress()) < (await lastRow()), 'the count did not run through the bulk');
    await countedOnceAfter(next, part);
  } finally {
    await part.stop?.();
  }
});

test('a count begun while Kiwi is not loaded does not load it for a bulk that begins: the load stops, and is no failure', async () => {
  const kiwi = kiwiTerms(fx.config).kiwi;
  await kiwi.release();
  const base = (await counted()) as number;
  await insertMessages(fx.db, offsetRows(messages(20_000, base, 19), base));
  const loads = kiwi.info().loads;
  let loaded = false;
  void once(kiwi, 'load').then(() => (loaded = true));
  const start = Date.now();
  const { part, next } = await bulkDuring(() => Date.now() - start > 8_000, base + 20_000);
  try {
    assert.equal(loaded, false, 'Kiwi was not loaded during the bulk');
    assert.equal(kiwi.info().loads, loads);
    assert.notEqual(kiwi.state(), 'failed');
    assert.ok((await progress()) < (await lastRow()));
    await countedOnceAfter(next, part);
    assert.equal(kiwi.info().loads, loads + 1, 'loaded once, for the count after the bulk');
  } finally {
    await part.stop?.();
  }
});

test('a bulk during which ingest was behind: the count starts once ingest has caught up and the bulk is quiet, not BULK_MAX_DEFER_MS after the bulk began', async () => {
  const part = createAuditPart({ config: fx.config, db: fx.db, auth: fx.auth, kafka: null as unknown as KafkaClient }, { endpoint: () => null, unavailable: () => 'no search here' });
  await part.start?.();
  try {
    let next = (await counted()) as number;
    await countedOnceAfter(next, part); // its first count: whatever the earlier tests left
    // ingest catching up on a backlog: every commit says 50,000 records still wait in Kafka
    for (let i = 0; i < 3; i++) {
      await insertMessages(fx.db, offsetRows(messages(1_000, next, 21), next), undefined, 50_000);
      next += 1_000;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    assert.deepEqual(await topicsOf(part), { state: 'scheduled' }, 'no count while ingest is behind');
    assert.ok((await progress()) < (await lastRow()));
    // the commit that catches up: nothing waits any more
    await insertMessages(fx.db, offsetRows(messages(1_000, next, 21), next), undefined, 0);
    next += 1_000;
    const caughtUp = Date.now();
    const deadline = caughtUp + BULK_MAX_DEFER_MS / 5;
    while ((await progress()) < (await lastRow()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const waited = Date.now() - caughtUp;
    assert.equal(await progress(), await lastRow(), `counted ${(waited / 1000).toFixed(0)} s after ingest caught up (the bulk began ${(BULK_MAX_DEFER_MS / 1000).toFixed(0)} s before the latest it may wait for)`);
    assert.ok(waited >= BULK_QUIET_MS - 500, `not before the bulk's quiet time (${waited} ms)`);
    await countedOnceAfter(next, part);
  } finally {
    await part.stop?.();
  }
});
