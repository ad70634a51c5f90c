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
import { decodeEnvelope, envelopeMessage, type Consumer, type KafkaClient } from '../../core/kafka.ts';
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

export interface RuntimeHealth {
  /** recovering: a consumer is restarting after a retriable crash (healthy, answers resume by themselves) */
  status: 'ok' | 'recovering' | 'starting' | 'down';
  detail?: string;
}

export class KafkaBotRuntime {
  readonly claimer: KafkaClaimer;
  readonly dispatcher: Dispatcher;
  private questions: Consumer | null = null;
  private sync: Consumer | null = null;
  /** set once stopped */
  private state: RuntimeHealth = { status: 'starting' };
  private readonly joined = new Set<'questions' | 'sync'>();
  private readonly crashed = new Map<'questions' | 'sync', { restart: boolean; detail: string }>();

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
    const { kafka, config } = this.opts;
    const { topics, groups } = kafka.names;
    await this.claimer.start();

    this.questions = kafka.consumer({ groupId: this.opts.groupId ?? groups.bots, maxWaitTimeInMs: 100 });
    this.watch(this.questions, 'questions');
    await this.questions.connect();
    // From the beginning when the group is new, so a question produced while partitions move between
    // processes is never skipped; questions older than QUESTION_MAX_AGE_MS are not answered (too late to help).
    await this.questions.subscribe({ topic: topics.events, fromBeginning: true });
    await this.questions.run({
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

    const instance = fileToken(config.dataDir, 'bot-instance-id');
    this.sync = kafka.consumer({ groupId: groups.botsSync(instance), maxWaitTimeInMs: 100 });
    this.watch(this.sync, 'sync');
    await this.sync.connect();
    await this.sync.subscribe({ topic: topics.events, fromBeginning: true });
    await this.sync.run({
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
   * Health follows both consumers. After a retriable crash (the broker came
   * back and its group coordinator is still loading) kafkajs restarts the
   * consumer itself: that is "recovering", still healthy, until it has joined
   * its group again; a crash kafkajs does not restart from is "down".
   */
  private watch(consumer: Consumer, name: 'questions' | 'sync'): void {
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.joined.add(name);
      this.crashed.delete(name);
    });
    consumer.on(consumer.events.CRASH, (ev) => {
      this.joined.delete(name);
      const why = String(ev.payload.error?.message ?? ev.payload.error);
      const restart = ev.payload.restart !== false;
      this.crashed.set(name, { restart, detail: `${name} consumer crashed${restart ? ', restarting' : ''}: ${why}` });
    });
  }

  health(): RuntimeHealth {
    if (this.state.status === 'down') return this.state;
    const detail = [...this.crashed.values()].map((c) => c.detail).join('; ');
    if ([...this.crashed.values()].some((c) => !c.restart)) return { status: 'down', detail };
    if (this.crashed.size) return { status: 'recovering', detail };
    return this.joined.has('questions') && this.joined.has('sync') ? { status: 'ok' } : { status: 'starting' };
  }

  async stop(): Promise<void> {
    await this.questions?.disconnect().catch(() => undefined);
    await this.sync?.disconnect().catch(() => undefined);
    await this.claimer.stop();
    this.state = { status: 'down', detail: 'stopped' };
  }
}
