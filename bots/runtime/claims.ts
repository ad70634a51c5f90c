// "Do this once, whichever process gets there first": a claim log on a
// one-partition Kafka topic. Every process that wants to act (fire a
// reminder, report an Airflow run) appends a claim for the same key; the
// partition orders all claims, so every process reading it agrees that the
// first claim for a key wins. A process acts only after reading up to its own
// claim and finding itself first. Two server processes with separate DuckDB
// files therefore still fire each reminder exactly once.
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { ensureTopics } from '../../core/kafka.ts';
import { logger } from '../../core/log.ts';

const log = logger('bots.claims');

export interface Claimer {
  /** true when this process won the claim for `key` */
  claim(key: string): Promise<boolean>;
}

/** The claims topic sits beside the events topic and shares its prefix. */
export function claimsTopic(eventsTopic: string): string {
  return eventsTopic.endsWith('chat.events') ? eventsTopic.slice(0, -'chat.events'.length) + 'bots.claims' : `${eventsTopic}.bots-claims`;
}

export class KafkaClaimer implements Claimer {
  readonly owner = randomUUID();
  private consumer: Consumer | null = null;
  private readonly first = new Map<string, string>();
  private consumed = -1;
  private waiters: { offset: number; resolve: () => void }[] = [];

  constructor(
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    readonly topic: string,
  ) {}

  async start(): Promise<void> {
    // One partition = one order of claims everyone agrees on; a week of claims is plenty to decide late claimers.
    await ensureTopics(this.kafka, [{ topic: this.topic, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: String(7 * 24 * 3600_000) }] }]);
    // A private group read from the beginning: each process needs every claim, not a share of them.
    this.consumer = this.kafka.consumer({ groupId: `bots.claims.${this.owner}`, maxWaitTimeInMs: 100 });
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
    const [meta] = await this.producer.send({
      topic: this.topic,
      messages: [{ key, value: JSON.stringify({ key, owner: this.owner, ts: Date.now() }) }],
    });
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
