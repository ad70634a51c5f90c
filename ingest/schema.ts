// The ingest tables, each spelled once as a layout (documented for auditors in
// docs/ingest.md — keep names stable: auditors' SQL reads them). The CREATE
// TABLE statements and the typed inserts both come from these layouts.
//
// Why no PRIMARY KEY on messages.id: a redelivered Kafka record is caught by
// its (topic, partition, offset), and a producer that re-sends the same
// envelope id must never wedge the consumer on a constraint error. Legacy rows
// have deterministic ids and the importer checks them before inserting.
//
// Why no UNIQUE (topic, partition, offset) on messages either (there was one
// until 2026-12): what keeps a redelivery out is ingest's high-water mark per
// partition, written in the same transaction as the rows (ingest_offsets;
// offsets below it are skipped before anything is written). The index only
// repeated that check, and DuckDB keeps it in its memory pool: ~8 bytes a row,
// 160 MiB at 20.5M rows, and at ~22M rows in npm start's 192MB pool every
// ingest commit failed with "Out of Memory Error: failed to pin block" — the
// history stopped growing. Older files lose it once (rebuildMessages).
import { createTableSql, defineTable, type Database } from '../core/db.ts';
import { logger } from '../core/log.ts';

const log = logger('ingest.schema');

/** One row per chat event, in arrival order (the message log; read it through ingest/log.ts). */
export const MESSAGES = defineTable(
  'messages',
  {
    id: 'VARCHAR NOT NULL',
    channel: 'VARCHAR NOT NULL',
    user_id: 'VARCHAR NOT NULL',
    nick: 'VARCHAR NOT NULL',
    type: 'VARCHAR NOT NULL',
    text: 'VARCHAR NOT NULL',
    ts: 'TIMESTAMPTZ',
    ts_ms: 'BIGINT',
    reply_to: 'VARCHAR',
    kafka_topic: 'VARCHAR',
    kafka_partition: 'INTEGER',
    kafka_offset: 'BIGINT',
    ingested_at: 'TIMESTAMPTZ NOT NULL',
    source: 'VARCHAR NOT NULL',
    meta: 'JSON',
  },
);

export const NICK_HISTORY = defineTable('nick_history', {
  message_id: 'VARCHAR NOT NULL',
  user_id: 'VARCHAR NOT NULL',
  old_nick: 'VARCHAR',
  new_nick: 'VARCHAR NOT NULL',
  ts: 'TIMESTAMPTZ',
  channel: 'VARCHAR',
  source: 'VARCHAR NOT NULL',
});

export const CHANNEL_MEMBERSHIP = defineTable('channel_membership', {
  message_id: 'VARCHAR NOT NULL',
  user_id: 'VARCHAR NOT NULL',
  nick: 'VARCHAR NOT NULL',
  channel: 'VARCHAR NOT NULL',
  action: 'VARCHAR NOT NULL',
  ts: 'TIMESTAMPTZ',
  source: 'VARCHAR NOT NULL',
});

/** Records the consumer refused, with their exact bytes (the DLQ may only hold a reduced copy). */
export const INGEST_ERRORS = defineTable(
  'ingest_errors',
  {
    kafka_topic: 'VARCHAR NOT NULL',
    kafka_partition: 'INTEGER NOT NULL',
    kafka_offset: 'BIGINT NOT NULL',
    kafka_key: 'BLOB',
    raw: 'BLOB',
    reason: 'VARCHAR NOT NULL',
    record_ts: 'TIMESTAMPTZ',
    ts: 'TIMESTAMPTZ NOT NULL',
  },
  ['UNIQUE (kafka_topic, kafka_partition, kafka_offset)'],
);

/**
 * The high-water mark per partition, written in the same transaction as the
 * rows: offsets below next_offset are already stored and are skipped.
 */
export const INGEST_OFFSETS = defineTable(
  'ingest_offsets',
  {
    kafka_topic: 'VARCHAR NOT NULL',
    kafka_partition: 'INTEGER NOT NULL',
    next_offset: 'BIGINT NOT NULL',
    updated_at: 'TIMESTAMPTZ NOT NULL',
  },
  ['PRIMARY KEY (kafka_topic, kafka_partition)'],
);

export const PIPELINE_RUNS = defineTable(
  'pipeline_runs',
  {
    run_id: 'VARCHAR NOT NULL',
    date: 'DATE NOT NULL',
    status: 'VARCHAR NOT NULL',
    rows: 'BIGINT NOT NULL',
    channels: 'INTEGER NOT NULL',
    duration_ms: 'BIGINT NOT NULL',
    reason: 'VARCHAR',
    path: 'VARCHAR',
    started_at: 'TIMESTAMPTZ NOT NULL',
    finished_at: 'TIMESTAMPTZ NOT NULL',
  },
  ['PRIMARY KEY (run_id)'],
);

export const INGEST_TABLES = [MESSAGES, NICK_HISTORY, CHANNEL_MEMBERSHIP, INGEST_ERRORS, INGEST_OFFSETS, PIPELINE_RUNS];

/** CREATE TABLE IF NOT EXISTS for every ingest table. Prefer ensureIngestSchema(db), which also migrates older files. */
export const INGEST_SCHEMA: readonly string[] = INGEST_TABLES.map(createTableSql);

const ready = new WeakSet<Database>();

/** Create the ingest tables, and bring a database file written by an older kchat to the current layout. */
export async function ensureIngestSchema(db: Database): Promise<void> {
  if (ready.has(db)) return;
  await db.ensureSchema(INGEST_SCHEMA);
  await rebuildMessages(db);
  // a rebuild's placeholders go in a transaction of their own (rows deleted before their insert commits are gone,
  // positions and all); this also clears those of a rebuild that stopped in between
  await removeGapHolders(db);
  ready.add(db);
}

const GAP = "'(gap)'";

/** The placeholders a rebuild held deleted rows' positions with (no real row has this source or an empty id). */
async function removeGapHolders(db: Database): Promise<void> {
  const left = await db.one<{ n: number }>(`SELECT count(*) AS n FROM messages WHERE source = ${GAP} AND id = ''`);
  if (left?.n) await db.run(`DELETE FROM messages WHERE source = ${GAP} AND id = ''`);
}

/**
 * Files written by an older kchat may have, on messages, a `search_text`
 * column (a lower-cased copy of every text that nothing read; NOT NULL, so
 * the current inserts would fail) or the UNIQUE (topic, partition, offset)
 * index (see the top of this file). DuckDB can drop neither a column before
 * an indexed one nor a constraint, so the table is rebuilt once, in one
 * transaction, rows in their order: the copy reads the table in rowid order
 * (DuckDB preserves insertion order unless told not to), so positions —
 * rowids, which readers keep (topic_progress) — stay the same. Where rows
 * were deleted (re-imported duplicates, ingest/legacy/stored.ts) a copy would
 * close the gaps and move every later position down: placeholders hold the
 * gaps during the copy and are deleted after it, as the rows were.
 */
async function rebuildMessages(db: Database): Promise<void> {
  const searchText = await db.one<{ n: number }>("SELECT count(*) AS n FROM duckdb_columns() WHERE table_name = 'messages' AND column_name = 'search_text' AND schema_name = 'main'");
  const unique = await db.one<{ n: number }>("SELECT count(*) AS n FROM duckdb_constraints() WHERE table_name = 'messages' AND constraint_type = 'UNIQUE' AND schema_name = 'main'");
  if (!searchText?.n && !unique?.n) return;
  const rows = await db.one<{ n: number; top: number | null }>('SELECT count(*) AS n, max(rowid) AS top FROM messages');
  const gaps = rows?.top === null || rows?.top === undefined ? 0 : Number(rows.top) + 1 - Number(rows.n);
  const why = [searchText?.n ? 'the unused search_text column' : '', unique?.n ? 'the (topic, partition, offset) index' : ''].filter(Boolean).join(' and ');
  log.info({ rows: Number(rows?.n ?? 0), gaps }, `messages: rebuilding the table once without ${why}…`);
  const t0 = Date.now();
  const cols = MESSAGES.columns.map((c) => c.name).join(', ');
  const held = MESSAGES.columns.map((c) => (!c.notNull ? c.name : c.name === 'source' ? `coalesce(source, ${GAP})` : c.type === 'TIMESTAMPTZ' ? `coalesce(${c.name}, now())` : `coalesce(${c.name}, '')`)).join(', ');
  await db.transaction(async (tx) => {
    await tx.run(createTableSql({ ...MESSAGES, table: 'messages_migrating' }));
    if (!gaps) await tx.run(`INSERT INTO messages_migrating SELECT ${cols} FROM messages`);
    else {
      await tx.run(
        `INSERT INTO messages_migrating SELECT ${held} FROM range(0, ${Number(rows!.top) + 1}) g(pos) LEFT JOIN (SELECT rowid AS pos, ${cols} FROM messages) m USING (pos) ORDER BY pos`,
      );
    }
    await tx.run('DROP TABLE messages');
    await tx.run('ALTER TABLE messages_migrating RENAME TO messages');
  });
  log.info({ ms: Date.now() - t0, rows: Number(rows?.n ?? 0) }, `messages: rebuilt without ${why}`);
}
