// The message log: every chat event ingest stored, in arrival order, in the
// DuckDB table `messages` (layout: ingest/schema.ts). Ingest owns it; every
// other room reads it through this interface and writes no SQL of its own
// against `messages`:
//
//   log.append(rows, {also})       ingest's own writes (consumer, legacy import): one transaction
//   log.readSince(position, …)     rows after a position, in column batches (topic counts; the search service reads Kafka itself)
//   log.channelPage(channel, …)    a channel's older events as members see them now (gateway history)
//   log.message(id), log.context(id, …), log.thread(id, …)
//                                  a message with every version, the events around it, its replies (ingest/versions.ts)
//   log.onCommit(listener)         told after every commit that added rows (instead of polling)
//
// A position is the row's DuckDB rowid: `messages` is append-only, so rowids
// grow with arrival order, and "everything after position p" is exact.
// One MessageLog per Database (messageLog(db)), so a commit reaches every
// listener of the process.
import type { Database, InsertOptions, Session } from '../core/db.ts';
import type { Envelope } from '../core/envelope.ts';
import { CHANGE_TYPES } from '../core/protocol.ts';
import { logger } from '../core/log.ts';
import { readSpool, spoolInsertSql } from '../core/db-spool.ts';
import { RECORD_LINES } from './record-lines.ts';
import { rowEnvelope } from './rows.ts';
import { CHANNEL_MEMBERSHIP, ensureIngestSchema, MESSAGES, NICK_HISTORY } from './schema.ts';
import { isBug } from './status.ts';
import { appendMessages, nowUs, type MessageRow } from './store.ts';
import { latestState, messageContext, messageRecord, threadOf, type MessageContext, type MessageRecord, type Thread } from './versions.ts';

const log = logger('ingest.log');

/** Where a reader stands in the log: the position of the last row it has read (−1 = before the first). */
export type LogPosition = number;

/** What a reader can ask for, and how each field is read (the one way: times as epoch ms, offsets as numbers). */
const FIELDS = {
  position: 'rowid::DOUBLE',
  id: 'id',
  channel: 'channel',
  user_id: 'user_id',
  nick: 'nick',
  type: 'type',
  text: 'text',
  /** epoch ms, null for legacy records that had no time */
  ts: 'ts_ms::DOUBLE',
  reply_to: 'reply_to',
  topic: 'kafka_topic',
  partition: 'kafka_partition',
  offset: 'kafka_offset::DOUBLE',
  source: 'source',
  /** the envelope's meta as JSON text */
  meta: 'CAST(meta AS VARCHAR)',
  /** an ephemeral answer (meta.visible_to): meant for some people only, never for member-facing search */
  restricted: "(json_type(meta, '$.visible_to') IS NOT NULL)",
} as const;
export type LogField = keyof typeof FIELDS;

/** What each field reads as (the text fields are never NULL; ts, reply_to and the Kafka coordinates may be). */
type FieldTypes = { position: number; ts: number | null; partition: number | null; offset: number | null; restricted: boolean } & Record<'id' | 'channel' | 'user_id' | 'nick' | 'type' | 'text' | 'source', string> &
  Record<'reply_to' | 'topic' | 'meta', string | null>;

/** A batch of rows (up to 2,048), column by column: `batch.text[i]` is row i's text. */
export type LogBatch<F extends LogField> = { size: number } & { [K in F]: FieldTypes[K][] };

export interface ReadOptions<F extends LogField> {
  fields: readonly F[];
  /** only these event types (default: all) */
  types?: readonly string[];
  /** only rows after this position */
  after?: LogPosition;
  /** only events at or after / before these instants (epoch ms); rows without a time are left out when either is given */
  from?: number;
  to?: number;
  channel?: string;
  /** `arrival` (default: the log's own order), `time` (ts, then arrival) or `channel` (channel, ts, arrival: exports by channel and day) */
  order?: 'arrival' | 'time' | 'channel';
}

const ORDER_SQL = { arrival: '', time: ' ORDER BY ts_ms, rowid', channel: ' ORDER BY channel, ts_ms, rowid' } as const;

/** Filters of a count: a time window, a channel, event types. */
export type CountFilter = Pick<ReadOptions<never>, 'from' | 'to' | 'channel' | 'types'>;

/** Sizes of what lies after a position (a reader pre-allocates with it). */
export interface LogSizes {
  rows: number;
  /** UTF-8 bytes of the ids / texts, and the texts' UTF-16 length */
  idBytes: number;
  textBytes: number;
  textChars: number;
}

export interface CommitNotice {
  /** rows the commit added */
  rows: number;
  /** channels they belong to */
  channels: string[];
  /** records ingest knows are still waiting in Kafka after this commit (when the writer knows: ingest's consumer) */
  backlog?: number;
}

export interface PageOptions {
  /** events strictly older than this: epoch ms, or the id of an event (its time is used) */
  before: number | string;
  limit: number;
  /** the user reading: events meant for others only (`meta.visible_to` without them) are left out; omit for auditors */
  viewer?: string;
}

/** Rows spooled to files by ingest's fetcher: the files, how many rows and which channels they hold, and their side-table rows. */
export interface SpooledRows {
  files: string[];
  rows: number;
  channels: string[];
  nicks: unknown[][];
  members: unknown[][];
  /** records still waiting in Kafka behind these (told to commit listeners) */
  backlog?: number;
}

export class MessageLog {
  private readonly listeners = new Set<(n: CommitNotice) => void>();
  private schema: Promise<void> | null = null;

  constructor(private readonly db: Database) {}

  /** The tables exist (and an older file is migrated); every method awaits this itself. */
  ready(): Promise<void> {
    this.schema ??= ensureIngestSchema(this.db).catch((err) => {
      this.schema = null;
      throw err;
    });
    return this.schema;
  }

  /**
   * Store rows (and whatever `also` writes: offsets, rejected records) in one
   * transaction; listeners are told after it committed (with `backlog`, what
   * the writer knows still waits in Kafka behind them).
   */
  async append(rows: readonly MessageRow[], options: InsertOptions & { also?: (tx: Session) => Promise<void>; backlog?: number } = {}): Promise<void> {
    await this.ready();
    await this.db.transaction(async (tx) => {
      await appendMessages(tx, rows, nowUs(), options);
      await options.also?.(tx);
    });
    if (rows.length > 0) this.notify(rows, options.backlog);
  }

  /**
   * Store spooled rows (files written off the event loop by ingest's fetcher,
   * core/db-spool.ts) with one statement, plus their side-table rows and
   * whatever `also` writes, in one transaction; listeners are told after it
   * committed. Should the transaction fail with files in it (DuckDB's JSON
   * reader refusing a line), it is tried once more with the files' rows
   * stored the ordinary way (a failed DuckDB transaction cannot go on).
   */
  async appendSpooled(batch: SpooledRows, options: { before?: (tx: Session) => Promise<void>; also?: (tx: Session) => Promise<void> } = {}): Promise<void> {
    await this.ready();
    const write = (viaReader: boolean) =>
      this.db.transaction(async (tx) => {
        await options.before?.(tx);
        if (batch.files.length && viaReader) await tx.run(spoolInsertSql(MESSAGES, batch.files, RECORD_LINES));
        else for (const f of batch.files) await tx.insert(MESSAGES, readSpool(MESSAGES, f, RECORD_LINES));
        await tx.insert(NICK_HISTORY, batch.nicks);
        await tx.insert(CHANNEL_MEMBERSHIP, batch.members);
        await options.also?.(tx);
      });
    try {
      await write(true);
    } catch (err) {
      // (a bug-like error is not the reader refusing a file: the same write would only hide it)
      if (!batch.files.length || isBug(err)) throw err;
      log.warn({ err: (err as Error).message, files: batch.files }, 'spooled insert failed; trying once more with the rows stored one by one');
      await write(false);
    }
    if (batch.rows > 0) this.tell({ rows: batch.rows, channels: batch.channels, ...(batch.backlog !== undefined ? { backlog: batch.backlog } : {}) });
  }

  /** Be told after every commit that added rows; returns the unsubscribe function. Listeners must not throw (errors are logged). */
  onCommit(listener: (n: CommitNotice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(rows: readonly MessageRow[], backlog?: number): void {
    this.tell({ rows: rows.length, channels: [...new Set(rows.map((r) => r.channel))], ...(backlog !== undefined ? { backlog } : {}) });
  }

  private tell(notice: CommitNotice): void {
    for (const l of this.listeners) {
      try {
        l(notice);
      } catch (err) {
        log.error({ err }, 'a commit listener failed');
      }
    }
  }

  /**
   * Rows after `position`, in arrival order, as column batches of the fields
   * asked for. Reads what was committed when it started, on a connection of
   * its own (a catch-up of millions of rows never holds a reader).
   */
  readSince<F extends LogField>(position: LogPosition, options: ReadOptions<F>): AsyncGenerator<LogBatch<F>> {
    return this.read({ ...options, after: position });
  }

  /** Rows matching the filters, in arrival order, as column batches (see readSince). */
  async *read<F extends LogField>(options: ReadOptions<F>): AsyncGenerator<LogBatch<F>> {
    await this.ready();
    const fields = options.fields;
    const { where, params } = filterSql(options);
    const sql = `SELECT ${fields.map((f) => FIELDS[f]).join(', ')} FROM messages WHERE ${where}${ORDER_SQL[options.order ?? 'arrival']}`;
    for await (const chunk of this.db.stream(sql, params)) {
      const batch = { size: chunk.rowCount } as LogBatch<F>;
      fields.forEach((f, i) => ((batch as Record<string, unknown>)[f] = chunk.columns[i]));
      yield batch;
    }
  }

  /**
   * Events counted by a key: `hour`/`day` (buckets of local time, `offsetMs`
   * = the zone's offset from UTC), `channel` or `nick`; largest first for
   * channel/nick (at most `limit`), in time order for hour/day.
   */
  async count(by: 'hour' | 'day' | 'channel' | 'nick', filter: CountFilter & { offsetMs?: number; limit?: number }): Promise<{ key: string | number; count: number }[]> {
    await this.ready();
    const { where, params } = filterSql(filter);
    if (by === 'hour' || by === 'day') {
      const size = by === 'hour' ? 3_600_000 : 86_400_000;
      const off = Math.trunc(filter.offsetMs ?? 0);
      const rows = await this.db.all<{ k: number; n: number }>(`SELECT (ts_ms + ${off}) // ${size} AS k, count(*) AS n FROM messages WHERE ${where} GROUP BY 1 ORDER BY 1`, params);
      return rows.map((r) => ({ key: Number(r.k) * size, count: Number(r.n) }));
    }
    const col = by === 'channel' ? 'channel' : 'nick';
    const limit = Math.max(1, Math.min(10_000, Math.trunc(filter.limit ?? 500)));
    const rows = await this.db.all<{ k: string; n: number }>(`SELECT ${col} AS k, count(*) AS n FROM messages WHERE ${where} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${limit}`, params);
    return rows.map((r) => ({ key: r.k, count: Number(r.n) }));
  }

  /** How much lies after `position`. */
  async sizesSince(position: LogPosition): Promise<LogSizes> {
    await this.ready();
    const r = await this.db.one<Record<keyof LogSizes, number>>(
      `SELECT count(*)::DOUBLE AS rows, COALESCE(sum(strlen(id)), 0)::DOUBLE AS "idBytes",
              COALESCE(sum(strlen(text)), 0)::DOUBLE AS "textBytes", COALESCE(sum(length(text)), 0)::DOUBLE AS "textChars"
         FROM messages WHERE rowid > ?`,
      [BigInt(Math.trunc(position))],
    );
    return { rows: r?.rows ?? 0, idBytes: r?.idBytes ?? 0, textBytes: r?.textBytes ?? 0, textChars: r?.textChars ?? 0 };
  }

  /**
   * Up to `limit` events of a channel older than `before`, oldest first, as
   * members see them now: the envelopes that were on Kafka (meta included)
   * with edits and deletes applied (a deleted message has no text) and
   * `meta.replies` counted; the edit/delete events themselves are not part of
   * a page. Legacy rows without a time are not part of any page.
   */
  async channelPage(channel: string, options: PageOptions): Promise<Envelope[]> {
    await this.ready();
    const limit = Math.max(0, Math.min(1000, Math.trunc(options.limit)));
    if (limit === 0) return [];
    let ts: number | null = typeof options.before === 'number' ? options.before : null;
    if (typeof options.before === 'string') {
      const row = await this.db.one<{ ts: number | null }>('SELECT ts_ms AS ts FROM messages WHERE id = ? AND channel = ? LIMIT 1', [options.before, channel]);
      ts = row?.ts ?? null;
    }
    if (ts === null || !Number.isFinite(ts)) return [];
    // meant for someone else: a visible_to list without the viewer (anything but a list there hides the event: it came from outside)
    const hidden = options.viewer === undefined ? '' : ` AND (json_type(meta, '$.visible_to') IS NULL OR coalesce(list_contains(TRY_CAST(meta->'$.visible_to' AS VARCHAR[]), ?), false))`;
    const rows = await this.db.all<Record<string, unknown>>(
      `SELECT id, type, channel, user_id, nick, text, ts_ms AS ts, reply_to, CAST(meta AS VARCHAR) AS meta
         FROM messages WHERE channel = ? AND ts_ms < ? AND type NOT IN (${CHANGE_TYPES.map((t) => `'${t}'`).join(', ')})${hidden}
        ORDER BY ts_ms DESC, rowid DESC LIMIT ${limit}`,
      options.viewer === undefined ? [channel, ts] : [channel, ts, options.viewer],
    );
    return latestState(this.db, channel, rows.reverse().map(rowEnvelope));
  }

  /** A message with every version, its deletion and refused changes (auditors); null for an unknown id. */
  async message(id: string): Promise<MessageRecord | null> {
    await this.ready();
    return messageRecord(this.db, id);
  }

  /** The events around a message in its channel, every type, as sent (auditors); null for an unknown id. */
  async context(id: string, options: { before: number; after: number }): Promise<MessageContext | null> {
    await this.ready();
    return messageContext(this.db, id, options.before, options.after);
  }

  /** A message and its replies as `viewer` sees them now; null when unknown or not theirs to see. */
  async thread(id: string, options: { viewer?: string; limit?: number } = {}): Promise<Thread | null> {
    await this.ready();
    return threadOf(this.db, id, options);
  }
}

function filterSql(o: CountFilter & { after?: LogPosition }): { where: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (o.after !== undefined) {
    where.push('rowid > ?');
    params.push(BigInt(Math.trunc(o.after)));
  }
  if (o.from !== undefined) {
    where.push('ts_ms >= ?');
    params.push(o.from);
  }
  if (o.to !== undefined) {
    where.push('ts_ms < ?');
    params.push(o.to);
  }
  if (o.channel !== undefined) {
    where.push('channel = ?');
    params.push(o.channel);
  }
  if (o.types?.length) {
    where.push(`type IN (${o.types.map(() => '?').join(', ')})`);
    params.push(...o.types);
  }
  return { where: where.length ? where.join(' AND ') : 'true', params };
}

const logs = new WeakMap<Database, MessageLog>();

/** The message log of a database (one per Database object, shared by everyone in the process). */
export function messageLog(db: Database): MessageLog {
  let l = logs.get(db);
  if (!l) logs.set(db, (l = new MessageLog(db)));
  return l;
}
