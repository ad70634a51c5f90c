// The gateway's Kafka side: an outbox that produces envelopes (batching what
// queues up while a send is in flight, answering every send within a bound),
// and a consumer in this gateway's own group that warms up from the tail of
// the topic, then feeds every consumed envelope to the gateway — and is
// rebuilt if kafkajs gives up on it (broker restarts). It commits what it
// has handed over once a second, not after every fetch: kafkajs' commit per
// batch was a request (and a write on the broker's group coordinator) per chat
// message; a rejoin or a rebuild replays at most that second, and the history
// ring drops what it has already seen (server/gateway/index.ts).
import { isImported, serialize, type Envelope } from '../../core/envelope.ts';
import { decodeEnvelope, onConsumerCrash, restartConsumer, topicOffsets, type Consumer, type KafkaClient } from '../../core/kafka.ts';
import { logger } from '../../core/log.ts';
import { SEND_DEADLINE_MS } from '../../core/protocol.ts';

const log = logger('gateway.bus');

/** Thrown (to the sender) when Kafka did not confirm a send in time. */
export class KafkaUnavailableError extends Error {
  constructor(
    message: string,
    /** true when the record was handed to the client library and may still arrive */
    readonly maybeDelivered: boolean,
  ) {
    super(message);
  }
}

export interface BusOptions {
  kafka: KafkaClient;
  groupId: string;
  /** consumed envelopes with the bytes sockets get for them; `live` is false while warming up from the topic */
  onEvent(e: Envelope, raw: Buffer, live: boolean): void;
  /** how many records per partition to replay on start (history + presence) */
  warmWindow?: number;
  sendTimeoutMs?: number;
}

interface Pending {
  envelope: Envelope;
  resolve(): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  settled: boolean;
}

export class Bus {
  // consumer, stopped, lastError, restarts and state: a ConsumerOwner (core/kafka.ts restarts it)
  consumer: Consumer | null = null;
  private queue: Pending[] = [];
  private flushing = false;
  stopped = false;
  private lastFetch = 0;
  lastError: string | null = null;
  restarts = 0;
  private warm: { target: Map<number, bigint>; done: () => void } | null = null;
  private readonly next = new Map<number, bigint>();
  /** what the last commit said, per partition */
  private readonly committed = new Map<number, bigint>();
  private commitTimer: NodeJS.Timeout | null = null;
  state: 'idle' | 'warming' | 'ready' | 'restarting' | 'stopped' = 'idle';

  private readonly topic: string;

  constructor(private readonly o: BusOptions) {
    this.topic = o.kafka.names.topics.events;
  }

  /** Connect the consumer and replay the tail of the topic; resolves once caught up. */
  async start(): Promise<void> {
    this.state = 'warming';
    const admin = this.o.kafka.admin();
    await admin.connect();
    let offsets: { partition: number; high: string; low: string }[];
    try {
      offsets = await topicOffsets(admin, this.topic);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const window = BigInt(this.o.warmWindow ?? 5000);
    const target = new Map<number, bigint>();
    const seeks: { partition: number; offset: bigint }[] = [];
    for (const p of offsets) {
      const high = BigInt(p.high);
      const low = BigInt(p.low);
      const from = high - window > low ? high - window : low;
      if (from > low) this.windowed = true;
      if (from < high) target.set(p.partition, high);
      seeks.push({ partition: p.partition, offset: from });
    }
    const caughtUp = new Promise<void>((resolve) => {
      this.warm = { target, done: resolve };
    });
    this.checkWarm();
    await this.runConsumer(true);
    this.commitTimer = setInterval(() => void this.commitHandedOver(), 1000);
    this.commitTimer.unref();
    for (const s of seeks) this.consumer!.seek({ topic: this.topic, partition: s.partition, offset: s.offset.toString() });
    // A stuck warm-up must not keep the gateway from serving forever.
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 60_000).unref());
    await Promise.race([caughtUp, timeout]);
    if (this.warm) log.warn({ topic: this.topic }, 'warm-up did not reach the end of the topic in 60 s; serving anyway');
    this.warm = null;
    this.state = 'ready';
    return;
  }

  /** True when some records older than the warm-up window were skipped. */
  windowed = false;

  private checkWarm(): void {
    if (!this.warm) return;
    for (const [partition, high] of this.warm.target) if ((this.next.get(partition) ?? 0n) < high) return;
    const done = this.warm.done;
    this.warm = null;
    done();
  }

  private async runConsumer(fromBeginning: boolean): Promise<void> {
    const consumer = this.o.kafka.consumer({
      groupId: this.o.groupId,
      // short session: a gateway that dies is noticed (and its users dropped) within seconds
      sessionTimeout: 10_000,
      heartbeatInterval: 2_000,
      maxWaitTimeInMs: 500,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.FETCH, () => {
      this.lastFetch = Date.now();
      this.lastError = null;
    });
    onConsumerCrash(consumer, this, log, 'gateway consumer', () => this.rebuild());
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        this.next.set(partition, BigInt(message.offset) + 1n);
        // parsed once per process (shared with bots and ingest); a record whose bytes already are the
        // envelope's JSON (what our producers write) is forwarded as it is, never serialised again
        const parsed = decodeEnvelope(topic, partition, message.offset, message.value);
        if (!parsed.ok) {
          log.warn({ partition, offset: message.offset, reason: parsed.reason }, 'skipping a record that is not an envelope');
        } else if (!isImported(parsed.envelope)) {
          // (imported history is stored and searchable, never pushed to sockets)
          try {
            // (copied: the consumed value is a slice of a whole fetch, which the history ring must not pin)
            const raw = parsed.canonical ? Buffer.from(message.value!) : Buffer.from(serialize(parsed.envelope));
            this.o.onEvent(parsed.envelope, raw, this.warm === null);
          } catch (err) {
            log.error({ err }, 'gateway failed to handle an event');
          }
        }
        this.checkWarm();
      },
    });
  }

  /** Commit the positions handed over since the last commit (once a second while running). */
  private async commitHandedOver(): Promise<void> {
    const consumer = this.consumer;
    const offsets = [...this.next].filter(([p, o]) => this.committed.get(p) !== o);
    if (!consumer || !offsets.length) return;
    try {
      await consumer.commitOffsets(offsets.map(([partition, offset]) => ({ topic: this.topic, partition, offset: offset.toString() })));
      for (const [p, o] of offsets) this.committed.set(p, o);
    } catch (err) {
      // mid-rebalance or the coordinator moving: the next second tries again
      log.debug({ err: (err as Error).message }, 'gateway offsets not committed this time');
    }
  }

  private rebuild(): Promise<void> {
    // same group: resume after the last committed offset (ids de-duplicate any replay)
    return restartConsumer(this, () => this.runConsumer(false), log, 'gateway consumer');
  }

  /**
   * Produce one envelope. Resolves when Kafka acknowledged it; rejects with
   * KafkaUnavailableError when that did not happen within the send timeout.
   */
  send(envelope: Envelope): Promise<void> {
    if (this.stopped) return Promise.reject(new KafkaUnavailableError('the gateway is shutting down', false));
    return new Promise<void>((resolve, reject) => {
      const item: Pending = {
        envelope,
        resolve,
        reject,
        settled: false,
        timer: setTimeout(() => {
          if (item.settled) return;
          item.settled = true;
          const queued = this.queue.includes(item);
          // not yet handed to kafkajs: drop it, so an error frame really means "not sent"
          if (queued) this.queue = this.queue.filter((q) => q !== item);
          const secs = Math.round((this.o.sendTimeoutMs ?? SEND_DEADLINE_MS) / 1000);
          reject(
            new KafkaUnavailableError(
              queued ? `Kafka did not accept the event within ${secs} s; it was not sent` : `Kafka did not confirm the event within ${secs} s; it may still be delivered`,
              !queued,
            ),
          );
        }, this.o.sendTimeoutMs ?? SEND_DEADLINE_MS),
      };
      this.queue.push(item);
      void this.flush();
    });
  }

  /** One send in flight; whatever queued meanwhile goes out as the next batch (low latency, natural batching). */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length) {
        const batch = this.queue;
        this.queue = [];
        try {
          await this.o.kafka.publish(batch.map((p) => p.envelope));
          for (const p of batch) {
            clearTimeout(p.timer);
            if (!p.settled) {
              p.settled = true;
              p.resolve();
            }
          }
        } catch (err) {
          this.lastError = (err as Error).message;
          log.warn({ err: (err as Error).message, events: batch.length }, 'produce failed');
          for (const p of batch) {
            clearTimeout(p.timer);
            if (!p.settled) {
              p.settled = true;
              p.reject(new KafkaUnavailableError(`Kafka refused the event: ${(err as Error).message}`, false));
            }
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Wait until queued sends are answered, then stop consuming. */
  async stop(): Promise<void> {
    const deadline = Date.now() + 5000;
    while ((this.flushing || this.queue.length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.stopped = true;
    this.state = 'stopped';
    if (this.commitTimer) clearInterval(this.commitTimer);
    this.commitTimer = null;
    await this.consumer?.disconnect().catch(() => undefined);
  }

  health(): { ok: boolean; state: string; lastFetchAgoMs: number | null; restarts: number; lastError: string | null } {
    const ago = this.lastFetch ? Date.now() - this.lastFetch : null;
    // the consumer fetches at least every maxWaitTimeInMs (0.5 s) while the broker answers
    const ok = this.state === 'ready' && ago !== null && ago < 15_000;
    return { ok, state: this.state, lastFetchAgoMs: ago, restarts: this.restarts, lastError: this.lastError };
  }
}
