// Messages as edits and deletes left them, read from the message log.
//
// The data model (docs/ingest.md, "Edits and deletes"): one row per version.
// `messages` keeps every event as it was on Kafka — the message row is its
// first version, each `edit` row (meta.target = the message's id, text = the
// new text) a later one, a `delete` row the deletion. Nothing is updated in
// place, so the daily Parquet files, a replay and an import hold the same
// versions as DuckDB. Which changes count is decided when reading, by folding
// a message's changes in log order with the one rule (core/conversation.ts):
// the result depends only on the log, so every reader and every replay agrees.
import type { Database } from '../core/db.ts';
import { CHANGE_TYPES, type Envelope } from '../core/protocol.ts';
import { CHANGEABLE_TYPES, changeTarget, foldChanges, isChange, latestEnvelope, type MessageVersions } from '../core/conversation.ts';
import { visibleTo } from '../core/envelope.ts';
import { ensureIngestSchema } from './schema.ts';
import { rowEnvelope } from './rows.ts';

/** Columns of a stored event, read one way (rowEnvelope turns them into the envelope). */
const EVENT_COLUMNS = `rowid::DOUBLE AS pos, id, type, channel, user_id, nick, text, ts_ms::DOUBLE AS ts, reply_to, CAST(meta AS VARCHAR) AS meta,
  kafka_partition AS partition, kafka_offset::DOUBLE AS "offset"`;
const CHANGE_TYPE_LIST = CHANGE_TYPES.map((t) => `'${t}'`).join(', ');

/** A stored event: the envelope, where it stands in the log, and where it was read on Kafka. */
export interface StoredEvent {
  envelope: Envelope;
  /** false for legacy records that had no time (their envelope's ts is 0) */
  timed: boolean;
  position: number;
  kafka: { partition: number; offset: number } | null;
}

function stored(r: Record<string, unknown>): StoredEvent {
  const kafka = r.partition == null || r.offset == null ? null : { partition: Number(r.partition), offset: Number(r.offset) };
  return { envelope: rowEnvelope(r), timed: r.ts != null, position: Number(r.pos), kafka };
}

/** The first stored event with this id (a re-sent envelope is stored again; the first one counts). */
export async function findEvent(db: Database, id: string): Promise<StoredEvent | null> {
  await ensureIngestSchema(db);
  const r = await db.one<Record<string, unknown>>(`SELECT ${EVENT_COLUMNS} FROM messages WHERE id = ? ORDER BY rowid LIMIT 1`, [id]);
  return r ? stored(r) : null;
}

/** The edit/delete events naming any of these messages of a channel, in log order, by target. */
export async function changesOf(db: Database, channel: string, ids: readonly string[]): Promise<Map<string, Envelope[]>> {
  const out = new Map<string, Envelope[]>();
  if (ids.length === 0) return out;
  const unique = [...new Set(ids)];
  const rows = await db.all<Record<string, unknown>>(
    `SELECT ${EVENT_COLUMNS} FROM messages
      WHERE channel = ? AND type IN (${CHANGE_TYPE_LIST}) AND (meta->>'target') IN (${unique.map(() => '?').join(', ')})
      ORDER BY rowid`,
    [channel, ...unique],
  );
  for (const r of rows) {
    const e = rowEnvelope(r);
    const target = changeTarget(e);
    if (!target) continue;
    let list = out.get(target);
    if (!list) out.set(target, (list = []));
    list.push(e);
  }
  return out;
}

/** How many replies (events with reply_to, answers meant for one person left out) each of these messages of a channel has. */
export async function replyCounts(db: Database, channel: string, ids: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (ids.length === 0) return out;
  const unique = [...new Set(ids)];
  const rows = await db.all<{ parent: string; n: number }>(
    `SELECT reply_to AS parent, count(DISTINCT id)::DOUBLE AS n FROM messages
      WHERE channel = ? AND reply_to IN (${unique.map(() => '?').join(', ')}) AND type NOT IN (${CHANGE_TYPE_LIST})
        AND (meta->'visible_to') IS NULL
      GROUP BY reply_to`,
    [channel, ...unique],
  );
  for (const r of rows) out.set(r.parent, Number(r.n));
  return out;
}

/** Everything that happened to one message (auditors): its versions, its deletion, refused changes. */
export interface MessageRecord extends MessageVersions {
  kafka: { partition: number; offset: number } | null;
  replies: number;
}

/** The record of a message by id, or null when no event has this id. An edit/delete event's own id gives that event with no versions of its own. */
export async function messageRecord(db: Database, id: string): Promise<MessageRecord | null> {
  const found = await findEvent(db, id);
  if (!found) return null;
  const e = found.envelope;
  const [changes, replies] = await Promise.all([isChange(e) ? new Map<string, Envelope[]>() : changesOf(db, e.channel, [e.id]), replyCounts(db, e.channel, [e.id])]);
  return { ...foldChanges(e, changes.get(e.id) ?? []), kafka: found.kafka, replies: replies.get(e.id) ?? 0 };
}

/**
 * Events of one channel as members see them now: edits and deletes applied
 * (a deleted message keeps no text), `meta.replies` counted; the edit/delete
 * events themselves are left out (their effect is in their targets).
 */
export async function latestState(db: Database, channel: string, events: readonly Envelope[]): Promise<Envelope[]> {
  const shown = events.filter((e) => !isChange(e));
  const ids = shown.filter((e) => CHANGEABLE_TYPES.includes(e.type)).map((e) => e.id);
  const [changes, replies] = await Promise.all([changesOf(db, channel, ids), replyCounts(db, channel, ids)]);
  return shown.map((e) => {
    const list = changes.get(e.id);
    const now = list ? latestEnvelope(foldChanges(e, list)) : e;
    const n = replies.get(e.id);
    return n ? { ...now, meta: { ...now.meta, replies: n } } : now;
  });
}

/** One event of an auditor's context: the stored envelope (as sent), flagged. */
export type ContextEvent = Envelope & {
  /** messages: edited / deleted since */
  edited?: boolean;
  deleted?: boolean;
  /** edit/delete events the rule refused: why */
  refused?: string;
};

export interface MessageContext {
  id: string;
  channel: string;
  /** events around the message in channel order (time, then arrival), the message included */
  events: ContextEvent[];
  /** are there older / newer events than those returned */
  more_before: boolean;
  more_after: boolean;
}

/**
 * The events around a message in its channel, for auditors: up to `before`
 * older and `after` newer events of every type (edits and deletes included,
 * as sent), ordered as channel pages are (time, then arrival). Null when no
 * event has this id.
 */
export async function messageContext(db: Database, id: string, before: number, after: number): Promise<MessageContext | null> {
  const found = await findEvent(db, id);
  if (!found) return null;
  const e = found.envelope;
  let older: Record<string, unknown>[] = [];
  let newer: Record<string, unknown>[] = [];
  // legacy rows without a time stand alone: they have no place in the channel's order
  if (found.timed) {
    const key = [e.channel, e.ts, e.ts, found.position];
    [older, newer] = await Promise.all([
      db.all<Record<string, unknown>>(`SELECT ${EVENT_COLUMNS} FROM messages WHERE channel = ? AND (ts_ms < ? OR (ts_ms = ? AND rowid < ?)) ORDER BY ts_ms DESC, rowid DESC LIMIT ${before + 1}`, key),
      db.all<Record<string, unknown>>(`SELECT ${EVENT_COLUMNS} FROM messages WHERE channel = ? AND (ts_ms > ? OR (ts_ms = ? AND rowid > ?)) ORDER BY ts_ms, rowid LIMIT ${after + 1}`, key),
    ]);
  }
  const events = [...older.slice(0, before).reverse().map(rowEnvelope), e, ...newer.slice(0, after).map(rowEnvelope)];
  return { id, channel: e.channel, events: await flagged(db, e.channel, events), more_before: older.length > before, more_after: newer.length > after };
}

/** Context events with what the rule made of them: messages flagged edited/deleted, refused changes with their reason. */
async function flagged(db: Database, channel: string, events: Envelope[]): Promise<ContextEvent[]> {
  const targets = new Set<string>();
  for (const e of events) {
    if (CHANGEABLE_TYPES.includes(e.type)) targets.add(e.id);
    const t = isChange(e) ? changeTarget(e) : null;
    if (t) targets.add(t);
  }
  const byId = new Map(events.map((e) => [e.id, e] as const));
  const missing = [...targets].filter((t) => !byId.has(t));
  // targets older than the window: their own rows, so their changes can be judged
  for (const t of missing) {
    const f = await findEvent(db, t);
    if (f && f.envelope.channel === channel) byId.set(t, f.envelope);
  }
  const changes = await changesOf(db, channel, [...targets]);
  const verdicts = new Map<string, MessageVersions>();
  for (const t of targets) {
    const m = byId.get(t);
    if (m && CHANGEABLE_TYPES.includes(m.type)) verdicts.set(t, foldChanges(m, changes.get(t) ?? []));
  }
  return events.map((e) => {
    if (isChange(e)) {
      const v = verdicts.get(changeTarget(e) ?? '');
      const refused = v ? v.refused.find((r) => r.event === e.id)?.reason : '그런 메시지가 없습니다 (no such message)';
      return refused ? { ...e, refused } : e;
    }
    const v = verdicts.get(e.id);
    return v ? { ...e, edited: v.versions.length > 1, deleted: v.deleted !== null } : e;
  });
}

/** A thread: its first message and the replies to it, as `viewer` may see them now (latest state). */
export interface Thread {
  parent: Envelope;
  replies: Envelope[];
  /** more replies exist than were returned */
  more: boolean;
}

/** The thread of a message (up to `limit` replies, oldest first), or null when the message is unknown or not visible to `viewer`. */
export async function threadOf(db: Database, id: string, options: { viewer?: string; limit?: number } = {}): Promise<Thread | null> {
  const found = await findEvent(db, id);
  if (!found || isChange(found.envelope) || !visibleTo(found.envelope, options.viewer)) return null;
  const parent = found.envelope;
  const limit = Math.max(1, Math.min(1000, Math.trunc(options.limit ?? 500)));
  const rows = await db.all<Record<string, unknown>>(
    `SELECT ${EVENT_COLUMNS} FROM messages WHERE channel = ? AND reply_to = ? AND type NOT IN (${CHANGE_TYPE_LIST}) ORDER BY ts_ms, rowid LIMIT ${limit + 1}`,
    [parent.channel, id],
  );
  const seen = new Set<string>();
  const replies = rows
    .map(rowEnvelope)
    .filter((e) => !seen.has(e.id) && seen.add(e.id) && visibleTo(e, options.viewer));
  const [now, ...rest] = await latestState(db, parent.channel, [parent, ...replies.slice(0, limit)]);
  return { parent: now, replies: rest, more: replies.length > limit };
}
