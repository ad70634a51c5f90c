// Writing rows into the ingest tables, shared by the Kafka consumer and the
// legacy importer. Callers run it inside `db.transaction`, so rows, side
// tables and offsets commit together.
//
// Two paths, chosen by batch size (`appendMessages`):
// - small batches (the live trickle: a few to a few hundred rows) → async
//   multi-row parameterised INSERTs. DuckDB prepares and executes async
//   statements on the libuv thread pool, so the server's event loop (websocket
//   fan-out in the same process) is never held by the write;
// - large batches (catch-up, imports) → DuckDB's appender, the fastest path,
//   whose `flushSync()` runs on the calling (main) thread.
import { BIGINT, BLOB, DuckDBBlobValue, DuckDBTimestampTZValue, DuckDBTimestampValue, INTEGER, TIMESTAMPTZ, VARCHAR, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { Session } from '../core/db.ts';
import type { Envelope } from '../core/envelope.ts';
import { searchText } from './schema.ts';

export interface MessageRow {
  id: string;
  channel: string;
  user_id: string;
  nick: string;
  type: string;
  text: string;
  /** microseconds since the epoch, or null when the source had no time */
  ts_us: bigint | null;
  /** ts_us / 1000 when the caller already has it (saves a bigint division per row) */
  ts_ms?: bigint;
  reply_to: string | null;
  kafka_topic: string | null;
  kafka_partition: number | null;
  kafka_offset: bigint | null;
  source: string;
  /** meta as a JSON document */
  meta: string;
  /** for type 'nick': the nick before the change, when known */
  old_nick?: string | null;
}

/** A Kafka envelope as a messages row. */
export function envelopeRow(e: Envelope, topic: string, partition: number, offset: bigint, meta?: string): MessageRow {
  const m = e.meta as Record<string, unknown>;
  const old = e.type === 'nick' ? pickString(m, ['old_nick', 'old', 'from', 'previous']) : null;
  return {
    id: e.id,
    channel: e.channel,
    user_id: e.user.id,
    nick: e.user.nick,
    type: e.type,
    text: e.text,
    // e.ts is a safe non-negative integer; below 9e12 ms (year 2255) ×1000 stays exact in a double
    ts_us: e.ts < 9e12 ? BigInt(e.ts * 1000) : BigInt(e.ts) * 1000n,
    ts_ms: BigInt(e.ts),
    reply_to: e.reply_to,
    kafka_topic: topic,
    kafka_partition: partition,
    kafka_offset: offset,
    source: 'kafka',
    meta: meta ?? JSON.stringify(e.meta),
    old_nick: old,
  };
}

function pickString(m: Record<string, unknown>, keys: string[]): string | null {
  for (const k of keys) if (typeof m[k] === 'string') return m[k] as string;
  return null;
}

/**
 * Batches up to this many rows go through async INSERTs (off the event loop);
 * larger ones through the appender (main thread, fastest per row).
 */
export const SMALL_BATCH_ROWS = 1000;
/** Rows per INSERT statement on the small-batch path. */
const INSERT_CHUNK_ROWS = 250;

/** Store rows in messages, nick_history and channel_membership (inside the caller's transaction). */
export async function appendMessages(tx: Session, rows: readonly MessageRow[], ingestedAtUs: bigint): Promise<void> {
  if (rows.length === 0) return;
  if (rows.length <= SMALL_BATCH_ROWS) return insertMessages(tx, rows, ingestedAtUs);
  return appendMessagesBulk(tx, rows, ingestedAtUs);
}

/** Multi-row INSERT … VALUES (?, …), (?, …) with explicit parameter types, `rows` split into chunks. */
async function insertRows(tx: Session, table: string, types: readonly DuckDBType[], rows: readonly DuckDBValue[][]): Promise<void> {
  const tuple = `(${types.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += INSERT_CHUNK_ROWS) {
    const chunk = rows.slice(i, i + INSERT_CHUNK_ROWS);
    const values: DuckDBValue[] = [];
    const valueTypes: DuckDBType[] = [];
    for (const r of chunk) {
      for (let c = 0; c < r.length; c++) {
        values.push(r[c]);
        valueTypes.push(types[c]);
      }
    }
    await tx.connection.run(`INSERT INTO ${table} VALUES ${Array(chunk.length).fill(tuple).join(', ')}`, values, valueTypes);
  }
}

const tsTz = (us: bigint | null): DuckDBValue => (us === null ? null : new DuckDBTimestampTZValue(us));

// column types in table order (ingest/schema.ts)
const MESSAGE_TYPES = [VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, TIMESTAMPTZ, BIGINT, VARCHAR, VARCHAR, INTEGER, BIGINT, TIMESTAMPTZ, VARCHAR, VARCHAR];
const NICK_TYPES = [VARCHAR, VARCHAR, VARCHAR, VARCHAR, TIMESTAMPTZ, VARCHAR, VARCHAR];
const MEMBER_TYPES = [VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, TIMESTAMPTZ, VARCHAR];
const ERROR_TYPES = [VARCHAR, INTEGER, BIGINT, BLOB, BLOB, VARCHAR, TIMESTAMPTZ, TIMESTAMPTZ];

/** The small-batch path: async INSERTs, executed by DuckDB off the main thread. Same rows as the appender path. */
export async function insertMessages(tx: Session, rows: readonly MessageRow[], ingestedAtUs: bigint): Promise<void> {
  if (rows.length === 0) return;
  const ingestedAt = new DuckDBTimestampTZValue(ingestedAtUs);
  const msgs: DuckDBValue[][] = [];
  const nicks: DuckDBValue[][] = [];
  const members: DuckDBValue[][] = [];
  for (const r of rows) {
    msgs.push([
      r.id,
      r.channel,
      r.user_id,
      r.nick,
      r.type,
      r.text,
      searchText(r.text),
      tsTz(r.ts_us),
      r.ts_us === null ? null : (r.ts_ms ?? r.ts_us / 1000n),
      r.reply_to,
      r.kafka_topic,
      r.kafka_partition,
      r.kafka_offset,
      ingestedAt,
      r.source,
      r.meta,
    ]);
    if (r.type === 'nick') nicks.push([r.id, r.user_id, r.old_nick || null, r.nick, tsTz(r.ts_us), r.channel, r.source]);
    else if (r.type === 'join' || r.type === 'leave') members.push([r.id, r.user_id, r.nick, r.channel, r.type, tsTz(r.ts_us), r.source]);
  }
  await insertRows(tx, 'messages', MESSAGE_TYPES, msgs);
  if (nicks.length) await insertRows(tx, 'nick_history', NICK_TYPES, nicks);
  if (members.length) await insertRows(tx, 'channel_membership', MEMBER_TYPES, members);
}

/** One ingest_errors row (the consumer's rejected records). */
export interface ErrorRow {
  topic: string;
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  reason: string;
  /** the record's Kafka timestamp in µs, or null */
  record_ts_us: bigint | null;
}

/** Rejected records into ingest_errors with async INSERTs (there are few; never on the main thread). */
export async function insertErrors(tx: Session, rows: readonly ErrorRow[], atUs: bigint): Promise<void> {
  if (rows.length === 0) return;
  const at = new DuckDBTimestampTZValue(atUs);
  const blob = (b: Buffer | null): DuckDBValue => (b ? new DuckDBBlobValue(new Uint8Array(b)) : null);
  await insertRows(
    tx,
    'ingest_errors',
    ERROR_TYPES,
    rows.map((e) => [e.topic, e.partition, e.offset, blob(e.key), blob(e.value), e.reason, tsTz(e.record_ts_us), at]),
  );
}

/** The large-batch path: DuckDB's appender (fastest per row; its flush runs on the calling thread). */
export async function appendMessagesBulk(tx: Session, rows: readonly MessageRow[], ingestedAtUs: bigint): Promise<void> {
  if (rows.length === 0) return;
  // TIMESTAMPTZ columns take appendTimestamp (the same int64 µs; appendTimestampTZ
  // builds a boxed DuckDB value per call, which showed up in the profile).
  const ingestedAt = new DuckDBTimestampValue(ingestedAtUs);
  const a = await tx.appender('messages');
  const nicks: MessageRow[] = [];
  const members: MessageRow[] = [];
  try {
    for (const r of rows) {
      a.appendVarchar(r.id);
      a.appendVarchar(r.channel);
      a.appendVarchar(r.user_id);
      a.appendVarchar(r.nick);
      a.appendVarchar(r.type);
      a.appendVarchar(r.text);
      a.appendVarchar(searchText(r.text));
      if (r.ts_us === null) {
        a.appendNull();
        a.appendNull();
      } else {
        a.appendTimestamp(new DuckDBTimestampValue(r.ts_us));
        a.appendBigInt(r.ts_ms ?? r.ts_us / 1000n);
      }
      if (r.reply_to === null) a.appendNull();
      else a.appendVarchar(r.reply_to);
      if (r.kafka_topic === null) a.appendNull();
      else a.appendVarchar(r.kafka_topic);
      if (r.kafka_partition === null) a.appendNull();
      else a.appendInteger(r.kafka_partition);
      if (r.kafka_offset === null) a.appendNull();
      else a.appendBigInt(r.kafka_offset);
      a.appendTimestamp(ingestedAt);
      a.appendVarchar(r.source);
      a.appendVarchar(r.meta);
      a.endRow();
      if (r.type === 'nick') nicks.push(r);
      else if (r.type === 'join' || r.type === 'leave') members.push(r);
    }
    a.flushSync();
  } finally {
    a.closeSync();
  }
  if (nicks.length) {
    const n = await tx.appender('nick_history');
    try {
      for (const r of nicks) {
        n.appendVarchar(r.id);
        n.appendVarchar(r.user_id);
        if (r.old_nick) n.appendVarchar(r.old_nick);
        else n.appendNull();
        n.appendVarchar(r.nick);
        appendTs(n, r.ts_us);
        n.appendVarchar(r.channel);
        n.appendVarchar(r.source);
        n.endRow();
      }
      n.flushSync();
    } finally {
      n.closeSync();
    }
  }
  if (members.length) {
    const c = await tx.appender('channel_membership');
    try {
      for (const r of members) {
        c.appendVarchar(r.id);
        c.appendVarchar(r.user_id);
        c.appendVarchar(r.nick);
        c.appendVarchar(r.channel);
        c.appendVarchar(r.type);
        appendTs(c, r.ts_us);
        c.appendVarchar(r.source);
        c.endRow();
      }
      c.flushSync();
    } finally {
      c.closeSync();
    }
  }
}

function appendTs(a: { appendNull(): void; appendTimestamp(v: DuckDBTimestampValue): void }, us: bigint | null): void {
  if (us === null) a.appendNull();
  else a.appendTimestamp(new DuckDBTimestampValue(us));
}

export const nowUs = (): bigint => BigInt(Date.now()) * 1000n;
