// "Do this once, whichever process gets there first": a claim log on a
// one-partition Kafka topic. Every process that wants to act (fire a
// reminder, report an Airflow run) appends a claim for the same key; the
// partition orders all claims, so every process reading it agrees that the
// first claim for a key wins. A process acts only after reading up to its own
// claim and finding itself first. Two server processes with separate DuckDB
// files therefore still fire each reminder exactly once.
import { randomUUID } from 'node:crypto';
import type { Consumer, KafkaClient } from '../../core/kafka.ts';
import { logger } from '../../core/log.ts';

const log = logger('bots.claims');

export interface Claimer {
  /** true when this process won the claim for `key` */
  claim(key: string): Promise<boolean>;
}

export class KafkaClaimer implements Claimer {
  readonly owner = randomUUID();
  private consumer: Consumer | null = null;
  private readonly first = new Map<string, string>();
  private consumed = -1;
  private waiters: { offset: number; resolve: () => void }[] = [];

  /** the claims topic (one partition, a week of retention: core/topics.ts) */
  readonly topic: string;

  constructor(private readonly kafka: KafkaClient) {
    this.topic = kafka.names.topics.claims;
  }

  async start(): Promise<void> {
    // A private group read from the beginning: each process needs every claim, not a share of them.
    this.consumer = this.kafka.consumer({ groupId: this.kafka.names.groups.claims(this.owner), maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        try {
          const c = JSON.parse(message.value?.toString('utf8') ?? '') as { key?: unknown; owner?: unknown };
          if (typeof c.key === 'string' && typeof c.owner === 'string' && !this.first.has(c.key)) this.first.set(c.key, c.owner);
        } catch {
          log.warn({ offset: message.offset }, 'ignoring a malformed claim record');
        }
        this.consumed = Number(message.offset);
        this.waiters = this.waiters.filter((w) => (w.offset <= this.consumed ? (w.resolve(), false) : true));
      },
    });
  }

  async claim(key: string): Promise<boolean> {
    if (this.first.has(key)) return this.first.get(key) === this.owner;
    const [meta] = await this.kafka.send(this.topic, [{ key, value: JSON.stringify({ key, owner: this.owner, ts: Date.now() }) }]);
    const offset = Number(meta.baseOffset ?? meta.offset);
    if (this.consumed < offset) await new Promise<void>((resolve) => this.waiters.push({ offset, resolve }));
    const won = this.first.get(key) === this.owner;
    log.debug({ key, won }, 'claim decided');
    return won;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }
}

/** In one process (harness, unit tests): the first claim for a key wins. */
export class LocalClaimer implements Claimer {
  private readonly seen = new Set<string>();
  async claim(key: string): Promise<boolean> {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }
}
