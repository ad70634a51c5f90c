// The state topics as one feed: a consumer in a group of its own (one per
// process) reads chat.accounts, chat.channels, chat.reads and chat.presence
// from their beginning and hands every record, in offset order, to the book
// that keeps that topic's state in memory. A writer can wait until the feed
// has applied its own record (`applied(topic, offset)`), which is how "the
// first claim in log order wins" is decided: produce, read up to your own
// record, look. Like the gateway's bus, the consumer is rebuilt if kafkajs
// gives up on it (a broker restart); records are applied by offset, so a
// replay after a rebuild applies nothing twice.
import crypto from 'node:crypto';
import { onConsumerCrash, restartConsumer, topicOffsets, type Consumer, type KafkaClient, type KafkaMessage } from '../core/kafka.ts';
import { logger } from '../core/log.ts';

const log = logger('accounts.feed');

/** A record as a book sees it: its offset, key and JSON value (null: a tombstone). */
export interface StateRecord {
  offset: number;
  key: string;
  value: unknown;
  /** the record's Kafka timestamp (epoch ms) */
  ts: number;
}

/** What applies one topic's records. `live` is false while the feed catches up at start. */
export type Apply = (r: StateRecord, live: boolean) => void;

interface Waiter {
  offset: number;
  resolve(): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** How long a writer waits for the feed to show its own record before giving up (Kafka is then too slow to trust). */
const APPLY_TIMEOUT_MS = 15_000;

export class StateFeed {
  readonly instance = crypto.randomBytes(6).toString('hex');
  // consumer, stopped, lastError, restarts and state: a ConsumerOwner (core/kafka.ts restarts it)
  consumer: Consumer | null = null;
  /** next offset to apply, per topic (every state topic has one partition) */
  private readonly next = new Map<string, number>();
  private readonly waiters = new Map<string, Waiter[]>();
  stopped = false;
  private live = false;
  restarts = 0;
  lastError: string | null = null;
  state: 'idle' | 'catching_up' | 'ready' | 'restarting' | 'stopped' = 'idle';

  constructor(
    private readonly kafka: KafkaClient,
    private readonly books: ReadonlyMap<string, Apply>,
  ) {}

  private get groupId(): string {
    return this.kafka.names.groups.state(this.instance);
  }

  /** Read every state topic to its end (as it was when we started); resolves once applied. */
  async start(): Promise<void> {
    this.state = 'catching_up';
    // topics created a moment ago (a first `kchat users add`) may not be known to every
    // metadata request yet: retry what kafkajs reports as retriable, for a while
    const ends = await retrying(() => this.ends(), 'read the state topics\' ends');
    await retrying(() => this.run(), 'subscribe to the state topics', async () => {
      await this.consumer?.disconnect().catch(() => undefined);
    });
    await Promise.all([...ends].map(([topic, end]) => this.applied(topic, end - 1, 120_000)));
    this.live = true;
    this.state = 'ready';
    log.info({ ends: Object.fromEntries(ends) }, 'accounts and channels loaded');
  }

  /** The end (next offset to be written) of each state topic. */
  private async ends(): Promise<Map<string, number>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const out = new Map<string, number>();
      for (const topic of this.books.keys()) {
        const offsets = await topicOffsets(admin, topic);
        out.set(topic, Number(offsets.find((p) => p.partition === 0)?.high ?? 0));
      }
      return out;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async run(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: this.groupId, sessionTimeout: 10_000, heartbeatInterval: 2_000, maxWaitTimeInMs: 100 });
    this.consumer = consumer;
    onConsumerCrash(consumer, this, log, 'state consumer', () => this.rebuild());
    await consumer.connect();
    for (const topic of this.books.keys()) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, message }) => this.apply(topic, message),
    });
    // a rebuilt consumer resumes where this process is, not where a commit said
    for (const [topic, offset] of this.next) consumer.seek({ topic, partition: 0, offset: String(offset) });
  }

  private apply(topic: string, message: KafkaMessage): void {
    const offset = Number(message.offset);
    if (offset < (this.next.get(topic) ?? 0)) return;
    const book = this.books.get(topic);
    let value: unknown = null;
    if (message.value !== null) {
      try {
        value = JSON.parse(message.value.toString('utf8'));
      } catch {
        value = undefined;
      }
    }
    if (value === undefined) log.warn({ topic, offset }, 'skipping a state record that is not JSON');
    else {
      try {
        book?.({ offset, key: message.key?.toString('utf8') ?? '', value, ts: Number(message.timestamp) }, this.live);
      } catch (err) {
        // one bad record never stops the feed: it is skipped, loudly
        log.error({ err, topic, offset }, 'could not apply a state record; skipped');
      }
    }
    this.next.set(topic, offset + 1);
    const waiting = this.waiters.get(topic);
    if (!waiting?.length) return;
    const still: Waiter[] = [];
    for (const w of waiting) {
      if (w.offset <= offset) {
        clearTimeout(w.timer);
        w.resolve();
      } else still.push(w);
    }
    this.waiters.set(topic, still);
  }

  /** Resolves once the record at `offset` of `topic` (and everything before it) is applied. */
  applied(topic: string, offset: number, timeoutMs = APPLY_TIMEOUT_MS): Promise<void> {
    if (offset < (this.next.get(topic) ?? 0)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        offset,
        resolve,
        reject,
        timer: setTimeout(() => {
          const list = this.waiters.get(topic) ?? [];
          this.waiters.set(
            topic,
            list.filter((x) => x !== w),
          );
          reject(new Error(`Kafka did not show record ${offset} of ${topic} within ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs),
      };
      w.timer.unref();
      const list = this.waiters.get(topic) ?? [];
      list.push(w);
      this.waiters.set(topic, list);
    });
  }

  private rebuild(): Promise<void> {
    return restartConsumer(this, () => this.run(), log, 'state consumer');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    for (const list of this.waiters.values()) {
      for (const w of list) {
        clearTimeout(w.timer);
        w.reject(new Error('the server is shutting down'));
      }
    }
    this.waiters.clear();
    await this.consumer?.disconnect().catch(() => undefined);
    // the group is single-use: remove it, so the broker is not left with one per start
    const admin = this.kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([this.groupId]))
      .catch(() => undefined)
      .finally(() => admin.disconnect().catch(() => undefined));
  }

  health(): { ok: boolean; state: string; restarts: number; lastError: string | null; offsets: Record<string, number> } {
    return { ok: this.state === 'ready', state: this.state, restarts: this.restarts, lastError: this.lastError, offsets: Object.fromEntries(this.next) };
  }
}

/** Run `fn` again while it fails with an error kafkajs marks retriable (up to 30 s); `cleanup` runs between tries. */
async function retrying<T>(fn: () => Promise<T>, what: string, cleanup?: () => Promise<unknown>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await fn();
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || Date.now() > deadline) throw err;
      log.warn({ err: (err as Error).message, retry_in_ms: delay }, `could not ${what} yet; retrying`);
      await cleanup?.();
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
