// The two Kafka clients under test behind one small interface, each set up
// the way the product would use it: idempotent producer with acks=all and
// one request in flight (kafkajs: core/kafka.ts's createProducer; platformatic:
// the same, plus the Java/kafkajs-compatible partitioner so a channel keeps
// its partition), a gateway-like consumer (latest, small waits) and an
// ingest-like consumer (earliest, large fetches, no auto-commit).
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Consumer as PltConsumer, Producer as PltProducer, ProduceAcks, MessagesStreamModes, compatibilityPartitioner, stringDeserializer } from '@platformatic/kafka';
import { createKafka, createProducer } from '../../core/kafka.ts';

export interface OutMessage {
  key: string;
  value: Buffer;
  /** a correlation id carried in a header (the e2e probe) */
  ref?: string;
}

export interface BenchProducer {
  /** one produce request (acks=all); resolves when the broker acknowledged it */
  send(topic: string, messages: OutMessage[]): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumeAllResult {
  /** performance.now() when consuming was asked for, when the group join completed, when the first and the last record arrived */
  startedAt: number;
  joinedAt: number;
  firstAt: number;
  lastAt: number;
  bytes: number;
}

export interface Subscription {
  close(): Promise<void>;
}

export interface ClientUnderTest {
  name: string;
  producer(): Promise<BenchProducer>;
  /** ingest-like: read `n` records of `topic` from the beginning with a fresh group, touching every value */
  consumeAll(topic: string, n: number): Promise<ConsumeAllResult>;
  /** gateway-like: every new record's ref header (and arrival time) goes to onRecord */
  subscribe(topic: string, onRecord: (ref: string | undefined, at: number) => void): Promise<Subscription>;
}

const INGEST_FETCH = { maxBytesPerPartition: 16 * 1024 * 1024, maxBytes: 64 * 1024 * 1024, minBytes: 1, maxWait: 200 };
const GATEWAY_MAX_WAIT = 500;
const REF = Buffer.from('ref');

export function kafkajsClient(brokers: string[]): ClientUnderTest {
  const kafka: Kafka = createKafka(brokers, `bench-kafkajs-${randomUUID().slice(0, 8)}`, { logLevel: logLevel.ERROR });
  return {
    name: 'kafkajs',
    async producer() {
      const p = createProducer(kafka);
      await p.connect();
      return {
        async send(topic, messages) {
          await p.send({
            topic,
            acks: -1,
            messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.ref === undefined ? undefined : { ref: m.ref } })),
          });
        },
        close: () => p.disconnect(),
      };
    },
    async consumeAll(topic, n) {
      const consumer = kafka.consumer({
        groupId: `bench-kafkajs-all-${randomUUID()}`,
        maxBytesPerPartition: INGEST_FETCH.maxBytesPerPartition,
        maxBytes: INGEST_FETCH.maxBytes,
        minBytes: INGEST_FETCH.minBytes,
        maxWaitTimeInMs: INGEST_FETCH.maxWait,
      });
      const startedAt = performance.now();
      let joinedAt = 0;
      let firstAt = 0;
      let count = 0;
      let bytes = 0;
      consumer.on(consumer.events.GROUP_JOIN, () => (joinedAt = performance.now()));
      const done = new Promise<number>((resolve) => {
        void (async () => {
          await consumer.connect();
          await consumer.subscribe({ topics: [topic], fromBeginning: true });
          await consumer.run({
            autoCommit: false,
            partitionsConsumedConcurrently: 6,
            eachBatch: async ({ batch }) => {
              if (!firstAt) firstAt = performance.now();
              for (const m of batch.messages) bytes += m.value?.length ?? 0;
              count += batch.messages.length;
              if (count >= n) resolve(performance.now());
            },
          });
        })();
      });
      const lastAt = await done;
      await consumer.disconnect();
      return { startedAt, joinedAt, firstAt, lastAt, bytes };
    },
    async subscribe(topic, onRecord) {
      const consumer = kafka.consumer({ groupId: `bench-kafkajs-gw-${randomUUID()}`, maxWaitTimeInMs: GATEWAY_MAX_WAIT, sessionTimeout: 10_000, heartbeatInterval: 2_000 });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: false });
      await consumer.run({
        eachMessage: async ({ message }) => {
          onRecord(message.headers?.ref?.toString(), performance.now());
        },
      });
      return { close: () => consumer.disconnect() };
    },
  };
}

export function platformaticClient(brokers: string[]): ClientUnderTest {
  const base = { bootstrapBrokers: brokers, connectTimeout: 3000, retries: 12, retryDelay: 200 };
  return {
    name: '@platformatic/kafka',
    async producer() {
      const p = new PltProducer({
        ...base,
        clientId: `bench-plt-${randomUUID().slice(0, 8)}`,
        idempotent: true,
        acks: ProduceAcks.ALL,
        // Java/kafkajs-compatible murmur2: the same channel lands on the same partition as before a switch
        partitioner: compatibilityPartitioner,
        autocreateTopics: false,
      });
      let chain: Promise<unknown> = Promise.resolve();
      return {
        // One produce request at a time, queued here: 1.x reads an idempotent batch's first sequence number
        // when it builds the request and advances it on the response, so two requests in flight to one
        // partition reuse a sequence and the broker drops the second as a duplicate (maxInflights: 1 does
        // not prevent it; docs/kafka-client.md). kafkajs gets the same effect from maxInFlightRequests: 1.
        send(topic, messages) {
          const next = chain.then(() =>
            p.send({ messages: messages.map((m) => ({ topic, key: Buffer.from(m.key), value: m.value, headers: m.ref === undefined ? undefined : new Map([[REF, Buffer.from(m.ref)]]) })) }),
          );
          chain = next.catch(() => undefined);
          return next.then(() => undefined);
        },
        close: () => p.close(),
      };
    },
    async consumeAll(topic, n) {
      const consumer = new PltConsumer({ ...base, clientId: `bench-plt-all-${randomUUID().slice(0, 8)}`, groupId: `bench-plt-all-${randomUUID()}` });
      const startedAt = performance.now();
      let joinedAt = 0;
      consumer.on('consumer:group:join', () => (joinedAt = performance.now()));
      const stream = await consumer.consume({
        topics: [topic],
        mode: MessagesStreamModes.EARLIEST,
        autocommit: false,
        maxBytesPerPartition: INGEST_FETCH.maxBytesPerPartition,
        maxBytes: INGEST_FETCH.maxBytes,
        minBytes: INGEST_FETCH.minBytes,
        maxWaitTime: INGEST_FETCH.maxWait,
      });
      let firstAt = 0;
      let count = 0;
      let bytes = 0;
      const lastAt = await new Promise<number>((resolve, reject) => {
        stream.on('error', reject);
        stream.on('data', (m) => {
          if (!firstAt) firstAt = performance.now();
          bytes += m.value?.length ?? 0;
          if (++count === n) resolve(performance.now());
        });
      });
      await stream.close();
      await consumer.close(true);
      return { startedAt, joinedAt, firstAt, lastAt, bytes };
    },
    async subscribe(topic, onRecord) {
      const consumer = new PltConsumer({
        ...base,
        clientId: `bench-plt-gw-${randomUUID().slice(0, 8)}`,
        groupId: `bench-plt-gw-${randomUUID()}`,
        sessionTimeout: 10_000,
        heartbeatInterval: 2_000,
        deserializers: { headerKey: stringDeserializer, headerValue: stringDeserializer },
      });
      const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.LATEST, autocommit: true, maxWaitTime: GATEWAY_MAX_WAIT, minBytes: 1 });
      stream.on('data', (m) => onRecord(m.headers.get('ref'), performance.now()));
      return {
        async close() {
          await stream.close();
          await consumer.close(true);
        },
      };
    },
  };
}
