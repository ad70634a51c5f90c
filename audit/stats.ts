// Topic statistics and volume. Keywords are topic terms (core/korean/terms.ts):
// nouns from Kiwi's morphological analysis (the rule tokenizer until the
// model is loaded) and English words (stopwords dropped, Porter-stemmed);
// verb and adjective lemmas only when a view asks for them (`pos`).
// Distinctiveness is Dunning's log-likelihood (G²) of a term's frequency in
// the period against the previous period of equal length: high when the
// term is much more frequent now than before, ~0 when it is as common as
// usual. "Rising" lists the terms with the highest positive G².
// Counts come from per-day tables kept up to date incrementally
// (audit/topics.ts); topicsScan() is the request-time method they replace.
import type { Database } from '../core/db.ts';
import { addDays, dayRange, isDate, localDate, zoneOffsetMinutes } from '../core/time.ts';
import { InputError } from '../core/errors.ts';
import { messageLog } from '../ingest/index.ts';
import type { TermAnalyzer } from '../core/korean/terms.ts';
import { catchUpTopics, resolveAnalyzer, type AnalyzerChoice, type CatchUpStats } from './topics.ts';

/** An input error (core/errors.ts) with its own name, so callers and tests can tell where it came from. */
export class StatsError extends InputError {
  constructor(message: string) {
    super('bad_parameter', message);
    this.name = 'StatsError';
  }
}

export interface Period {
  from: string;
  to: string;
  start: number;
  end: number;
  tz: string;
}

/** from/to as local dates (inclusive); default both = today in `tz`. */
export function period(fromIn: unknown, toIn: unknown, tz: string, now = Date.now()): Period {
  const today = localDate(now, tz);
  const from = fromIn === undefined || fromIn === '' ? (toIn ? String(toIn) : today) : String(fromIn);
  const to = toIn === undefined || toIn === '' ? from : String(toIn);
  if (!isDate(from)) throw new StatsError(`from must be a date YYYY-MM-DD, got "${from}"`);
  if (!isDate(to)) throw new StatsError(`to must be a date YYYY-MM-DD, got "${to}"`);
  if (to < from) throw new StatsError(`to (${to}) is before from (${from})`);
  return { from, to, start: dayRange(from, tz).start, end: dayRange(to, tz).end, tz };
}

export interface Keyword {
  term: string;
  count: number;
  /** messages containing the term */
  messages: number;
  /** signed log-likelihood against the reference period (positive = more frequent now) */
  score: number;
  previous: number;
}

function g2(a: number, b: number, c: number, d: number): number {
  // a, b: term count now / before; c, d: all tokens now / before
  if (c === 0 || d === 0 || a + b === 0) return 0;
  const e1 = (c * (a + b)) / (c + d);
  const e2 = (d * (a + b)) / (c + d);
  const ll = 2 * ((a > 0 ? a * Math.log(a / e1) : 0) + (b > 0 ? b * Math.log(b / e2) : 0));
  return a / c >= b / d ? ll : -ll;
}

function displayOf(spellings: Map<string, Map<string, number>>, t: string): string {
  const m = spellings.get(t);
  if (!m || m.size === 0) return t;
  return [...m].sort((a, b) => b[1] - a[1] || a[0].length - b[0].length || (a[0] < b[0] ? -1 : 1))[0][0];
}

/** Which terms a view counts: nouns (and English words), verb/adjective lemmas, or both. */
export const POS = ['nouns', 'verbs', 'all'] as const;
export type Pos = (typeof POS)[number];

const kindsOf = (pos: Pos): string[] => (pos === 'nouns' ? ['noun'] : pos === 'verbs' ? ['verb'] : ['noun', 'verb']);

async function countTerms(db: Database, start: number, end: number, channel: string | null, analyzer: TermAnalyzer, pos: Pos) {
  const rows: { text: string }[] = [];
  for await (const b of messageLog(db).read({ fields: ['text'], types: ['message'], from: start, to: end, ...(channel ? { channel } : {}) })) {
    for (const text of b.text) rows.push({ text });
  }
  const kinds = new Set(kindsOf(pos));
  const counts = new Map<string, number>();
  const docs = new Map<string, number>();
  // Porter stems are for matching, not reading ("deploi"): show an English term as its most frequent spelling.
  const spellings = new Map<string, Map<string, number>>();
  let tokens = 0;
  const analysed = await analyzer.terms(rows.map((r) => r.text));
  for (const terms of analysed) {
    const seen = new Set<string>();
    for (const tok of terms) {
      if (!kinds.has(tok.kind)) continue;
      const t = tok.term;
      if (tok.latin) {
        let m = spellings.get(t);
        if (!m) spellings.set(t, (m = new Map()));
        const w = tok.surface.toLowerCase();
        m.set(w, (m.get(w) ?? 0) + 1);
      }
      tokens++;
      counts.set(t, (counts.get(t) ?? 0) + 1);
      if (!seen.has(t)) {
        seen.add(t);
        docs.set(t, (docs.get(t) ?? 0) + 1);
      }
    }
  }
  const display = (t: string): string => displayOf(spellings, t);
  return { counts, docs, tokens, messages: rows.length, display };
}

export interface TopicsResult {
  keywords: Keyword[];
  rising: Keyword[];
  period: Period & { messages: number; tokens: number };
  reference: { from: string; to: string; messages: number; tokens: number };
  channel: string | null;
  pos: Pos;
  /** which analyser made the counts, and whether they cover every stored message of the period */
  coverage: { analyzer: string; complete: boolean; pending_messages: number; days_by_analyzer: Record<string, number> };
  method: string;
}

const METHOD =
  'topic terms: nouns from Kiwi morphological analysis (rule tokenizer until the model is loaded; verb/adjective lemmas with pos=verbs|all), English words Porter-stemmed, stopwords removed; score = signed Dunning log-likelihood vs the previous period of equal length';

export interface TopicsOptions {
  channel?: string | null;
  limit?: number;
  pos?: Pos;
  analyzer?: AnalyzerChoice;
  /** how long a request waits for the counts to catch up before answering from what is counted (ms, default 10000) */
  waitMs?: number;
}

interface TermRow {
  term: string;
  display: string;
  count: number;
  messages: number;
  previous: number;
}

/** The reference period: the days just before p, as many as p has. */
function referenceOf(p: Period) {
  const days = Math.round((dayRange(p.to, p.tz).end - dayRange(p.from, p.tz).start) / 86_400_000) || 1;
  return { from: addDays(p.from, -days), to: addDays(p.from, -1) };
}

function normChannel(channel: string | null | undefined): string | null {
  return channel ? channel.replace(/^#/, '').toLowerCase() : null;
}

/** Score, sort and cut (shared by both methods so they rank identically). */
function rank(
  p: Period,
  ref: { from: string; to: string },
  terms: Iterable<TermRow>,
  now: { messages: number; tokens: number },
  before: { messages: number; tokens: number },
  view: { channel: string | null; limit: number; pos: Pos; coverage: TopicsResult['coverage'] },
): TopicsResult {
  const { channel, limit, pos, coverage } = view;
  const all: Keyword[] = [];
  for (const t of terms) {
    all.push({ term: t.display, count: t.count, messages: t.messages, previous: t.previous, score: Math.round(g2(t.count, t.previous, now.tokens, before.tokens) * 100) / 100 });
  }
  const keywords = [...all].sort((a, b) => b.count - a.count || b.score - a.score || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0)).slice(0, limit);
  // Rising: over-represented now and seen at least twice (one-offs are noise).
  const rising = all
    .filter((k) => k.score > 0 && k.count >= 2 && k.count > k.previous)
    .sort((a, b) => b.score - a.score || b.count - a.count || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0))
    .slice(0, limit);
  return {
    keywords,
    rising,
    period: { ...p, messages: now.messages, tokens: now.tokens },
    reference: { ...ref, messages: before.messages, tokens: before.tokens },
    channel,
    pos,
    coverage,
    method: METHOD,
  };
}

/** Wait for `p` at most `ms`; true when it settled in time (its failure is the caller's to see elsewhere). */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = p.then(
    () => true,
    () => true,
  );
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Which analyser counted the period's days, and how many stored messages are not counted yet. */
async function coverageOf(db: Database, p: Period, channel: string | null, caughtUp: boolean, current: string): Promise<TopicsResult['coverage']> {
  const rows = await db.all<{ analyzer: string; n: number }>(
    `SELECT analyzer, count(*)::DOUBLE AS n FROM topic_days WHERE day BETWEEN ?::DATE AND ?::DATE${channel ? ' AND channel = ?' : ''} GROUP BY 1 ORDER BY 1`,
    channel ? [p.from, p.to, channel] : [p.from, p.to],
  );
  let pending = 0;
  if (!caughtUp) {
    const r = await db.one<{ n: number }>(
      `SELECT count(*)::DOUBLE AS n FROM messages WHERE rowid > (SELECT COALESCE(max(last_rowid), -1) FROM topic_progress) AND type = 'message' AND ts_ms >= ? AND ts_ms < ?`,
      [p.start, p.end],
    );
    pending = Number(r?.n ?? 0);
  }
  const days = Object.fromEntries(rows.map((r) => [r.analyzer, Number(r.n)]));
  return { analyzer: current, complete: pending === 0 && rows.every((r) => r.analyzer === current), pending_messages: pending, days_by_analyzer: days };
}

/**
 * Topic statistics from the incremental per-day counts (audit/topics.ts),
 * caught up first (up to `waitMs`; after that the answer says what is not
 * counted yet in `coverage`). Same result as topicsScan() once caught up,
 * without reading or analysing the period's messages.
 */
export async function topics(db: Database, p: Period, options: TopicsOptions = {}): Promise<TopicsResult> {
  const limit = options.limit ?? 20;
  const pos = options.pos ?? 'nouns';
  const channel = normChannel(options.channel);
  const ref = referenceOf(p);
  let stats: CatchUpStats | null = null;
  const run = catchUpTopics(db, p.tz, { analyzer: options.analyzer }).then((s) => (stats = s));
  const caughtUp = await within(run, options.waitMs ?? 10_000);
  if (caughtUp) await run; // a failed catch-up is an error of this request
  const chan = channel ? ' AND channel = ?' : '';
  const kinds = kindsOf(pos)
    .map((k) => `'${k}'`)
    .join(', ');
  const tokenCol = pos === 'nouns' ? 'tokens' : pos === 'verbs' ? 'verb_tokens' : 'tokens + verb_tokens';
  const args = (from: string, to: string) => (channel ? [from, to, channel] : [from, to]);
  const totals = async (from: string, to: string) => {
    const r = await db.one<{ messages: number | null; tokens: number | null }>(
      `SELECT sum(messages)::DOUBLE AS messages, sum(${tokenCol})::DOUBLE AS tokens FROM topic_days WHERE day BETWEEN ?::DATE AND ?::DATE${chan}`,
      args(from, to),
    );
    return { messages: Number(r?.messages ?? 0), tokens: Number(r?.tokens ?? 0) };
  };
  const [now, before] = await Promise.all([totals(p.from, p.to), totals(ref.from, ref.to)]);
  // Only the candidates leave DuckDB: the top counts and the top rising scores
  // (ranked with slack; rank() below re-scores and cuts them exactly).
  const slack = limit + 200;
  const c = now.tokens;
  const d = before.tokens;
  const rows = await db.all<{ term: string; count: number; messages: number; previous: number }>(
    `WITH cur AS (SELECT term, sum(count)::DOUBLE AS a, sum(messages)::DOUBLE AS m FROM topic_terms WHERE day BETWEEN ?::DATE AND ?::DATE${chan} AND kind IN (${kinds}) GROUP BY term),
          prev AS (SELECT term, sum(count)::DOUBLE AS b FROM topic_terms WHERE day BETWEEN ?::DATE AND ?::DATE${chan} AND kind IN (${kinds}) GROUP BY term),
          j AS (SELECT cur.term, a, m, COALESCE(prev.b, 0) AS b FROM cur LEFT JOIN prev USING (term)),
          s AS (SELECT *, CASE WHEN ${c} = 0 OR ${d} = 0 OR a + b = 0 THEN 0 ELSE
                  (CASE WHEN a / ${c} >= b / ${d} THEN 1 ELSE -1 END) * 2 * (
                    (CASE WHEN a > 0 THEN a * ln(a / (${c} * (a + b) / (${c} + ${d}))) ELSE 0 END) +
                    (CASE WHEN b > 0 THEN b * ln(b / (${d} * (a + b) / (${c} + ${d}))) ELSE 0 END)) END AS raw FROM j),
          r AS (SELECT *, round(raw, 2) AS sc FROM s)
     SELECT term, a AS count, m AS messages, b AS previous FROM (
       SELECT *, row_number() OVER (ORDER BY a DESC, sc DESC, term) AS rk_count,
                 row_number() OVER (ORDER BY (sc > 0 AND a >= 2 AND a > b) DESC, sc DESC, a DESC, term) AS rk_rising
         FROM r) WHERE rk_count <= ${slack} OR (sc > 0 AND a >= 2 AND a > b AND rk_rising <= ${slack})`,
    [...args(p.from, p.to), ...args(ref.from, ref.to)],
  );
  // Porter stems are for matching, not reading ("deploi"): show an English term as its most frequent spelling in the period.
  const spellings = new Map<string, Map<string, number>>();
  for (let i = 0; i < rows.length; i += 1000) {
    const batch = rows.slice(i, i + 1000).map((r) => r.term);
    const sp = await db.all<{ term: string; spelling: string; n: number }>(
      `SELECT term, spelling, sum(count)::DOUBLE AS n FROM topic_spellings
        WHERE day BETWEEN ?::DATE AND ?::DATE${chan} AND term IN (${batch.map(() => '?').join(', ')}) GROUP BY term, spelling`,
      [...args(p.from, p.to), ...batch],
    );
    for (const r of sp) {
      let m = spellings.get(r.term);
      if (!m) spellings.set(r.term, (m = new Map()));
      m.set(r.spelling, Number(r.n));
    }
  }
  const current = (stats as CatchUpStats | null)?.analyzer ?? (await db.one<{ a: string }>('SELECT analyzer AS a FROM topic_progress WHERE id = 1'))?.a ?? 'none';
  const coverage = await coverageOf(db, p, channel, caughtUp, current);
  return rank(
    p,
    ref,
    rows.map((r) => ({ term: r.term, display: displayOf(spellings, r.term), count: Number(r.count), messages: Number(r.messages), previous: Number(r.previous) })),
    now,
    before,
    { channel, limit, pos, coverage },
  );
}

/**
 * The request-time method (every message of both periods read and analysed):
 * kept as the reference the incremental counts are tested and benchmarked against.
 */
export async function topicsScan(db: Database, p: Period, options: TopicsOptions = {}): Promise<TopicsResult> {
  const limit = options.limit ?? 20;
  const pos = options.pos ?? 'nouns';
  const channel = normChannel(options.channel);
  const ref = referenceOf(p);
  const analyzer = await resolveAnalyzer(options.analyzer);
  const [now, before] = await Promise.all([
    countTerms(db, p.start, p.end, channel, analyzer, pos),
    countTerms(db, dayRange(ref.from, p.tz).start, p.start, channel, analyzer, pos),
  ]);
  const terms = [...now.counts].map(([term, count]) => ({ term, display: now.display(term), count, messages: now.docs.get(term) ?? 0, previous: before.counts.get(term) ?? 0 }));
  const coverage = { analyzer: analyzer.name, complete: true, pending_messages: 0, days_by_analyzer: {} };
  return rank(p, ref, terms, now, before, { channel, limit, pos, coverage });
}

/** The last local day up to and including `day` that has a chat message, or null when there is none. */
export async function lastDayWithData(db: Database, day: string, tz: string): Promise<string | null> {
  const { end } = dayRange(day, tz);
  const rows = await messageLog(db).count('day', { to: end, types: ['message'], offsetMs: zoneOffsetMinutes(end, tz) * 60_000 });
  const last = rows.at(-1);
  return last ? new Date(Number(last.key)).toISOString().slice(0, 10) : null;
}

export const VOLUME_BY = ['hour', 'day', 'channel', 'user'] as const;
export type VolumeBy = (typeof VOLUME_BY)[number];

export async function volume(db: Database, p: Period, by: VolumeBy, channel: string | null = null) {
  const filter = { from: p.start, to: p.end, ...(channel ? { channel: channel.replace(/^#/, '').toLowerCase() } : {}) };
  // Local time buckets: shift by the zone's offset at the period start (Seoul has no DST).
  const off = zoneOffsetMinutes(p.start, p.tz) * 60_000;
  let buckets: { key: string; ts?: number; count: number }[];
  if (by === 'hour' || by === 'day') {
    const rows = await messageLog(db).count(by, { ...filter, offsetMs: off });
    buckets = rows.map((r) => {
      const iso = new Date(Number(r.key)).toISOString();
      // key: the local wall-clock label; ts: the bucket's start as an instant (epoch ms)
      return { key: by === 'hour' ? `${iso.slice(0, 10)} ${iso.slice(11, 13)}:00` : iso.slice(0, 10), ts: Number(r.key) - off, count: r.count };
    });
  } else {
    const rows = await messageLog(db).count(by === 'channel' ? 'channel' : 'nick', { ...filter, limit: 500 });
    buckets = rows.map((r) => ({ key: String(r.key), count: r.count }));
  }
  return { by, period: p, channel, buckets, total: buckets.reduce((s, b) => s + b.count, 0) };
}

/** Bot usage from the bot runtime's bot_commands table (empty when bots never ran). */
export async function botUsage(db: Database, p: Period) {
  try {
    const rows = await db.all<{ bot: string; command: string; calls: number; errors: number; users: number; avg_ms: number }>(
      `SELECT bot, command, count(*) AS calls, count(*) FILTER (WHERE result <> 'ok') AS errors,
              count(DISTINCT user_id) AS users, round(avg(duration_ms), 1) AS avg_ms
         FROM bot_commands WHERE epoch_ms(ts) >= ? AND epoch_ms(ts) < ?
        GROUP BY 1, 2 ORDER BY calls DESC, 1, 2`,
      [p.start, p.end],
    );
    return { period: p, commands: rows, total: rows.reduce((s, r) => s + Number(r.calls), 0) };
  } catch (err) {
    if (/does not exist/i.test((err as Error).message)) return { period: p, commands: [], total: 0 };
    throw err;
  }
}
