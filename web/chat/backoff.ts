// Reconnect delays: exponential with "full jitter", so a restarted server is
// not hit by every browser at the same instant.
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 10_000;

/** Delay before reconnect attempt `attempt` (0-based); `random` in [0,1). */
export function backoffDelay(attempt: number, random: number = Math.random(), base = BACKOFF_BASE_MS, max = BACKOFF_MAX_MS): number {
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt));
  // Never below a quarter of the ceiling: full jitter can pick ~0 and spin.
  return Math.round(ceiling / 4 + random * (ceiling * 3) / 4);
}
