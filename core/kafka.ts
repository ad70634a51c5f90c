// The one Kafka client factory and the narrow seam the rest of kchat uses.
//
// A process makes ONE KafkaClient (server/main.ts, cli/main.ts) and hands it
// to its parts: they publish envelopes with `publish`, write raw records to
// kchat's other topics with `send`, and get consumers and admins from it —
// one TCP client, one idempotent producer per process. kafkajs types stay
// behind this file (re-exported below), so the client library can change in
// one place. Topic names come from core/names.ts, their settings from
// core/topics.ts, and they are created by `ensureTopics()` only.
import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type ConsumerConfig, type ISocketFactory, type KafkaConfig, type Message, type Producer, type RecordMetadata } from 'kafkajs';
import type { Config } from './config.ts';
import { isUtf8 } from 'node:buffer';
import net from 'node:net';
import { envelopeKey, parseRecord, serialize, type Envelope } from './envelope.ts';
import { logger, type Logger } from './log.ts';
import { kafkaNames, type KafkaNames } from './names.ts';
import { topicSpecs, type TopicSpec } from './topics.ts';

export type { Admin, Consumer, ConsumerConfig, EachBatchPayload, EachMessagePayload, KafkaMessage, Message, Producer, RecordMetadata } from 'kafkajs';

const kafkaLog = logger('kafka');

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Our level for a kafkajs log entry. kafkajs' connection logs every error
 * response from a broker ("Response ListOffsets(key: 2, version: 3)") as an
 * error before its caller decides: a retriable one (a leader moving, a topic
 * created a moment ago) is retried and usually succeeds, and a failure reaches
 * our code, which reports it. So those are warnings here: a healthy first
 * start on a busy machine logged two errors otherwise.
 */
export function kafkaLogLevel(level: number, message: string): 'error' | 'warn' | 'info' | 'debug' {
  const ours = LEVELS[level] ?? 'info';
  return ours === 'error' && message.startsWith('Response ') ? 'warn' : ours;
}

/** What a part that keeps one long-running consumer shows for health and restarts. */
export interface ConsumerOwner {
  consumer: Consumer | null;
  stopped: boolean;
  lastError: string | null;
  restarts: number;
  state: string;
}

/**
 * Watch a long-running consumer: its last error is kept for health, and when
 * kafkajs will not restart it after a crash (it does by itself after a
 * retriable error) the owner's `rebuild` builds a new one.
 */
export function onConsumerCrash(consumer: Consumer, owner: ConsumerOwner, log: Logger, what: string, rebuild: () => Promise<void>): void {
  consumer.on(consumer.events.CRASH, (event) => {
    const { error, restart } = event.payload;
    owner.lastError = error.message;
    log.warn({ err: error.message, restart }, `${what} crashed`);
    if (!restart && !owner.stopped) void rebuild();
  });
}

/**
 * Build the owner's consumer again after kafkajs gave up on it: disconnect the
 * old one, then `run()` (which creates and starts the new one) until it
 * succeeds or the owner stops, backing off up to 5 s.
 */
export async function restartConsumer(owner: ConsumerOwner, run: () => Promise<void>, log: Logger, what: string): Promise<void> {
  owner.state = 'restarting';
  owner.restarts++;
  const old = owner.consumer;
  owner.consumer = null;
  await old?.disconnect().catch(() => undefined);
  for (let attempt = 1; !owner.stopped; attempt++) {
    try {
      await run();
      owner.state = 'ready';
      log.info({ attempt }, `${what} restarted`);
      return;
    } catch (err) {
      owner.lastError = (err as Error).message;
      await (owner.consumer as Consumer | null)?.disconnect().catch(() => undefined); // run() may have set it
      await new Promise((r) => setTimeout(r, Math.min(5000, 500 * attempt)));
    }
  }
}

/** Bootstrap addresses, or a function asked again on every (re)connect (a managed broker may move). */
export type BrokerList = string[] | (() => string[] | Promise<string[]>);

/** How a part hands an envelope to Kafka (chat.events, key = channel); resolves once the broker acknowledged it. */
export type Publish = (e: Envelope) => Promise<void>;

/** Low level: a kafkajs client with our logger and retry policy. Product code uses KafkaClient. */
export function createKafka(brokers: BrokerList, clientId: string, extra: Partial<KafkaConfig> = {}): Kafka {
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
        kafkaLog[kafkaLogLevel(level, String(message))]({ ...rest, clientId }, message);
      },
    ...extra,
  });
}

/**
 * A producer whose writes are acknowledged by the broker (acks=all) and idempotent.
 * Retries stay bounded on purpose (about 30 s, below): a chat send must
 * end in delivery or an error frame within seconds, never wait forever on a dead
 * broker. kafkajs warns once at start that bounded retries may weaken exactly-once;
 * duplicates cannot reach storage anyway, since ingest keys rows by Kafka offset.
 * Low level (tests, tools): product code publishes through KafkaClient.
 */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    // a partition whose leader died comes back when Kafka has elected another: retry at least
    // every second until then (the client-wide back-off grows to 5 s, which a failover would wait
    // out idle), for about as long as a chat send may wait (SEND_DEADLINE_MS, core/protocol.ts)
    retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 30 },
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
}

/**
 * A topic's low and high offsets per partition, read again (back-off 50 ms → 0.5 s, for up to 15 s) while the
 * broker answers with a retriable error — "not the leader" for a partition whose leadership a busy or just-started
 * broker has not settled yet. Read at start by every consumer that replays or resumes (gateway, accounts, ingest):
 * one such answer must not stop the server. `anyError`: retry whatever the error (a topic just created).
 */
export async function topicOffsets(admin: Admin, topic: string, o: { anyError?: boolean; withinMs?: number } = {}): Promise<{ partition: number; offset: string; high: string; low: string }[]> {
  const deadline = Date.now() + (o.withinMs ?? 15_000);
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (err) {
      const retriable = o.anyError || (err as { retriable?: boolean }).retriable === true;
      if (!retriable || Date.now() > deadline) throw err;
      kafkaLog.debug({ topic, error: (err as Error).message }, 'topic offsets not readable yet; asking again');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** A Kafka message for an envelope: key = channel (per-channel order), value = the one serializer's JSON. */
export function envelopeMessage(e: Envelope): Message {
  return { key: envelopeKey(e), value: serialize(e), timestamp: String(e.ts) };
}

/** A consumed record as an envelope, or why it is not one. `canonical`: its bytes are exactly the envelope's JSON. */
export type Decoded = { ok: true; envelope: Envelope; canonical: boolean } | { ok: false; reason: string };

// Every consumer of one process (gateway, bots, ingest) reads the same records
// within moments of each other: the first to decode a record leaves it here,
// keyed by its (topic, partition, offset), so each record is parsed once per
// process. The bytes are kept (a copy: consumed buffers are slices of whole
// fetches) and compared on a hit, so a topic deleted and created again under
// the same name can never be answered from an old entry.
const DECODED_KEEP = 8192;
const DECODED_MAX_BYTES = 8192;
const decoded = new Map<string, { bytes: Buffer; result: Decoded }>();

/**
 * Bytes of a chat.events record → an envelope (once per process; see above).
 * Invalid UTF-8 (e.g. CESU-8 lone surrogates) is refused, not silently
 * replaced; a leading byte-order mark is dropped (as TextDecoder does).
 * The envelope is shared by every consumer of the process: never mutate it.
 */
export function decodeEnvelope(topic: string, partition: number, offset: string, value: Buffer | null): Decoded {
  if (value === null || value.length > DECODED_MAX_BYTES) return decodeBytes(value);
  const key = `${topic}\u0000${partition}\u0000${offset}`;
  const hit = decoded.get(key);
  if (hit && hit.bytes.equals(value)) return hit.result;
  const result = decodeBytes(value);
  decoded.set(key, { bytes: Buffer.from(value), result });
  if (decoded.size > DECODED_KEEP) decoded.delete(decoded.keys().next().value!);
  return result;
}

/** The same without the per-process memo: for a reader that is alone in its thread (ingest's fetcher), where a memo only costs a copy. */
export function decodeBytes(value: Buffer | null, options: { remember?: boolean } = {}): Decoded {
  if (value === null || value.length === 0) return { ok: false, reason: 'empty record (no value)' };
  if (!isUtf8(value)) return { ok: false, reason: 'value is not valid UTF-8 (lone surrogate or broken byte sequence)' };
  const bom = value.length >= 3 && value[0] === 0xef && value[1] === 0xbb && value[2] === 0xbf;
  const parsed = parseRecord(value.toString('utf8', bom ? 3 : 0), options);
  if (!parsed.ok) return parsed;
  return { ok: true, envelope: parsed.envelope, canonical: !bom && parsed.canonical === true };
}

/**
 * What the Kafka at `brokers` says about its cluster (id, live brokers, the
 * active controller), or null when it does not answer a metadata request
 * within `timeoutMs`. Never throws; kafkajs' own retries and logs are off, so
 * a probe stays quiet.
 */
export async function describeClusterAt(brokers: string[], timeoutMs = 3000): Promise<{ clusterId: string; brokers: number; controller: number | null } | null> {
  // kafkajs asks one random address and, without retries, gives up when that broker is down:
  // ask each address at once and take the first answer, so one broker down never hides a cluster
  if (brokers.length > 1) {
    const answers = brokers.map((b) => describeClusterAt([b], timeoutMs).then((a) => a ?? Promise.reject(new Error(`${b}: no answer`))));
    return Promise.any(answers).catch(() => null);
  }
  const kafka = createKafka(brokers, 'kchat-probe', {
    connectionTimeout: Math.min(timeoutMs, 3000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  let timer: NodeJS.Timeout | undefined;
  try {
    const probe = (async () => {
      await admin.connect();
      const c = await admin.describeCluster();
      return { clusterId: c.clusterId, brokers: c.brokers.length, controller: c.controller };
    })();
    probe.catch(() => undefined);
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs);
    });
    return await Promise.race([probe, timeout]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => undefined);
  }
}

/** The cluster id of the Kafka at `brokers`, or null when it does not answer in time. */
export async function clusterIdAt(brokers: string[], timeoutMs = 3000): Promise<string | null> {
  // one failed probe is not "no answer within timeoutMs": a broker busy creating topics or collecting
  // garbage may drop or stall one connection, so ask again until the time is up
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await describeClusterAt(brokers, Math.max(deadline - Date.now(), 250));
    if (answer) return answer.clusterId;
    if (deadline - Date.now() < 250) return null;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The cluster id that the broker at `address` (host:port) reports about itself,
 * or null when it does not answer within `timeoutMs`. One Metadata request (v4,
 * no topics) on one socket to exactly that broker: unlike a kafkajs admin, it
 * never wanders off to other brokers of the cluster, so it cannot fail because
 * another broker listed in the metadata has just died.
 */
export function brokerClusterId(address: string, timeoutMs = 3000): Promise<string | null> {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(colon + 1));
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let got = Buffer.alloc(0);
    const done = (id: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(id);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.on('error', () => done(null));
    socket.on('close', () => done(null));
    socket.on('connect', () => socket.write(metadataRequest()));
    socket.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length < 4) return;
      const size = got.readInt32BE(0);
      // a metadata answer without topics is a few hundred bytes: anything claiming more is not a broker of ours
      if (size < 0 || size > MAX_PROBE_ANSWER) return done(null);
      if (got.length >= 4 + size) done(clusterIdOfMetadata(got.subarray(4, 4 + size)));
    });
  });
}

const PROBE_CLIENT = Buffer.from('kchat-cluster-check');
/** Largest answer the probe reads (bytes after the size). */
const MAX_PROBE_ANSWER = 1 << 20;

/** Metadata request v4 (header v1): api key 3, no topics, no auto-creation. */
function metadataRequest(): Buffer {
  const body = Buffer.alloc(2 + 2 + 4 + 2 + PROBE_CLIENT.length + 4 + 1);
  let o = body.writeInt16BE(3, 0);
  o = body.writeInt16BE(4, o);
  o = body.writeInt32BE(1, o);
  o = body.writeInt16BE(PROBE_CLIENT.length, o);
  o += PROBE_CLIENT.copy(body, o);
  o = body.writeInt32BE(0, o); // topics: none (v1+: an empty array, not null, which would mean all)
  body.writeInt8(0, o); // allow_auto_topic_creation
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** cluster_id from a Metadata v4 response (after its size), or null when it is malformed. */
function clusterIdOfMetadata(r: Buffer): string | null {
  try {
    let o = 4 + 4; // correlation id, throttle time
    const str = (): string | null => {
      const n = r.readInt16BE(o);
      o += 2;
      if (n < 0) return null;
      o += n;
      return r.toString('utf8', o - n, o);
    };
    const brokers = r.readInt32BE(o);
    o += 4;
    for (let i = 0; i < brokers; i++) {
      o += 4; // node id
      str(); // host
      o += 4; // port
      str(); // rack
    }
    return str();
  } catch {
    return null;
  }
}

/** How long a producer keeps trying to connect after retriable failures (a broker that just died). */
const PRODUCER_CONNECT_MS = 15_000;

/** How long the cluster-id check of one new connection may take (on top of connecting). */
const CHECK_TIMEOUT_MS = 8000;

export interface KafkaClientOptions {
  config: Pick<Config, 'topicPrefix' | 'ingestGroup'>;
  brokers: BrokerList;
  /** names this process in broker logs (`kchat-server`, `kchat-cli`…) */
  clientId: string;
  /**
   * This installation's cluster id. Every connection the client opens is
   * checked first, and one to a broker of another cluster (a different
   * installation that came up on the old port) is refused and reported.
   */
  clusterId?: string;
  /** extra kafkajs settings (tests: quieter logs, shorter retries) */
  extra?: Partial<KafkaConfig>;
}

/** Broker answers after which an idempotent producer cannot go on (its producer id or sequence is lost). */
const FATAL_PRODUCER_ERRORS = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING']);

/** The kafkajs error type that makes a producer unusable, looking through retry wrappers; null for any other error. */
export function fatalProducerError(err: unknown): string | null {
  for (let e = err as { type?: unknown; originalError?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.type === 'string' && FATAL_PRODUCER_ERRORS.has(e.type)) return e.type;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return null;
}

/** The process's Kafka: one client, one producer (connected on first use), consumers and admins on demand. */
export class KafkaClient {
  readonly names: KafkaNames;
  private readonly kafka: Kafka;
  private producer: Promise<Producer> | null = null;
  private closed = false;
  private verifiedAt = 0;
  private refused: { address: string; cluster_id: string | null; at: string; atMs: number; message: string } | null = null;

  constructor(private readonly opts: KafkaClientOptions) {
    this.names = kafkaNames(opts.config);
    const check = opts.clusterId ? { socketFactory: this.checkedSockets(opts.clusterId), connectionTimeout: CHECK_TIMEOUT_MS + 3000 } : {};
    this.kafka = createKafka(opts.brokers, opts.clientId, { ...check, ...opts.extra });
  }

  /**
   * kafkajs' socket factory, with the cluster id checked before each
   * connection is handed over: a stranger's socket is destroyed with an error
   * that names both ids (kafkajs then retries, asking `brokers` again).
   */
  private checkedSockets(expected: string): ISocketFactory {
    return ({ host, port, ssl, onConnect }) => {
      if (ssl) throw new Error('TLS to Kafka is not supported by kchat yet');
      const socket = new net.Socket();
      socket.setKeepAlive(true, 60_000);
      const address = `${host}:${port}`;
      void brokerClusterId(address, CHECK_TIMEOUT_MS).then((id) => {
        if (socket.destroyed) return;
        if (id === expected) {
          this.verifiedAt = Date.now();
          socket.connect({ host, port }, onConnect);
          return;
        }
        const message =
          id === null
            ? `Kafka at ${address} did not answer the cluster check`
            : `refused Kafka at ${address}: it belongs to cluster ${id}, not to this installation's cluster ${expected} (another installation's broker on this address?)`;
        if (id !== null) {
          this.refused = { address, cluster_id: id, at: new Date().toISOString(), atMs: Date.now(), message };
          kafkaLog.error({ address, clusterId: id, expected }, message);
        }
        socket.destroy(new Error(message));
      });
      return socket;
    };
  }

  /** For /healthz: not ok while the last broker met was a stranger and no good connection came since. */
  health(): { ok: boolean; refused?: { address: string; cluster_id: string | null; at: string; message: string } } {
    if (!this.refused) return { ok: true };
    const { atMs, ...refused } = this.refused;
    return { ok: this.verifiedAt > atMs, refused };
  }

  /** Envelopes → chat.events in one request (key = channel, acks = all). */
  async publish(envelopes: Envelope | readonly Envelope[]): Promise<void> {
    const list = Array.isArray(envelopes) ? envelopes : [envelopes as Envelope];
    if (!list.length) return;
    await this.send(this.names.topics.events, list.map(envelopeMessage));
  }

  /** Raw records to one of kchat's topics (the DLQ, the bots' claims): same producer, acks = all. */
  async send(topic: string, messages: Message[]): Promise<RecordMetadata[]> {
    if (this.closed) throw new Error('the Kafka client is closed (the process is shutting down)');
    const pending = this.connectedProducer();
    const producer = await pending;
    try {
      return await producer.send({ topic, acks: -1, messages });
    } catch (err) {
      // kafkajs' idempotent producer does not recover from these (tulios/kafkajs#598): every later send
      // would fail the same way, so this one is refused and the next gets a new producer (a new producer id)
      const fatal = fatalProducerError(err);
      if (fatal && this.producer === pending) {
        kafkaLog.warn({ error: fatal, topic }, 'the idempotent producer lost its sequence with the broker; replacing it');
        this.producer = null;
        void producer.disconnect().catch(() => undefined);
      }
      throw err;
    }
  }

  /** A consumer of this client (the caller connects, runs and disconnects it). */
  consumer(config: ConsumerConfig): Consumer {
    return this.kafka.consumer({ allowAutoTopicCreation: false, ...config });
  }

  /** Where the brokers are now and whose cluster they must be: a worker thread's own client asks this (ingest/fetcher.ts). */
  async connectionInfo(): Promise<{ brokers: string[]; clusterId?: string }> {
    const b = this.opts.brokers;
    return { brokers: typeof b === 'function' ? await b() : b, ...(this.opts.clusterId ? { clusterId: this.opts.clusterId } : {}) };
  }

  /** An admin client (the caller connects and disconnects it). */
  admin(): Admin {
    return this.kafka.admin();
  }

  /** Connect the shared producer now (so the first chat message does not pay for it). */
  async connect(): Promise<void> {
    await this.connectedProducer();
  }

  private connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      this.producer = this.connectProducer().catch((err: unknown) => {
        this.producer = null; // the next send tries again
        throw err;
      });
    }
    return this.producer;
  }

  /**
   * A new connected producer. kafkajs asks one broker for a producer id and does not
   * retry when that broker has just died (its metadata may still name it), so a
   * connect that fails on a retriable error is tried again with a new producer for
   * a few seconds — about as long as Kafka takes to notice a dead broker.
   */
  private async connectProducer(): Promise<Producer> {
    const deadline = Date.now() + PRODUCER_CONNECT_MS;
    for (let attempt = 0; ; attempt++) {
      const producer = createProducer(this.kafka);
      try {
        await producer.connect();
        return producer;
      } catch (err) {
        await producer.disconnect().catch(() => undefined);
        const retriable = (err as { retriable?: boolean }).retriable === true;
        if (!retriable || this.closed || Date.now() >= deadline) throw err;
        kafkaLog.warn({ err: (err as Error).message, attempt }, 'the producer could not connect; trying again');
        await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 2000)));
      }
    }
  }

  /**
   * Create kchat's topics (core/topics.ts) that are missing, with replication
   * derived from the cluster size. Idempotent; existing topics are left as they
   * are, with a warning when a setting that matters differs from the table.
   */
  async ensureTopics(): Promise<TopicSpec[]> {
    const admin = this.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      const specs = topicSpecs(this.names, cluster.brokers.length);
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((t) => !existing.has(t.name));
      if (missing.length) {
        try {
          await admin.createTopics({
            waitForLeaders: true,
            topics: missing.map((t) => ({
              topic: t.name,
              numPartitions: t.partitions,
              replicationFactor: t.replicationFactor,
              configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
            })),
          });
        } catch (err) {
          // Another process created them between our list and create: fine. On a cluster, the
          // wait for leaders can also ask a broker the new topic has not reached yet ("does not
          // host this topic-partition"): created all the same; the offsets read below wait for it.
          if (!/already exists|does not host this topic-partition/i.test((err as Error).message)) throw err;
        }
        kafkaLog.info({ topics: missing.map((t) => t.name), brokers: cluster.brokers.length }, 'created Kafka topics');
        // leaders are elected, but a new partition may still answer "not the leader" for a
        // moment: wait until offsets can be read, so the first consumer does not trip on it
        for (const t of missing) await topicOffsets(admin, t.name, { anyError: true });
      }
      await this.warnOnDrift(admin, specs.filter((t) => existing.has(t.name)));
      return specs;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async warnOnDrift(admin: Admin, specs: TopicSpec[]): Promise<void> {
    if (!specs.length) return;
    const watched = ['retention.ms', 'max.message.bytes'];
    try {
      // ConfigResourceTypes.TOPIC = 2 (kafkajs' enum is only on its CommonJS default export)
      const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: specs.map((t) => ({ type: 2, name: t.name, configNames: watched })) });
      for (const r of resources) {
        const spec = specs.find((t) => t.name === r.resourceName);
        for (const c of r.configEntries) {
          const want = spec?.configs[c.configName];
          if (want !== undefined && c.configValue !== want) {
            kafkaLog.warn({ topic: r.resourceName, config: c.configName, value: c.configValue, expected: want }, 'an existing topic differs from kchat\'s topic table (core/topics.ts); left as it is');
          }
        }
      }
    } catch (err) {
      kafkaLog.debug({ err: (err as Error).message }, 'could not compare topic settings');
    }
  }

  /** Disconnect the shared producer (consumers and admins belong to their callers). */
  async disconnect(): Promise<void> {
    this.closed = true;
    const p = this.producer;
    this.producer = null;
    if (p) await p.then((producer) => producer.disconnect()).catch(() => undefined);
  }
}
