// Long work on the event loop, in turns.
//
// The server's one event loop also answers searches, the chat's websockets
// and ingest: background work that runs there (the topic count aggregating
// 25,000 messages, a staging appender of 100,000 rows) must not hold it for
// hundreds of milliseconds. Such a loop asks `turns.due` every few rows and,
// when its turn is over, pauses (`if (turns.due) await turns.pause()`):
// timers, I/O and requests run, then the work goes on.

/** The default length of a turn: a request waits at most about this long for background work. */
export const TURN_MS = 8;

export class Turns {
  private since = performance.now();

  constructor(private readonly budgetMs: number = TURN_MS) {}

  /** Has this turn lasted its budget? */
  get due(): boolean {
    return performance.now() - this.since >= this.budgetMs;
  }

  /** Let everything else waiting on the event loop run, then start a new turn. */
  async pause(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.since = performance.now();
  }

}

/**
 * Run a job written as a generator that yields between steps: to the end at
 * once without `turns` (a synchronous caller), or pausing whenever a turn is
 * over.
 */
export async function inTurns(steps: Iterable<unknown>, turns?: Turns): Promise<void> {
  for (const _ of steps) if (turns?.due) await turns.pause();
}

/** The same job run to the end at once. */
export function atOnce(steps: Iterable<unknown>): void {
  for (const _ of steps);
}
