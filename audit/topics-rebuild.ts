// Recounting topic terms of days already counted (audit/topics.ts keeps new
// messages counted; this redoes old ones): after the analyser changed (the
// rule tokenizer counted while the Kiwi model was not there yet), or on
// request (`kchat topics rebuild --from --to`).
//
// One day at a time, newest first: the day's counted messages (rowid at or
// below the watermark) are analysed again and the day's rows replaced in one
// transaction, so a crash or a stop leaves every day either old or new, never
// half. Steps take the same per-database turn as catch-ups, so the watermark
// cannot move while a day is recounted.
import type { Database } from '../core/db.ts';
import { dayRange, isDate } from '../core/time.ts';
import { logger } from '../core/log.ts';
import { Turns } from '../core/turns.ts';
import { InputError } from '../core/errors.ts';
import { loadConfig } from '../core/config.ts';
import { kiwiTerms, ruleTerms } from '../core/korean/terms.ts';
import { messageLog } from '../ingest/index.ts';
import { addMessage, analyseLog, backgroundAnalyzer, catchUpTopics, dayCutter, ensureTopicSchema, exclusive, freshAgg, mergeAgg, resolveAnalyzer, type AnalyzerChoice } from './topics.ts';

const log = logger('audit.topics');

export interface RebuildProgress {
  day: string;
  /** days done so far, of `total` */
  done: number;
  total: number;
  /** messages recounted so far */
  messages: number;
}

export interface RebuildOptions {
  /** first and last local day (YYYY-MM-DD, inclusive); default: every counted day */
  from?: string;
  to?: string;
  /** only days counted by another analyser than the current one */
  staleOnly?: boolean;
  analyzer?: AnalyzerChoice;
  signal?: AbortSignal;
  onProgress?: (p: RebuildProgress) => void;
}

export interface RebuildResult {
  days: number;
  messages: number;
  ms: number;
  analyzer: string;
  /** false when stopped (signal) before the last day */
  complete: boolean;
}

/** The days a rebuild would recount (newest first). */
export async function daysToRebuild(db: Database, analyzer: string, o: Pick<RebuildOptions, 'from' | 'to' | 'staleOnly'>): Promise<string[]> {
  for (const [name, v] of [
    ['from', o.from],
    ['to', o.to],
  ] as const) {
    if (v !== undefined && !isDate(v)) throw new InputError('bad_date', `--${name} must be a date YYYY-MM-DD, got "${v}"`);
  }
  if (o.from && o.to && o.to < o.from) throw new InputError('bad_range', `--to (${o.to}) is before --from (${o.from})`);
  await ensureTopicSchema(db);
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    where.push(sql);
    params.push(value);
  };
  if (o.from) add('day >= ?::DATE', o.from);
  if (o.to) add('day <= ?::DATE', o.to);
  if (o.staleOnly) add('analyzer <> ?', analyzer);
  const rows = await db.all<{ day: string }>(
    `SELECT DISTINCT day::VARCHAR AS day FROM topic_days${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY day DESC`,
    params,
  );
  return rows.map((r) => r.day);
}

/** Recount the chosen days with the current analyser (catching up new messages first). */
export async function rebuildTopics(db: Database, tz: string, o: RebuildOptions = {}): Promise<RebuildResult> {
  const t0 = Date.now();
  const analyzer = await resolveAnalyzer(o.analyzer, backgroundAnalyzer);
  await catchUpTopics(db, tz, { analyzer, signal: o.signal });
  const days = await daysToRebuild(db, analyzer.name, o);
  let messages = 0;
  let done = 0;
  let lastLog = Date.now();
  if (days.length) log.info({ days: days.length, first: days.at(-1), last: days[0], analyzer: analyzer.name }, 'recounting topic terms');
  for (const day of days) {
    if (o.signal?.aborted) break;
    const n = await exclusive(db, () => rebuildDay(db, tz, day, analyzer, o.signal));
    if (n === null) break;
    messages += n;
    done++;
    o.onProgress?.({ day, done, total: days.length, messages });
    if (Date.now() - lastLog > 10_000 || done === days.length) {
      lastLog = Date.now();
      log.info({ done, total: days.length, day, messages, analyzer: analyzer.name }, 'recounting topic terms: progress');
    }
  }
  return { days: done, messages, ms: Date.now() - t0, analyzer: analyzer.name, complete: done === days.length };
}

/** One day: its counted messages analysed again, its rows replaced. Null when stopped. */
async function rebuildDay(db: Database, tz: string, day: string, analyzer: Awaited<ReturnType<typeof resolveAnalyzer>>, signal?: AbortSignal): Promise<number | null> {
  const progress = await db.one<{ last_rowid: number; tz: string }>('SELECT last_rowid, tz FROM topic_progress WHERE id = 1');
  if (!progress || progress.tz !== tz) return 0; // nothing counted in this zone yet: the catch-up counts it all
  const { start, end } = dayRange(day, tz);
  const agg = freshAgg();
  const dayOf = dayCutter(tz);
  const turns = new Turns(); // beside requests and ingest on the event loop
  let n = 0;
  // the day's messages counted so far: at or before the watermark (later ones are the catch-up's)
  const complete = await analyseLog(
    db,
    { from: start, to: end },
    analyzer,
    async (batch) => {
      for (let i = 0; i < batch.length; i++) {
        const r = batch[i];
        if ((i & 63) === 63 && turns.due) await turns.pause();
        if (r.ts === null || r.position > progress.last_rowid) continue;
        n++;
        addMessage(agg, dayOf(r.ts) + '\t' + r.channel, r.terms);
      }
    },
    signal,
  );
  if (!complete) return null;
  await mergeAgg(db, agg, analyzer.name, { replaceDay: day });
  return n;
}

/**
 * What the server runs in the background: catch up, then — when the current
 * analyser is Kiwi — recount the days an earlier analyser counted.
 */
export async function maintainTopics(db: Database, tz: string, o: { signal?: AbortSignal; analyzer?: AnalyzerChoice } = {}): Promise<void> {
  // Kiwi weighs ~0.65 GiB while loaded: it is loaded only when there is something to count or recount.
  if (!o.analyzer && !(await hasTopicWork(db))) return;
  // (stopped while Kiwi loads — the count yields to a bulk ingest —: the load stops too, nothing is counted)
  const analyzer = await resolveAnalyzer(o.analyzer, () => backgroundAnalyzer(o.signal));
  if (o.signal?.aborted) return;
  await catchUpTopics(db, tz, { analyzer, signal: o.signal });
  // The rule tokenizer never recounts days Kiwi made (it is only the stand-in).
  if (analyzer.name === 'rule' || o.signal?.aborted) return;
  const stale = await daysToRebuild(db, analyzer.name, { staleOnly: true });
  if (stale.length) await rebuildTopics(db, tz, { analyzer, signal: o.signal, staleOnly: true });
}

/** Are there messages past the watermark, or days counted by another analyser than the one configured? */
async function hasTopicWork(db: Database): Promise<boolean> {
  await ensureTopicSchema(db);
  const progress = await db.one<{ last_rowid: number }>('SELECT last_rowid FROM topic_progress WHERE id = 1');
  for await (const b of messageLog(db).readSince(progress?.last_rowid ?? -1, { fields: ['position'], types: ['message'] })) if (b.size) return true;
  const config = loadConfig();
  const current = config.kiwi.enabled ? kiwiTerms(config).name : ruleTerms.name;
  return (await db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM topic_days WHERE analyzer <> ?', [current]))!.n > 0;
}
