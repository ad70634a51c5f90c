// Writing rows into the ingest tables with DuckDB's appender (the bulk path),
// shared by the Kafka consumer and the legacy importer. Callers run it inside
// `db.transaction`, so rows, side tables and offsets commit together.
import { DuckDBTimestampValue } from '@duckdb/node-api';
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

/** Append rows to messages, nick_history and channel_membership (inside the caller's transaction). */
export async function appendMessages(tx: Session, rows: readonly MessageRow[], ingestedAtUs: bigint): Promise<void> {
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
