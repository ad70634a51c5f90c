// When the background topic count (audit/topics.ts, via the audit part) runs
// next. After commits, at most every TOPICS_EVERY_MS. Commits adding
// BULK_ROWS_PER_SECOND or more rows within a second are ingest catching up or
// an import streaming in, not live chat (500 people typing make ~500 a
// second), and so are commits after which ingest knows BULK_BACKLOG records
// or more still wait in Kafka: the count then waits until that has stopped —
// ingest caught up, and no bulk commit for BULK_QUIET_MS or twice the longest
// gap between the bulk's commits, whichever is longer (a busy ingest commits
// tens of thousands of rows every few seconds) — but never longer than
// BULK_MAX_DEFER_MS in all. Why: Kiwi's
// model (~0.6 GB while loaded) is then not resident beside ingest's and the
// search service's own catch-up (the product stays under its 1.5 GiB budget),
// and the two cores store the events first. A stats request still catches up
// at once (audit/stats.ts), so no answer is ever staler for this.
// A count that started before the bulk began (an import's first rows look
// like chat) yields to it: it stops at its next batch (the unfinished
// window is counted later, exactly once) and resumes after the bulk; one
// that started only because BULK_MAX_DEFER_MS ran out does not, or a lasting
// bulk would starve it. While the bulk lasts, a Kiwi worker left loaded is
// released once it has had nothing to do for KIWI_BULK_QUIET_MS.

export const TOPICS_EVERY_MS = 5_000;
export const BULK_ROWS_PER_SECOND = 1_000;
export const BULK_BACKLOG = 1_000;
export const BULK_QUIET_MS = 5_000;
export const BULK_MAX_DEFER_MS = 300_000;
export const KIWI_BULK_QUIET_MS = 3_000;

export interface TopicsPace {
  /** when the last count started (ms; 0 = never) */
  last: number;
  /** when the current run of bulk commits began, and its latest commit (0 = none since the last count) */
  bulkSince: number;
  bulkLast: number;
  /** the longest gap between two bulk commits of the current run */
  bulkGap: number;
  /** the last commit left ingest BULK_BACKLOG or more records behind */
  behind: boolean;
  /** the current (or last) count started during a bulk, because BULK_MAX_DEFER_MS ran out */
  countForced: boolean;
  /** rows committed in the current one-second window, and when it began */
  windowRows: number;
  windowStart: number;
}

export const newPace = (): TopicsPace => ({ last: 0, bulkSince: 0, bulkLast: 0, bulkGap: 0, behind: false, countForced: false, windowRows: 0, windowStart: 0 });

/** Note a commit of `rows` rows at `now`, after which `backlog` records wait in Kafka (when known). */
export function noteCommit(p: TopicsPace, rows: number, now: number, backlog?: number): void {
  if (now - p.windowStart >= 1_000) {
    p.windowStart = now;
    p.windowRows = 0;
  }
  p.windowRows += rows;
  if (backlog !== undefined) p.behind = backlog >= BULK_BACKLOG;
  if (p.windowRows < BULK_ROWS_PER_SECOND && !p.behind) return;
  if (p.bulkSince) p.bulkGap = Math.max(p.bulkGap, now - p.bulkLast);
  else p.bulkSince = now;
  p.bulkLast = now;
}

/** When the current bulk counts as over (Infinity while ingest is behind). */
const quietUntil = (p: TopicsPace): number => (p.behind ? Infinity : p.bulkLast + Math.max(BULK_QUIET_MS, 2 * p.bulkGap));

/** A run of bulk commits is under way (the count waits for its end). */
export const inBulk = (p: TopicsPace): boolean => p.bulkSince !== 0;

/** A running count should stop at its next batch: a bulk began after it started. */
export const yieldsToBulk = (p: TopicsPace): boolean => inBulk(p) && !p.countForced;

/** Milliseconds until the next count may start (0 = now). */
export function untilNextCount(p: TopicsPace, now: number): number {
  const paced = p.last + TOPICS_EVERY_MS;
  const bulk = p.bulkSince ? Math.min(quietUntil(p), p.bulkSince + BULK_MAX_DEFER_MS) : 0;
  return Math.max(0, paced - now, bulk - now);
}

/** A count starts at `now`. */
export function noteCount(p: TopicsPace, now: number): void {
  p.last = now;
  p.countForced = inBulk(p) && now < quietUntil(p);
  p.bulkSince = 0;
  p.bulkLast = 0;
  p.bulkGap = 0;
  p.behind = false;
}
