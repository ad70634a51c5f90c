// Generous to people, firm with floods, fair to everyone.
//
// A question sent after the bot answered the asker's previous one is
// "reply-paced" and always answered, however many come in a row: a person
// asking one thing after another is never refused. Questions sent while the
// asker's earlier ones are still unanswered draw on a per-person burst
// allowance (`limit`, default 5) that refills over `windowMs` (default 30 s:
// one question every 6 s). A refused question still gets an answer — to the
// asker only — saying when to ask again. Budgets are per person, so a flood
// costs everyone else nothing but the moment it takes to say no.
//
// "Sent after the answer" is read from the log itself: a question that sits
// after the reply in its Kafka partition was produced after the reply was.
// When the two are in different partitions (another channel), the
// timestamps decide.

/** Where an envelope sits on the topic (Kafka partition and offset; the in-process harness counts). */
export interface LogPosition {
  partition: number;
  offset: number;
}

export interface Sent {
  ts: number;
  at?: LogPosition;
}

export type RateDecision =
  | { allowed: true; /** sent after the previous answer: costs nothing */ paced: boolean }
  | { allowed: false; /** when one more question will be allowed */ retryAfterMs: number };

interface Budget {
  tokens: number;
  updated: number;
  lastAnswer: Sent | null;
}

export class RateLimiter {
  private readonly people = new Map<string, Budget>();

  constructor(
    /** questions a person may send without waiting for answers */
    readonly limit = 5,
    /** time for the whole allowance to refill */
    readonly windowMs = 30_000,
  ) {}

  /** May this person's question be answered now? (`now` is the bot's clock; `q` where the question sits.) */
  check(userId: string, q: Sent, now: number): RateDecision {
    const b = this.budget(userId, now);
    if (this.paced(b.lastAnswer, q)) return { allowed: true, paced: true };
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true, paced: false };
    }
    return { allowed: false, retryAfterMs: Math.ceil(((1 - b.tokens) * this.windowMs) / this.limit) };
  }

  /** The bot answered (or refused) this person: later questions are measured against this reply. */
  answered(userId: string, reply: Sent, now: number): void {
    this.budget(userId, now).lastAnswer = reply;
  }

  /** Forget people whose allowance is full again, so the map does not grow without bound. */
  sweep(now: number): void {
    for (const [id, b] of this.people) if (b.tokens + ((now - b.updated) * this.limit) / this.windowMs >= this.limit) this.people.delete(id);
  }

  private paced(last: Sent | null, q: Sent): boolean {
    if (!last) return true;
    if (last.at && q.at && last.at.partition === q.at.partition) return q.at.offset > last.at.offset;
    return q.ts >= last.ts;
  }

  private budget(userId: string, now: number): Budget {
    let b = this.people.get(userId);
    if (!b) {
      b = { tokens: this.limit, updated: now, lastAnswer: null };
      this.people.set(userId, b);
    }
    b.tokens = Math.min(this.limit, b.tokens + (Math.max(0, now - b.updated) * this.limit) / this.windowMs);
    b.updated = now;
    return b;
  }
}

/** "12초", "3분", "1분 30초": a duration as a person reads it (waits, reminder intervals). */
export function durationText(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  if (s < 60) return `${s}초`;
  const m = Math.floor(s / 60);
  const rest = s % 60;
  return rest ? `${m}분 ${rest}초` : `${m}분`;
}
