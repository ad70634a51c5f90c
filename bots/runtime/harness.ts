// Test harness: drive bots with envelopes and await their replies, never
// sleeping. In-process it feeds the dispatcher directly and captures what it
// publishes; against the broker it produces questions to the events topic
// and resolves when the reply (reply_to = question id) comes back.
import { randomUUID } from 'node:crypto';
import type { Config } from '../../core/config.ts';
import type { Database } from '../../core/db.ts';
import { createEnvelope, parse, type Envelope } from '../../core/envelope.ts';
import type { Role } from '../../core/auth.ts';
import type { Consumer, KafkaClient } from '../../core/kafka.ts';
import { Dispatcher } from './dispatcher.ts';
import { RateLimiter, type LogPosition } from './ratelimit.ts';
import type { CommandRegistry } from './registry.ts';
import { DEFAULT_ALIASES } from './address.ts';

export interface AskOptions {
  user?: { id: string; nick: string };
  role?: Role;
  channel?: string;
  type?: Envelope['type'];
}

export function question(text: string, o: AskOptions = {}): Envelope {
  return createEnvelope({
    type: o.type ?? 'message',
    channel: o.channel ?? 'general',
    user: o.user ?? { id: 'u_tester', nick: '민수' },
    text,
    meta: o.role ? { role: o.role } : {},
  });
}

/**
 * In one process: the dispatcher reads from and writes to an in-memory log
 * (one partition), so "sent before the previous answer" means what it means on
 * Kafka. `ask` sends after the previous answer; `flood` appends every question
 * before the bot answers the first.
 */
export class InProcessHarness {
  readonly published: Envelope[] = [];
  readonly dispatcher: Dispatcher;
  private listeners: ((e: Envelope) => void)[] = [];
  private offset = 0;

  constructor(opts: { config: Config; db: Database; registry: CommandRegistry; aliases?: readonly string[]; now?: () => number; limiter?: RateLimiter }) {
    this.dispatcher = new Dispatcher({
      config: opts.config,
      db: opts.db,
      registry: opts.registry,
      aliases: opts.aliases ?? DEFAULT_ALIASES,
      now: opts.now,
      limiter: opts.limiter,
      publish: (e) => this.publishAt(e),
    });
  }

  /** Hook extra publishers (schedulers, hooks) into the same capture. */
  readonly publish = async (e: Envelope): Promise<void> => {
    await this.publishAt(e);
  };

  private async publishAt(e: Envelope): Promise<LogPosition> {
    const at = this.append();
    this.published.push(e);
    for (const l of this.listeners) l(e);
    return at;
  }

  private append(): LogPosition {
    return { partition: 0, offset: this.offset++ };
  }

  /** Send a question; resolves with the bot's reply, or null when it stays silent. */
  async ask(text: string, o: AskOptions = {}): Promise<Envelope | null> {
    return this.send(question(text, o));
  }

  send(e: Envelope): Promise<Envelope | null> {
    return this.dispatcher.handle(e, this.append());
  }

  /** Questions sent all at once (before any answer): resolves with each one's reply or null. */
  async flood(questions: Envelope[]): Promise<(Envelope | null)[]> {
    const at = questions.map(() => this.append());
    const replies: (Envelope | null)[] = [];
    for (let i = 0; i < questions.length; i++) replies.push(await this.dispatcher.handle(questions[i], at[i]));
    return replies;
  }

  /** Everything published since the question with this id (reply and announcements). */
  after(e: Envelope | null): Envelope[] {
    if (!e) return [];
    const i = this.published.findIndex((p) => p.id === e.id);
    return i < 0 ? [] : this.published.slice(i);
  }

  /** The next published envelope matching `pred` (or one already published). */
  next(pred: (e: Envelope) => boolean): Promise<Envelope> {
    const found = this.published.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => {
      const l = (e: Envelope) => {
        if (pred(e)) {
          this.listeners = this.listeners.filter((x) => x !== l);
          resolve(e);
        }
      };
      this.listeners.push(l);
    });
  }
}

/** Against the real broker: produce questions, await replies from whichever process answers. */
export class BrokerHarness {
  private consumer: Consumer | null = null;
  readonly seen: Envelope[] = [];
  private waiters: { pred: (e: Envelope) => boolean; resolve: (e: Envelope) => void }[] = [];
  /** Arrival time (performance.now()) of each envelope id, for the latency bench. */
  readonly arrivals = new Map<string, number>();

  constructor(
    private readonly kafka: KafkaClient,
    private readonly config: Config,
  ) {}

  async start(): Promise<void> {
    await this.kafka.connect();
    this.consumer = this.kafka.consumer({ groupId: `harness.${randomUUID()}`, maxWaitTimeInMs: 50 });
    await this.consumer.connect();
    // From the beginning of a test's own topic: nothing produced after start() can be missed.
    await this.consumer.subscribe({ topic: this.config.topics.events, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        const p = parse(message.value);
        if (!p.ok) return;
        this.arrivals.set(p.envelope.id, performance.now());
        this.seen.push(p.envelope);
        if (this.seen.length > 10_000) this.seen.splice(0, 5_000);
        this.waiters = this.waiters.filter((w) => (w.pred(p.envelope) ? (w.resolve(p.envelope), false) : true));
      },
    });
  }

  /** Produce envelopes in one request: on one partition they sit together, before anything the bots answer. */
  post(...es: Envelope[]): Promise<void> {
    return this.kafka.publish(es);
  }

  waitFor(pred: (e: Envelope) => boolean): Promise<Envelope> {
    const found = this.seen.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  /** Produce a question and await its reply. */
  async ask(text: string, o: AskOptions = {}): Promise<{ question: Envelope; reply: Envelope }> {
    const q = question(text, o);
    const reply = this.waitFor((e) => e.reply_to === q.id);
    await this.post(q);
    return { question: q, reply: await reply };
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    await this.kafka.disconnect();
  }
}
