// What /healthz says about ingest, kept truthful: not ok while DuckDB writes
// fail (e.g. "No space left on device") or the consumer is down, with the
// error and when it happened; ok again only after the next successful commit
// (or, for a consumer crash, once it has rejoined its group). Restarts of a
// crashed consumer are counted and back off.
import { logger } from '../core/log.ts';

const log = logger('ingest');

export type IngestState = 'starting' | 'running' | 'restarting' | 'stopped';

/** Backoff before restarting a crashed consumer: 1 s, 2 s, 4 s … at most 30 s; reset by a successful commit. */
export const restartDelay = (attempt: number): number => Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));

/** Backoff before a failed DuckDB write is tried again with the same batches: 250 ms, 500 ms … at most 5 s. */
export const retryDelay = (attempt: number): number => Math.min(5000, 250 * 2 ** Math.min(attempt, 5));

/**
 * Errors that are bugs, not conditions (the same list as kafkajs' retrier):
 * trying the same write again would fail the same way, so ingest starts over
 * from DuckDB's marks after a backoff instead.
 */
export function isBug(err: unknown): boolean {
  return ['RangeError', 'ReferenceError', 'SyntaxError', 'TypeError'].includes((err as Error)?.name);
}

export class IngestStatus {
  state: IngestState = 'starting';
  /** a DuckDB (or DLQ) write failing since the last successful commit */
  private writeError: { message: string; at: number } | null = null;
  /** the consumer crashed and has not rejoined its group yet */
  private consumerError: { message: string; at: number } | null = null;
  private last: { message: string; at: number } | null = null;
  restarts = 0;
  /** crashes since the last successful commit (the restart backoff) */
  attempt = 0;
  /** records chat.dlq could not take (kept in ingest_errors only) */
  dlqFailed = 0;

  get ok(): boolean {
    return this.state === 'running' && !this.writeError && !this.consumerError;
  }

  writeFailed(err: unknown): void {
    const message = errorText(err);
    if (this.writeError?.message !== message) log.error({ err: message }, 'ingest could not store a batch; it is retried');
    this.writeError = this.last = { message, at: Date.now() };
  }

  committed(): void {
    if (this.writeError || this.consumerError) log.info({ after: (this.writeError ?? this.consumerError)!.message }, 'ingest stores again');
    this.writeError = null;
    this.consumerError = null;
    this.attempt = 0;
  }

  crashed(err: unknown, restartsItself: boolean): void {
    const message = errorText(err);
    this.consumerError = this.last = { message, at: Date.now() };
    log.error({ err: message, restart: restartsItself ? 'by kafkajs' : `in ${restartDelay(this.attempt)} ms` }, 'ingest consumer crashed');
  }

  rejoined(): void {
    this.consumerError = null;
  }

  /** The fields /healthz shows (beside lag and counters). */
  report(): { ok: boolean; state: IngestState; restarts: number; dlq_failed: number; error?: string; error_at?: string; last_error?: string; last_error_at?: string } {
    const now = this.writeError ?? this.consumerError;
    return {
      ok: this.ok,
      state: this.state,
      restarts: this.restarts,
      dlq_failed: this.dlqFailed,
      ...(now ? { error: now.message, error_at: new Date(now.at).toISOString() } : {}),
      ...(this.last ? { last_error: this.last.message, last_error_at: new Date(this.last.at).toISOString() } : {}),
    };
  }
}

function errorText(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0].slice(0, 500);
}
