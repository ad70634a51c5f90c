// The bot runtime on Kafka. Two consumers:
// - group "bots" (shared by every server process): each question is handled
//   by exactly one process, the owner of its channel's partition; the offset
//   is committed only after the reply was produced (at-least-once, and a
//   reply carries reply_to so a rare replay is recognisable).
// - a private group per process (persistent id in $DATA_DIR/bot-instance-id):
//   every process sees every event, so schedule changes made in chat reach
//   every process's own DuckDB table.
import type { Config } from '../../core/config.ts';
import type { Database } from '../../core/db.ts';
import { isImported, type Envelope } from '../../core/envelope.ts';
import { decodeEnvelope, envelopeMessage, onConsumerCrash, restartConsumer, type Consumer, type ConsumerOwner, type KafkaClient } from '../../core/kafka.ts';
import { logger } from '../../core/log.ts';
import { fileToken } from '../../core/secrets.ts';
import { KafkaClaimer } from './claims.ts';
import { Dispatcher } from './dispatcher.ts';
import type { CommandRegistry } from './registry.ts';
import type { LogPosition, RateLimiter } from './ratelimit.ts';
import type { EventObserver } from './types.ts';

const log = logger('bots.runtime');

/** A question older than this (e.g. replayed after a long outage) gets no answer. */
export const QUESTION_MAX_AGE_MS = 10 * 60_000;

export interface RuntimeOptions {
  config: Config;
  db: Database;
  kafka: KafkaClient;
  registry: CommandRegistry;
  aliases: readonly string[];
  observers: EventObserver[];
  /** the shared consumer group (default kafkaNames(config).groups.bots) */
  groupId?: string;
  now?: () => number;
  limiter?: RateLimiter;
}

type Part = 'questions' | 'sync';

/** How long a crashed consumer may take to join its group again before the bots report "down". */
const RECOVERY_MS = 2 * 60_000;

function idle(): ConsumerOwner {
  return { consumer: null, stopped: false, lastError: null, restarts: 0, state: 'idle' };
}

export interface RuntimeHealth {
  /** recovering: a consumer is restarting after a retriable crash (healthy, answers resume by themselves) */
  status: 'ok' | 'recovering' | 'starting' | 'down';
  detail?: string;
  /** consumers built again after kafkajs gave up on them, since the start */
  restarts: number;
}

export class KafkaBotRuntime {
  readonly claimer: KafkaClaimer;
  readonly dispatcher: Dispatcher;
  /** the two long-running consumers, each rebuilt by core/kafka.ts when kafkajs gives up on it */
  private readonly owners: Record<Part, ConsumerOwner> = { questions: idle(), sync: idle() };
  /** set once stopped */
  private state: { status: 'starting' | 'down'; detail?: string } = { status: 'starting' };
  private readonly joined = new Set<Part>();
  /** why a part is not running now (it is being restarted), until it joins its group again */
  private readonly crashed = new Map<Part, { detail: string; since: number }>();

  constructor(private readonly opts: RuntimeOptions) {
    this.claimer = new KafkaClaimer(opts.kafka);
    this.dispatcher = new Dispatcher({
      config: opts.config,
      db: opts.db,
      registry: opts.registry,
      aliases: opts.aliases,
      publish: (e) => this.publishAt(e),
      now: opts.now,
      limiter: opts.limiter,
    });
  }

  /** the process's one producer (core/kafka.ts) */
  async publish(e: Envelope): Promise<void> {
    await this.publishAt(e);
  }

  /** Produce an envelope; resolves with where it landed (its channel's partition and offset). */
  async publishAt(e: Envelope): Promise<LogPosition | undefined> {
    const [meta] = await this.opts.kafka.send(this.opts.kafka.names.topics.events, [envelopeMessage(e)]);
    const offset = Number(meta?.baseOffset ?? meta?.offset);
    return meta && Number.isFinite(offset) ? { partition: meta.partition, offset } : undefined;
  }

  async start(): Promise<void> {
    await this.claimer.start();
    await this.runQuestions();
    await this.runSync();
  }

  /** (Re)build the questions consumer: each question answered by the process owning its channel's partition. */
  private async runQuestions(): Promise<void> {
    const { kafka } = this.opts;
    const consumer = this.consumerFor('questions', this.opts.groupId ?? kafka.names.groups.bots, () => this.runQuestions());
    await consumer.connect();
    // From the beginning when the group is new, so a question produced while partitions move between
    // processes is never skipped; questions older than QUESTION_MAX_AGE_MS are not answered (too late to help).
    await consumer.subscribe({ topic: kafka.names.topics.events, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 3,
      eachMessage: async ({ topic, message, partition }) => {
        // decoded once per process (core/kafka.ts), shared with the gateway and ingest
        const parsed = decodeEnvelope(topic, partition, message.offset, message.value);
        if (!parsed.ok) return; // ingest sends bad records to the DLQ; the bot just skips them
        if (isImported(parsed.envelope)) return; // imported history: never answered
        if (parsed.envelope.type === 'message' && Date.now() - parsed.envelope.ts > QUESTION_MAX_AGE_MS) return;
        try {
          await this.dispatcher.handle(parsed.envelope, { partition, offset: Number(message.offset) });
        } catch (err) {
          // Publishing failed after kafkajs' own retries: rethrow so the offset is not committed and the question is retried.
          log.error({ err, partition, offset: message.offset }, 'could not answer; will retry');
          throw err;
        }
      },
    });
  }

  /** (Re)build the sync consumer: a private group, so every process sees every event (schedules made in chat). */
  private async runSync(): Promise<void> {
    const { kafka, config } = this.opts;
    const instance = fileToken(config.dataDir, 'bot-instance-id');
    const consumer = this.consumerFor('sync', kafka.names.groups.botsSync(instance), () => this.runSync());
    await consumer.connect();
    await consumer.subscribe({ topic: kafka.names.topics.events, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const parsed = decodeEnvelope(topic, partition, message.offset, message.value);
        if (!parsed.ok || isImported(parsed.envelope)) return;
        for (const observe of this.opts.observers) {
          try {
            await observe(parsed.envelope);
          } catch (err) {
            log.error({ err, id: parsed.envelope.id }, 'observer failed on an event');
          }
        }
      },
    });
  }

  /**
   * A new consumer for one of the two parts, watched: health follows it, and
   * when kafkajs gives up on it after a crash (e.g. "Failed to find group
   * coordinator" while a restarted broker loads its groups) core/kafka.ts
   * builds it again with `run`, so the bots never stay silent after an outage.
   */
  private consumerFor(name: Part, groupId: string, run: () => Promise<void>): Consumer {
    const owner = this.owners[name];
    // The broker holds each fetch until 64 KiB or 100 ms have gathered: a bot answers a person, so
    // 100 ms more is nothing, while a fetch (and kafkajs' offset commit after it) per chat message
    // on each of the two consumers was most of the requests on the gateway's event loop.
    const consumer = this.opts.kafka.consumer({ groupId, maxWaitTimeInMs: 100, minBytes: 64 * 1024 });
    owner.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.joined.add(name);
      this.crashed.delete(name);
    });
    consumer.on(consumer.events.CRASH, (ev) => {
      this.joined.delete(name);
      const why = String(ev.payload.error?.message ?? ev.payload.error);
      const since = this.crashed.get(name)?.since ?? Date.now();
      this.crashed.set(name, { detail: `${name} consumer crashed, restarting: ${why}`, since });
    });
    onConsumerCrash(consumer, owner, log, `bots ${name} consumer`, () => restartConsumer(owner, run, log, `bots ${name} consumer`));
    return consumer;
  }

  /**
   * Health follows both consumers. After a crash (the broker came back and its
   * group coordinator is still loading) the consumer is restarted, by kafkajs
   * or by us: that is "recovering", still healthy, until it has joined its
   * group again; "down" when that has not happened for RECOVERY_MS.
   */
  health(): RuntimeHealth {
    const restarts = this.owners.questions.restarts + this.owners.sync.restarts;
    if (this.state.status === 'down') return { ...this.state, restarts };
    if (this.crashed.size) {
      const detail = [...this.crashed.values()].map((c) => c.detail).join('; ');
      const oldest = Math.min(...[...this.crashed.values()].map((c) => c.since));
      return { status: Date.now() - oldest > RECOVERY_MS ? 'down' : 'recovering', detail, restarts };
    }
    return { status: this.joined.has('questions') && this.joined.has('sync') ? 'ok' : 'starting', restarts };
  }

  async stop(): Promise<void> {
    for (const owner of Object.values(this.owners)) {
      owner.stopped = true;
      owner.state = 'stopped';
      await owner.consumer?.disconnect().catch(() => undefined);
    }
    await this.claimer.stop();
    this.state = { status: 'down', detail: 'stopped' };
  }
}
