// Beside a running server an import keeps pace with the node that stores and
// indexes it: before each produce request it asks how far that node's ingest
// and search service are behind the log, and waits while that is more than
// PACE_AHEAD records. The importer produces faster (~60,000 lines/s) than a
// 2-core node indexes beside live chat; an unbounded backlog would only make
// search lag by minutes and stack the catch-ups of ingest, the search service
// and the topic count on top of each other in memory. Alone (no server) it
// runs at full speed. A lag that stops shrinking is not waited for (a stalled
// consumer must not hang the import: Kafka keeps the records either way).

/** Records the node may be behind before the import waits. */
export const PACE_AHEAD = 50_000;
/** How often the node is asked, at most. */
export const PACE_POLL_MS = 500;
/** A lag that has not shrunk for this long is not waited for any more. */
export const PACE_STALL_MS = 30_000;

export interface PaceOptions {
  /** records the node is behind the log, or null when it cannot tell (then the import does not wait) */
  behind: () => Promise<number | null>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** told once when a stalled lag stops the waiting */
  onStall?: (lag: number) => void;
}

export interface Pacer {
  /** Resolves when `sending` more records keep the node within PACE_AHEAD. */
  beforeSend(sending: number): Promise<void>;
  /** total ms spent waiting */
  readonly waitedMs: number;
}

export function pacer(o: PaceOptions): Pacer {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let asked = -Infinity;
  let lag: number | null = null;
  let sentSince = 0;
  let stalled = false;
  let waitedMs = 0;
  const ask = async () => {
    asked = now();
    lag = await o.behind();
    sentSince = 0;
  };
  return {
    get waitedMs() {
      return waitedMs;
    },
    async beforeSend(sending) {
      if (stalled) return;
      if (now() - asked >= PACE_POLL_MS) await ask();
      const started = now();
      let best = Infinity;
      let bestAt = started;
      // lag as last answered, plus what was sent since: the wait starts before the node falls too far behind
      while (lag !== null && lag + sentSince > PACE_AHEAD) {
        if (lag < best) {
          best = lag;
          bestAt = now();
        } else if (now() - bestAt >= PACE_STALL_MS) {
          stalled = true;
          o.onStall?.(lag);
          break;
        }
        await sleep(Math.max(asked + PACE_POLL_MS - now(), 0) || PACE_POLL_MS);
        await ask();
      }
      waitedMs += now() - started;
      sentSince += sending;
    },
  };
}
