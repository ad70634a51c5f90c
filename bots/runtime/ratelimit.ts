// Per-user command budget (default 5 commands per 30 s). The first refusal in
// a window is answered politely; later ones in the same window stay silent so
// a flood cannot make the bot flood back.
export interface RateDecision {
  allowed: boolean;
  /** true for the first refusal in the window: answer it once */
  notify: boolean;
}

export class RateLimiter {
  private readonly hits = new Map<string, { times: number[]; notified: boolean }>();

  constructor(
    readonly limit = 5,
    readonly windowMs = 30_000,
  ) {}

  check(userId: string, now: number): RateDecision {
    const entry = this.hits.get(userId) ?? { times: [], notified: false };
    entry.times = entry.times.filter((t) => now - t < this.windowMs);
    if (entry.times.length === 0) entry.notified = false;
    this.hits.set(userId, entry);
    if (entry.times.length < this.limit) {
      entry.times.push(now);
      return { allowed: true, notify: false };
    }
    const notify = !entry.notified;
    entry.notified = true;
    return { allowed: false, notify };
  }

  /** Forget idle users so the map does not grow without bound. */
  sweep(now: number): void {
    for (const [id, e] of this.hits) if (e.times.every((t) => now - t >= this.windowMs)) this.hits.delete(id);
  }
}
