// Numbered choices waiting for "@bot 2": one per user and channel, expiring
// after a few minutes so an old list never answers a new question.
import type { Field, Lang } from './types.ts';

export interface PendingChoice {
  movieIds: string[];
  fields: Field[];
  /** the person the question also named (기생충 송강호 나와? → check membership) */
  personKey: string | null;
  lang: Lang;
  expires: number;
}

export class PendingChoices {
  private readonly entries = new Map<string, PendingChoice>();

  constructor(
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
    private readonly max = 10_000,
  ) {}

  private key(userId: string, channel: string): string {
    return `${userId}\u0000${channel}`;
  }

  set(userId: string, channel: string, choice: Omit<PendingChoice, 'expires'>): void {
    if (this.entries.size >= this.max) this.prune();
    this.entries.set(this.key(userId, channel), { ...choice, expires: this.now() + this.ttlMs });
  }

  get(userId: string, channel: string): PendingChoice | null {
    const k = this.key(userId, channel);
    const e = this.entries.get(k);
    if (!e) return null;
    if (e.expires <= this.now()) {
      this.entries.delete(k);
      return null;
    }
    return e;
  }

  private prune(): void {
    const t = this.now();
    for (const [k, e] of this.entries) if (e.expires <= t) this.entries.delete(k);
    // Still full: drop the oldest (Map keeps insertion order).
    while (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
  }
}

/** "2", "2번", "2번째", "2번이요", "#2" → 2; anything else → null. */
export function parseChoice(text: string): number | null {
  const m = /^\s*#?(\d{1,2})\s*(?:번째?|번이요|번요|번\s*영화|번이에요)?\s*[.!?요]*\s*$/u.exec(text);
  return m ? Number(m[1]) : null;
}
