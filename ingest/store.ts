// Rows for the ingest tables (ingest/schema.ts), shared by the message log's
// append (Kafka consumer, legacy importer) and the consumer's error records.
// Callers run them inside one transaction, so rows, side tables and offsets
// commit together. core/db.ts picks the write path by batch size: async
// multi-row INSERTs for the live trickle (off the event loop), the appender
// for catch-up and imports.
import type { InsertOptions, Session } from '../core/db.ts';
import type { Envelope } from '../core/envelope.ts';
import { CHANNEL_MEMBERSHIP, INGEST_ERRORS, MESSAGES, NICK_HISTORY } from './schema.ts';
import { legacyColumns } from './legacy/stored.ts';

export { SMALL_BATCH_ROWS } from '../core/db.ts';

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

/** Where a nick change's meta may carry the previous nick, first match wins (kchat writes old_nick; older producers the others). */
export const OLD_NICK_KEYS: readonly string[] = ['old_nick', 'old', 'from', 'previous'];

/** A Kafka envelope as a messages row. */
export function envelopeRow(e: Envelope, topic: string, partition: number, offset: bigint, meta?: string): MessageRow {
  const m = e.meta as Record<string, unknown>;
  const old = e.type === 'nick' ? pickString(m, OLD_NICK_KEYS) : null;
  // imported history (kchat import-legacy): its file as source, its exact time or none
  const legacy = legacyColumns(e);
  if (legacy) {
    return {
      ...envelopeRowLive(e, topic, partition, offset, meta, old),
      source: legacy.source,
      ts_us: legacy.ts_us,
      ts_ms: legacy.ts_us === null ? undefined : legacy.ts_us / 1000n,
    };
  }
  return envelopeRowLive(e, topic, partition, offset, meta, old);
}

function envelopeRowLive(e: Envelope, topic: string, partition: number, offset: bigint, meta: string | undefined, old: string | null): MessageRow {
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

function pickString(m: Record<string, unknown>, keys: readonly string[]): string | null {
  for (const k of keys) if (typeof m[k] === 'string') return m[k] as string;
  return null;
}

/** A row in MESSAGES' column order (the layout is spelled once, in ingest/schema.ts). */
export function messageValues(r: MessageRow, ingestedAtUs: bigint): unknown[] {
  return [
    r.id,
    r.channel,
    r.user_id,
    r.nick,
    r.type,
    r.text,
    r.ts_us,
    r.ts_us === null ? null : (r.ts_ms ?? r.ts_us / 1000n),
    r.reply_to,
    r.kafka_topic,
    r.kafka_partition,
    r.kafka_offset,
    ingestedAtUs,
    r.source,
    r.meta,
  ];
}

/** Store rows in messages, nick_history and channel_membership (inside the caller's transaction). */
export async function appendMessages(tx: Session, rows: readonly MessageRow[], ingestedAtUs: bigint, options: InsertOptions = {}): Promise<void> {
  if (rows.length === 0) return;
  const msgs: unknown[][] = new Array(rows.length);
  const nicks: unknown[][] = [];
  const members: unknown[][] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    msgs[i] = messageValues(r, ingestedAtUs);
    sideRows(r, nicks, members);
  }
  await tx.insert(MESSAGES, msgs, options);
  await tx.insert(NICK_HISTORY, nicks, options);
  await tx.insert(CHANNEL_MEMBERSHIP, members, options);
}

/** A row's entries in the side tables: nick changes → nick_history, joins and leaves → channel_membership (layout order). */
export function sideRows(r: MessageRow, nicks: unknown[][], members: unknown[][]): void {
  if (r.type === 'nick') nicks.push([r.id, r.user_id, r.old_nick || null, r.nick, r.ts_us, r.channel, r.source]);
  else if (r.type === 'join' || r.type === 'leave') members.push([r.id, r.user_id, r.nick, r.channel, r.type, r.ts_us, r.source]);
}

/** One ingest_errors row (the consumer's rejected records). */
export interface ErrorRow {
  topic: string;
  partition: number;
  offset: bigint;
  key: Buffer | null;
  /** the exact bytes of the record, whatever the DLQ could take */
  value: Buffer | null;
  reason: string;
  /** the record's Kafka timestamp in µs, or null */
  record_ts_us: bigint | null;
}

/** Rejected records into ingest_errors (inside the caller's transaction). */
export async function insertErrors(tx: Session, rows: readonly ErrorRow[], atUs: bigint, options: InsertOptions = {}): Promise<void> {
  await tx.insert(
    INGEST_ERRORS,
    rows.map((e) => [e.topic, e.partition, e.offset, e.key, e.value, e.reason, e.record_ts_us, atUs]),
    options,
  );
}

export const nowUs = (): bigint => BigInt(Date.now()) * 1000n;
