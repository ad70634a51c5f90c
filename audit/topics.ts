// Incremental term counts for topic statistics (audit/stats.ts topics()).
//
// Tokenizing every message of a period on each request costs ~10 µs a
// message (≈20 s for a day of 1M messages and its reference day), so the work
// is moved to ingest time: catchUpTopics() reads the `type='message'` rows
// of the message log after a watermark position (messageLog(db).readSince,
// the same approach as the search index's catchUp()), tokenizes them exactly as the
// request-time method did (tokenize(text, { minHangul: 2 })), aggregates per
// (local day in the reporting zone, channel, term) in memory and merges the
// sums into small tables with INSERT … ON CONFLICT DO UPDATE — in one
// transaction together with the new watermark, so a crash never loses or
// double-counts a row. A stats request then sums a few thousand rows.
//
//   topic_terms      (day, channel, term) → count (occurrences), messages (containing it)
//   topic_days       (day, channel)       → messages, tokens
//   topic_spellings  (day, channel, term, spelling) → count (English stems' surface forms, for display)
//   topic_progress   the watermark (last rowid read) and the zone days are cut in
//
// Rows with a NULL ts_ms are not counted (as before: the request-time query
// filtered on ts_ms). A change of zone rebuilds the tables from scratch.
import { createTableSql, defineTable, type Database, type Session } from '../core/db.ts';
import { messageLog } from '../ingest/index.ts';
import { dayRange, localDate } from '../core/time.ts';
import { tokenize } from '../core/korean/tokenize.ts';
import { logger } from '../core/log.ts';

const log = logger('audit.topics');

export const TOPICS_SCHEMA: string[] = [
  `CREATE TABLE IF NOT EXISTS topic_terms (
     day DATE NOT NULL, channel VARCHAR NOT NULL, term VARCHAR NOT NULL,
     count BIGINT NOT NULL, messages BIGINT NOT NULL,
     PRIMARY KEY (day, channel, term))`,
  `CREATE TABLE IF NOT EXISTS topic_days (
     day DATE NOT NULL, channel VARCHAR NOT NULL, messages BIGINT NOT NULL, tokens BIGINT NOT NULL,
     PRIMARY KEY (day, channel))`,
  `CREATE TABLE IF NOT EXISTS topic_spellings (
     day DATE NOT NULL, channel VARCHAR NOT NULL, term VARCHAR NOT NULL, spelling VARCHAR NOT NULL, count BIGINT NOT NULL,
     PRIMARY KEY (day, channel, term, spelling))`,
  `CREATE TABLE IF NOT EXISTS topic_progress (id INTEGER PRIMARY KEY, last_rowid BIGINT NOT NULL, tz VARCHAR NOT NULL)`,
];

// Staging for the merge (filled and emptied inside the merge transaction).
const STAGE_TERMS = defineTable('topic_stage_terms', { day: 'VARCHAR', channel: 'VARCHAR', term: 'VARCHAR', count: 'BIGINT', messages: 'BIGINT' });
const STAGE_DAYS = defineTable('topic_stage_days', { day: 'VARCHAR', channel: 'VARCHAR', messages: 'BIGINT', tokens: 'BIGINT' });
const STAGE_SPELLINGS = defineTable('topic_stage_spellings', { day: 'VARCHAR', channel: 'VARCHAR', term: 'VARCHAR', spelling: 'VARCHAR', count: 'BIGINT' });
TOPICS_SCHEMA.push(...[STAGE_TERMS, STAGE_DAYS, STAGE_SPELLINGS].map(createTableSql));

/** Merge into the tables after this many messages (bounds memory; each merge is one transaction). */
const FLUSH_ROWS = 250_000;

const schemaReady = new WeakSet<Database>();
const state = new WeakMap<Database, { running: Promise<CatchUpStats> | null; queued: Promise<CatchUpStats> | null }>();

export interface CatchUpStats {
  /** messages read (type = 'message') */
  rows: number;
  ms: number;
  rebuilt: boolean;
}

async function ensureTopicSchema(db: Database): Promise<void> {
  if (schemaReady.has(db)) return;
  await db.ensureSchema(TOPICS_SCHEMA);
  schemaReady.add(db);
}

/**
 * Bring the topic tables up to date with `messages` (`signal`: stop early, keeping what was merged). Concurrent callers share
 * the run in progress and one follow-up run (so a caller always sees the rows
 * that were stored when it called).
 */
export function catchUpTopics(db: Database, tz: string, options: { signal?: AbortSignal } = {}): Promise<CatchUpStats> {
  let s = state.get(db);
  if (!s) state.set(db, (s = { running: null, queued: null }));
  const st = s;
  const start = (): Promise<CatchUpStats> => {
    const run = readNew(db, tz, options.signal).finally(() => {
      if (st.running === run) st.running = null;
    });
    st.running = run;
    return run;
  };
  if (!st.running) return start();
  st.queued ??= st.running
    .catch(() => undefined)
    .then(() => {
      st.queued = null;
      return start();
    });
  return st.queued;
}

interface Agg {
  terms: Map<string, { count: number; messages: number }>;
  days: Map<string, { messages: number; tokens: number }>;
  spellings: Map<string, number>;
}

const freshAgg = (): Agg => ({ terms: new Map(), days: new Map(), spellings: new Map() });

async function readNew(db: Database, tz: string, signal?: AbortSignal): Promise<CatchUpStats> {
  const t0 = performance.now();
  await ensureTopicSchema(db);
  const progress = await db.one<{ last_rowid: number; tz: string }>('SELECT last_rowid, tz FROM topic_progress WHERE id = 1');
  let rebuilt = false;
  let last = progress?.last_rowid ?? -1;
  if (progress && progress.tz !== tz) {
    // Days are cut in the reporting zone: another zone means other days.
    await db.transaction(async (tx) => {
      for (const t of ['topic_terms', 'topic_days', 'topic_spellings', 'topic_progress']) await tx.run(`DELETE FROM ${t}`);
    });
    last = -1;
    rebuilt = true;
    log.info({ from: progress.tz, to: tz }, 'reporting zone changed: rebuilding topic counts');
  }
  let rows = 0;
  let agg = freshAgg();
  let pending = 0;
  let maxRid = last;
  // The local day of a ts: one Intl call per day boundary crossed, not per row.
  let dayStart = 0;
  let dayEnd = 0;
  let dayKey = '';
  const dayOf = (ts: number): string => {
    if (ts >= dayStart && ts < dayEnd) return dayKey;
    dayKey = localDate(ts, tz);
    ({ start: dayStart, end: dayEnd } = dayRange(dayKey, tz));
    return dayKey;
  };
  const seen = new Set<string>();
  for await (const batch of messageLog(db).readSince(last, { fields: ['position', 'channel', 'text', 'ts'], types: ['message'] })) {
    const { position: rid, channel, text, ts } = batch;
    for (let i = 0; i < batch.size; i++) {
      const r = rid[i];
      if (r > maxRid) maxRid = r;
      rows++;
      const t = ts[i];
      if (t === null || t === undefined) continue;
      const dc = dayOf(t) + '\t' + String(channel[i]);
      let tokens = 0;
      seen.clear();
      const body = text[i] === null ? '' : String(text[i]);
      for (const tok of tokenize(body, { minHangul: 2 })) {
        tokens++;
        const key = dc + '\t' + tok.term;
        let e = agg.terms.get(key);
        if (!e) agg.terms.set(key, (e = { count: 0, messages: 0 }));
        e.count++;
        if (!seen.has(tok.term)) {
          seen.add(tok.term);
          e.messages++;
        }
        if (tok.kind === 'latin') {
          const sk = key + '\t' + tok.surface.toLowerCase();
          agg.spellings.set(sk, (agg.spellings.get(sk) ?? 0) + 1);
        }
      }
      let d = agg.days.get(dc);
      if (!d) agg.days.set(dc, (d = { messages: 0, tokens: 0 }));
      d.messages++;
      d.tokens += tokens;
    }
    pending += batch.size;
    if (pending >= FLUSH_ROWS) {
      await merge(db, agg, maxRid, tz);
      agg = freshAgg();
      pending = 0;
    }
    // Let requests and ingest run between chunks; on abort (shutdown) keep what was read and stop.
    if (signal?.aborted) break;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (pending > 0 || maxRid !== last) await merge(db, agg, maxRid, tz);
  const ms = performance.now() - t0;
  if (rows > 0) log.debug({ rows, ms: Math.round(ms) }, 'topic counts caught up');
  return { rows, ms, rebuilt };
}

/** Add one batch's sums and move the watermark, atomically. */
async function merge(db: Database, agg: Agg, maxRid: number, tz: string): Promise<void> {
  await db.transaction(async (tx: Session) => {
    for (const t of ['topic_stage_terms', 'topic_stage_days', 'topic_stage_spellings']) await tx.run(`DELETE FROM ${t}`);
    await tx.insert(
      STAGE_TERMS,
      [...agg.terms].map(([key, e]) => [...key.split('\t'), e.count, e.messages]),
      { via: 'appender' },
    );
    await tx.insert(
      STAGE_DAYS,
      [...agg.days].map(([key, d]) => [...key.split('\t'), d.messages, d.tokens]),
      { via: 'appender' },
    );
    await tx.insert(
      STAGE_SPELLINGS,
      [...agg.spellings].map(([key, n]) => [...key.split('\t'), n]),
      { via: 'appender' },
    );
    await tx.run(
      `INSERT INTO topic_terms SELECT day::DATE, channel, term, count, messages FROM topic_stage_terms
       ON CONFLICT DO UPDATE SET count = count + excluded.count, messages = messages + excluded.messages`,
    );
    await tx.run(
      `INSERT INTO topic_days SELECT day::DATE, channel, messages, tokens FROM topic_stage_days
       ON CONFLICT DO UPDATE SET messages = messages + excluded.messages, tokens = tokens + excluded.tokens`,
    );
    await tx.run(
      `INSERT INTO topic_spellings SELECT day::DATE, channel, term, spelling, count FROM topic_stage_spellings
       ON CONFLICT DO UPDATE SET count = count + excluded.count`,
    );
    for (const t of ['topic_stage_terms', 'topic_stage_days', 'topic_stage_spellings']) await tx.run(`DELETE FROM ${t}`);
    await tx.run(
      `INSERT INTO topic_progress VALUES (1, ?, ?) ON CONFLICT DO UPDATE SET last_rowid = excluded.last_rowid, tz = excluded.tz`,
      [maxRid, tz],
    );
  });
}
