// Incremental term counts for topic statistics (audit/stats.ts topics()).
//
// Analysing every message of a period on each request is far too slow, so the
// work is done once per message: catchUpTopics() reads the `type='message'`
// rows of the message log after a watermark position (messageLog(db).readSince),
// turns each text into topic
// terms (core/korean/terms.ts: Kiwi nouns and verb lemmas, or the rule
// tokenizer until Kiwi is loaded), aggregates per (local day in the reporting
// zone, channel, kind, term) in memory and merges the sums into small tables
// with INSERT … ON CONFLICT DO UPDATE — in one transaction together with the
// new watermark, so a crash never loses or double-counts a row. A stats
// request then sums a few thousand rows.
//
//   topic_terms      (day, channel, kind, term) → count (occurrences), messages (containing it); kind noun|verb
//   topic_days       (day, channel) → messages, tokens (noun terms), verb_tokens, analyzer (which made the counts, or 'mixed')
//   topic_spellings  (day, channel, term, spelling) → count (English stems' surface forms, for display)
//   topic_progress   the watermark (last rowid read), the zone days are cut in, the analyzer counting now
//
// Days counted by another analyzer than the current one (e.g. by the rule
// tokenizer before the Kiwi model was there) are recounted by
// audit/topics-rebuild.ts. Rows with a NULL ts_ms are not counted. A change of
// zone rebuilds the tables from scratch.
import { createTableSql, defineTable, type Database, type Session } from '../core/db.ts';
import { loadConfig } from '../core/config.ts';
import { messageLog } from '../ingest/index.ts';
import { dayRange, localDate } from '../core/time.ts';
import { chooseTermAnalyzer, type TermAnalyzer, type TopicTerm } from '../core/korean/terms.ts';
import { logger } from '../core/log.ts';
import { Turns } from '../core/turns.ts';

const log = logger('audit.topics');

export const TOPICS_SCHEMA: string[] = [
  `CREATE TABLE IF NOT EXISTS topic_terms (
     day DATE NOT NULL, channel VARCHAR NOT NULL, kind VARCHAR NOT NULL, term VARCHAR NOT NULL,
     count BIGINT NOT NULL, messages BIGINT NOT NULL,
     PRIMARY KEY (day, channel, kind, term))`,
  `CREATE TABLE IF NOT EXISTS topic_days (
     day DATE NOT NULL, channel VARCHAR NOT NULL, messages BIGINT NOT NULL, tokens BIGINT NOT NULL, verb_tokens BIGINT NOT NULL,
     analyzer VARCHAR NOT NULL, PRIMARY KEY (day, channel))`,
  `CREATE TABLE IF NOT EXISTS topic_spellings (
     day DATE NOT NULL, channel VARCHAR NOT NULL, term VARCHAR NOT NULL, spelling VARCHAR NOT NULL, count BIGINT NOT NULL,
     PRIMARY KEY (day, channel, term, spelling))`,
  `CREATE TABLE IF NOT EXISTS topic_progress (id INTEGER PRIMARY KEY, last_rowid BIGINT NOT NULL, tz VARCHAR NOT NULL, analyzer VARCHAR NOT NULL)`,
];

// Staging for the merge (filled and emptied inside the merge transaction).
const STAGE_TERMS = defineTable('topic_stage_terms', { day: 'VARCHAR', channel: 'VARCHAR', kind: 'VARCHAR', term: 'VARCHAR', count: 'BIGINT', messages: 'BIGINT' });
const STAGE_DAYS = defineTable('topic_stage_days', { day: 'VARCHAR', channel: 'VARCHAR', messages: 'BIGINT', tokens: 'BIGINT', verb_tokens: 'BIGINT', analyzer: 'VARCHAR' });
const STAGE_SPELLINGS = defineTable('topic_stage_spellings', { day: 'VARCHAR', channel: 'VARCHAR', term: 'VARCHAR', spelling: 'VARCHAR', count: 'BIGINT' });
TOPICS_SCHEMA.push(...[STAGE_TERMS, STAGE_DAYS, STAGE_SPELLINGS].map(createTableSql));
const TOPIC_TABLES = ['topic_terms', 'topic_days', 'topic_spellings', 'topic_progress', 'topic_stage_terms', 'topic_stage_days', 'topic_stage_spellings'];

/** Rows (by rowid) counted per merge: bounds memory; each merge is one transaction with its watermark. */
const WINDOW_ROWS = 25_000;
/** Texts handed to the analyser at once. */
const ANALYZE_BATCH = 2048;

/** Chooses the analyser for a run. */
export type AnalyzerChoice = TermAnalyzer | (() => Promise<TermAnalyzer>);

/**
 * Requests: Kiwi, waiting for it to load when its model is on disk (a few seconds; the request itself waits at most
 * its catch-up budget, then answers with what is counted and says what is not). The rule tokenizer only while the
 * model is being fetched or cannot be: counting with it when Kiwi is seconds away would put inflected verbs into the
 * answer (and make a recount) — which happened once background counting waited out imports (audit/topics-pace.ts).
 */
export const requestAnalyzer = (): Promise<TermAnalyzer> => chooseTermAnalyzer(loadConfig(), { wait: true });
/** Background work (recounts, the server's tick, the CLI): wait for Kiwi to load when its model is there. */
export const backgroundAnalyzer = (signal?: AbortSignal): Promise<TermAnalyzer> => chooseTermAnalyzer(loadConfig(), { wait: true, signal });

export async function resolveAnalyzer(choice: AnalyzerChoice | undefined, fallback: () => Promise<TermAnalyzer> = requestAnalyzer): Promise<TermAnalyzer> {
  if (!choice) return fallback();
  return typeof choice === 'function' ? choice() : choice;
}

const schemaReady = new WeakSet<Database>();

export interface CatchUpStats {
  /** messages read (type = 'message') */
  rows: number;
  ms: number;
  rebuilt: boolean;
  analyzer: string;
}

/** Create the tables; tables of an older layout (before kinds and analyzers) are dropped: they are derived data. */
export async function ensureTopicSchema(db: Database): Promise<void> {
  if (schemaReady.has(db)) return;
  const cols = await db.all<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM duckdb_columns() WHERE table_name IN ('topic_terms', 'topic_progress', 'topic_stage_terms') AND schema_name = 'main'`,
  );
  const has = (t: string, c: string) => cols.some((r) => r.table_name === t && r.column_name === c);
  const tables = new Set(cols.map((r) => r.table_name));
  if ((tables.has('topic_terms') && !has('topic_terms', 'kind')) || (tables.has('topic_progress') && !has('topic_progress', 'analyzer')) || (tables.has('topic_stage_terms') && !has('topic_stage_terms', 'kind'))) {
    log.info('topic tables of an older layout: dropping them, the counts are rebuilt from messages');
    await db.transaction(async (tx) => {
      for (const t of TOPIC_TABLES) await tx.run(`DROP TABLE IF EXISTS ${t}`);
    });
  }
  await db.ensureSchema(TOPICS_SCHEMA);
  schemaReady.add(db);
}

// One topic job at a time per database (catch-ups and rebuild steps), so the
// watermark a rebuild step reads cannot move under it.
const queues = new WeakMap<Database, Promise<unknown>>();

export function exclusive<T>(db: Database, fn: () => Promise<T>): Promise<T> {
  const tail = queues.get(db) ?? Promise.resolve();
  const run = tail.then(fn, fn);
  queues.set(
    db,
    run.then(
      () => undefined,
      () => undefined,
    ),
  );
  return run;
}

const state = new WeakMap<Database, { running: Promise<CatchUpStats> | null; queued: Promise<CatchUpStats> | null }>();

export interface CatchUpOptions {
  /** stop early, keeping what was merged */
  signal?: AbortSignal;
  analyzer?: AnalyzerChoice;
}

/**
 * Bring the topic tables up to date with `messages`. Concurrent callers share
 * the run in progress and one follow-up run (so a caller always sees the rows
 * that were stored when it called).
 */
export function catchUpTopics(db: Database, tz: string, options: CatchUpOptions = {}): Promise<CatchUpStats> {
  let s = state.get(db);
  if (!s) state.set(db, (s = { running: null, queued: null }));
  const st = s;
  const start = (): Promise<CatchUpStats> => {
    const run = exclusive(db, () => readNew(db, tz, options)).finally(() => {
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

/** Per (day, channel, kind, term) sums of a batch of messages. */
export interface Agg {
  terms: Map<string, { count: number; messages: number }>;
  days: Map<string, { messages: number; tokens: number; verbTokens: number }>;
  spellings: Map<string, number>;
}

export const freshAgg = (): Agg => ({ terms: new Map(), days: new Map(), spellings: new Map() });

/** Add one message's terms to `agg` under `dayChannel` ("YYYY-MM-DD\tchannel"). */
export function addMessage(agg: Agg, dayChannel: string, terms: readonly TopicTerm[]): void {
  let tokens = 0;
  let verbTokens = 0;
  const seen = new Set<string>();
  for (const tok of terms) {
    if (tok.kind === 'verb') verbTokens++;
    else tokens++;
    const key = dayChannel + '\t' + tok.kind + '\t' + tok.term;
    let e = agg.terms.get(key);
    if (!e) agg.terms.set(key, (e = { count: 0, messages: 0 }));
    e.count++;
    if (!seen.has(key)) {
      seen.add(key);
      e.messages++;
    }
    if (tok.latin) {
      const sk = dayChannel + '\t' + tok.term + '\t' + tok.surface.toLowerCase();
      agg.spellings.set(sk, (agg.spellings.get(sk) ?? 0) + 1);
    }
  }
  let d = agg.days.get(dayChannel);
  if (!d) agg.days.set(dayChannel, (d = { messages: 0, tokens: 0, verbTokens: 0 }));
  d.messages++;
  d.tokens += tokens;
  d.verbTokens += verbTokens;
}

/** The local day of a ts: one Intl call per day boundary crossed, not per row. */
export function dayCutter(tz: string): (ts: number) => string {
  let dayStart = 0;
  let dayEnd = 0;
  let dayKey = '';
  return (ts) => {
    if (ts >= dayStart && ts < dayEnd) return dayKey;
    dayKey = localDate(ts, tz);
    ({ start: dayStart, end: dayEnd } = dayRange(dayKey, tz));
    return dayKey;
  };
}

/** One analysed message: where it is in the log, its channel and time, its terms. */
export interface AnalysedRow {
  position: number;
  channel: string;
  ts: number | null;
  terms: TopicTerm[];
}

/**
 * Messages of the log (`type='message'`) after a position, or in a time
 * window, read in batches and their texts analysed; `each` gets every
 * analysed batch. Resolves false when `signal` stopped it first.
 */
export async function analyseLog(
  db: Database,
  query: { after: number } | { from: number; to: number },
  analyzer: TermAnalyzer,
  each: (rows: AnalysedRow[]) => Promise<void> | void,
  signal?: AbortSignal,
): Promise<boolean> {
  let pending: { position: number; channel: string; ts: number | null; text: string }[] = [];
  const flush = async (): Promise<boolean> => {
    let terms: TopicTerm[][];
    try {
      terms = await analyzer.terms(pending.map((r) => r.text), signal);
    } catch (err) {
      if (signal?.aborted) return false; // stopped while waiting for the analyser (e.g. Kiwi still loading)
      throw err;
    }
    const out = pending.map((r, i) => ({ position: r.position, channel: r.channel, ts: r.ts, terms: terms[i] }));
    pending = [];
    await each(out);
    return true;
  };
  const fields = ['position', 'channel', 'text', 'ts'] as const;
  const log = messageLog(db);
  const rows = 'after' in query ? log.readSince(query.after, { fields, types: ['message'] }) : log.read({ fields, types: ['message'], from: query.from, to: query.to });
  for await (const b of rows) {
    for (let i = 0; i < b.size; i++) pending.push({ position: b.position[i], channel: b.channel[i], ts: b.ts[i], text: b.text[i] ?? '' });
    if (pending.length >= ANALYZE_BATCH && !(await flush())) return false;
    // Let requests and ingest run between batches; on abort (shutdown) stop.
    if (signal?.aborted) return false;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return pending.length ? flush() : true;
}

async function readNew(db: Database, tz: string, options: CatchUpOptions): Promise<CatchUpStats> {
  const t0 = performance.now();
  await ensureTopicSchema(db);
  const analyzer = await resolveAnalyzer(options.analyzer);
  const progress = await db.one<{ last_rowid: number; tz: string; analyzer: string }>('SELECT last_rowid, tz, analyzer FROM topic_progress WHERE id = 1');
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
  if (progress && progress.analyzer !== analyzer.name) log.info({ from: progress.analyzer, to: analyzer.name }, 'topic terms now come from another analyzer; older days are recounted in the background');
  let rows = 0;
  const dayOf = dayCutter(tz);
  // The log is read in arrival (position) order; every WINDOW_ROWS messages are
  // merged with their last position in one transaction: a stop (shutdown) or a
  // failure loses at most the window in progress, and never counts twice.
  let agg = freshAgg();
  let n = 0;
  let end = last;
  const turns = new Turns(); // the count shares the event loop with requests and ingest
  const complete = await analyseLog(
    db,
    { after: last },
    analyzer,
    async (batch) => {
      for (let i = 0; i < batch.length; i++) {
        const r = batch[i];
        n++;
        end = r.position;
        if (r.ts !== null) addMessage(agg, dayOf(r.ts) + '\t' + r.channel, r.terms);
        if ((i & 63) === 63 && turns.due) await turns.pause();
      }
      if (n >= WINDOW_ROWS) {
        await mergeAgg(db, agg, analyzer.name, { maxRid: end, tz });
        rows += n;
        agg = freshAgg();
        n = 0;
      }
    },
    options.signal,
  );
  if (complete && (n > 0 || end !== (progress?.last_rowid ?? -1) || progress?.analyzer !== analyzer.name)) {
    await mergeAgg(db, agg, analyzer.name, { maxRid: end, tz });
    rows += n;
  }
  const ms = performance.now() - t0;
  if (rows > 0) log.debug({ rows, ms: Math.round(ms), analyzer: analyzer.name }, 'topic counts caught up');
  return { rows, ms, rebuilt, analyzer: analyzer.name };
}

/** Fill the staging tables with one batch's sums (inside the caller's transaction). */
async function stage(tx: Session, agg: Agg, analyzer: string): Promise<void> {
  for (const t of ['topic_stage_terms', 'topic_stage_days', 'topic_stage_spellings']) await tx.run(`DELETE FROM ${t}`);
  // generators: each row is made as the appender takes it (in turns of the event loop, db-session.ts)
  await tx.insert(STAGE_TERMS, mapRows(agg.terms, (key, e) => [...key.split('\t'), e.count, e.messages]), { via: 'appender' });
  await tx.insert(STAGE_DAYS, mapRows(agg.days, (key, d) => [...key.split('\t'), d.messages, d.tokens, d.verbTokens, analyzer]), { via: 'appender' });
  await tx.insert(STAGE_SPELLINGS, mapRows(agg.spellings, (key, c) => [...key.split('\t'), c]), { via: 'appender' });
}

function* mapRows<V>(m: Map<string, V>, row: (key: string, value: V) => unknown[]): Generator<unknown[]> {
  for (const [key, value] of m) yield row(key, value);
}

/**
 * Write one batch's sums atomically. `progress` (catch-up): add them to the
 * tables and move the watermark. `replaceDay` (rebuild): the day's rows are
 * replaced by the batch, which holds every counted message of that day.
 */
export async function mergeAgg(db: Database, agg: Agg, analyzer: string, opts: { maxRid?: number; tz?: string; replaceDay?: string }): Promise<void> {
  await db.transaction(async (tx: Session) => {
    await stage(tx, agg, analyzer);
    if (opts.replaceDay !== undefined) {
      for (const t of ['topic_terms', 'topic_days', 'topic_spellings']) await tx.run(`DELETE FROM ${t} WHERE day = ?::DATE`, [opts.replaceDay]);
    }
    await tx.run(
      `INSERT INTO topic_terms SELECT day::DATE, channel, kind, term, count, messages FROM topic_stage_terms
       ON CONFLICT DO UPDATE SET count = count + excluded.count, messages = messages + excluded.messages`,
    );
    await tx.run(
      `INSERT INTO topic_days SELECT day::DATE, channel, messages, tokens, verb_tokens, analyzer FROM topic_stage_days
       ON CONFLICT DO UPDATE SET messages = messages + excluded.messages, tokens = tokens + excluded.tokens,
         verb_tokens = verb_tokens + excluded.verb_tokens,
         analyzer = CASE WHEN analyzer = excluded.analyzer THEN analyzer ELSE 'mixed' END`,
    );
    await tx.run(
      `INSERT INTO topic_spellings SELECT day::DATE, channel, term, spelling, count FROM topic_stage_spellings
       ON CONFLICT DO UPDATE SET count = count + excluded.count`,
    );
    for (const t of ['topic_stage_terms', 'topic_stage_days', 'topic_stage_spellings']) await tx.run(`DELETE FROM ${t}`);
    if (opts.maxRid !== undefined && opts.tz !== undefined) {
      await tx.run(
        `INSERT INTO topic_progress VALUES (1, ?, ?, ?) ON CONFLICT DO UPDATE SET last_rowid = excluded.last_rowid, tz = excluded.tz, analyzer = excluded.analyzer`,
        [opts.maxRid, opts.tz, analyzer],
      );
    }
  });
}
