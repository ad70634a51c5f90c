// The one Kafka client factory. kafkajs logs go through our logger, and every
// client uses the same retry policy so a broker restart is ridden out.
import { Kafka, logLevel, Partitioners, type KafkaConfig, type Producer, type Message } from 'kafkajs';
import { logger } from './log.ts';
import { envelopeKey, serialize, type Envelope } from './envelope.ts';

const kafkaLog = logger('kafka');

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function createKafka(brokers: string[], clientId: string, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { initialRetryTime: 200, retries: 12, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }) => {
        const { message, ...rest } = log;
        // kafkajs is chatty about expected reconnects; keep them at debug unless they are errors.
        kafkaLog[LEVELS[level] ?? 'info']({ ...rest, clientId }, message);
      },
    ...extra,
  });
}

/**
 * A producer whose writes are acknowledged by the broker (acks=all) and idempotent.
 * Retries stay bounded on purpose (the client-wide policy above): a chat send must
 * end in delivery or an error frame within seconds, never wait forever on a dead
 * broker. kafkajs warns once at start that bounded retries may weaken exactly-once;
 * duplicates cannot reach storage anyway, since ingest keys rows by Kafka offset.
 */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
}

/** A Kafka message for an envelope: key = channel (per-channel order), value = the one serializer's JSON. */
export function envelopeMessage(e: Envelope): Message {
  return { key: envelopeKey(e), value: serialize(e), timestamp: String(e.ts) };
}

/** Create topics if they are missing (idempotent). */
export async function ensureTopics(
  kafka: Kafka,
  topics: { topic: string; numPartitions: number; configEntries?: { name: string; value: string }[] }[],
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.topic,
          numPartitions: t.numPartitions,
          replicationFactor: 1,
          ...(t.configEntries ? { configEntries: t.configEntries } : {}),
        })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}
