// The ingest tables (documented for auditors in docs/ingest.md — keep names
// stable: the audit side reads `messages` for search and statistics).
//
// Why no PRIMARY KEY on messages.id: a redelivered Kafka record is caught by
// its (topic, partition, offset), and a producer that re-sends the same
// envelope id must never wedge the consumer on a constraint error. Legacy rows
// have deterministic ids and the importer checks them before inserting.

export const INGEST_SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS messages (
     id VARCHAR NOT NULL,
     channel VARCHAR NOT NULL,
     user_id VARCHAR NOT NULL,
     nick VARCHAR NOT NULL,
     type VARCHAR NOT NULL,
     text VARCHAR NOT NULL,
     search_text VARCHAR NOT NULL,
     ts TIMESTAMPTZ,
     ts_ms BIGINT,
     reply_to VARCHAR,
     kafka_topic VARCHAR,
     kafka_partition INTEGER,
     kafka_offset BIGINT,
     ingested_at TIMESTAMPTZ NOT NULL,
     source VARCHAR NOT NULL,
     meta JSON,
     UNIQUE (kafka_topic, kafka_partition, kafka_offset)
   )`,
  `CREATE TABLE IF NOT EXISTS nick_history (
     message_id VARCHAR NOT NULL,
     user_id VARCHAR NOT NULL,
     old_nick VARCHAR,
     new_nick VARCHAR NOT NULL,
     ts TIMESTAMPTZ,
     channel VARCHAR,
     source VARCHAR NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS channel_membership (
     message_id VARCHAR NOT NULL,
     user_id VARCHAR NOT NULL,
     nick VARCHAR NOT NULL,
     channel VARCHAR NOT NULL,
     action VARCHAR NOT NULL,
     ts TIMESTAMPTZ,
     source VARCHAR NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS ingest_errors (
     kafka_topic VARCHAR NOT NULL,
     kafka_partition INTEGER NOT NULL,
     kafka_offset BIGINT NOT NULL,
     kafka_key BLOB,
     raw BLOB,
     reason VARCHAR NOT NULL,
     record_ts TIMESTAMPTZ,
     ts TIMESTAMPTZ NOT NULL,
     UNIQUE (kafka_topic, kafka_partition, kafka_offset)
   )`,
  // The high-water mark per partition, written in the same transaction as the
  // rows: offsets below next_offset are already stored and are skipped.
  `CREATE TABLE IF NOT EXISTS ingest_offsets (
     kafka_topic VARCHAR NOT NULL,
     kafka_partition INTEGER NOT NULL,
     next_offset BIGINT NOT NULL,
     updated_at TIMESTAMPTZ NOT NULL,
     PRIMARY KEY (kafka_topic, kafka_partition)
   )`,
  `CREATE TABLE IF NOT EXISTS pipeline_runs (
     run_id VARCHAR PRIMARY KEY,
     date DATE NOT NULL,
     status VARCHAR NOT NULL,
     rows BIGINT NOT NULL,
     channels INTEGER NOT NULL,
     duration_ms BIGINT NOT NULL,
     reason VARCHAR,
     path VARCHAR,
     started_at TIMESTAMPTZ NOT NULL,
     finished_at TIMESTAMPTZ NOT NULL
   )`,
];

/** Column order of `messages`, as the appender writes it. */
export const MESSAGE_COLUMNS = [
  'id',
  'channel',
  'user_id',
  'nick',
  'type',
  'text',
  'search_text',
  'ts',
  'ts_ms',
  'reply_to',
  'kafka_topic',
  'kafka_partition',
  'kafka_offset',
  'ingested_at',
  'source',
  'meta',
] as const;

/** The normalised text auditors search: NFKC (full-width → ASCII, compatibility jamo) + lower case. */
export function searchText(text: string): string {
  // Fast path (ingest calls this for every row): printable ASCII, \t, \n and
  // precomposed Hangul syllables (U+AC00–U+D7A3) are unchanged by NFKC (no
  // compatibility mapping, no composition partner), so only the case folding
  // is left. Compatibility jamo (ㅋ) and everything else take the full path.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 ? c < 0x7f || (c >= 0xac00 && c <= 0xd7a3) : c === 0x0a || c === 0x09) continue;
    return text.normalize('NFKC').toLowerCase();
  }
  return text.toLowerCase();
}
