// @platformatic/kafka vs kafkajs, side by side on the same broker in the same
// rounds, beside Kafka's own tools (issue #17):
//   producer   acks=all, idempotent: throughput (1,000-record sends, one at a
//              time) and per-send latency (one record per send), beside
//              Kafka's ProducerPerformance (acks=all, idempotent);
//   gateway    end-to-end latency at ~200 msg/s through a gateway-like bus
//              (one send in flight, what queues meanwhile goes next) into a
//              consumer of the same client, beside Kafka's EndToEndLatency;
//   ingest     fetch throughput of 1M envelopes from 6 partitions with a fresh
//              group, beside ConsumerPerformance (fetch only);
// and, once per run, the guarantees the product relies on (guarantees.ts).
// The order of the two clients alternates from round to round.
//
//   npx tsx bench/kafka-client/run.ts        # own broker, 3 rounds
import { benchArgs, benchBroker, benchTopics, koreanChat, latencySummary, numberArg, runBench, type BenchBroker } from '../lib/index.ts';
import { createKafka, envelopeMessage } from '../../core/kafka.ts';
import { serialize } from '../../core/envelope.ts';
import { consumerPerformance, endToEndLatency } from '../../kafka/tools.ts';
import { kafkajsClient, platformaticClient, type ClientUnderTest, type OutMessage } from './clients.ts';
import { checkGuarantees, type Probe } from './guarantees.ts';
import { producerPerformance } from './producer-perf.ts';

const args = benchArgs(
  `Usage: npx tsx bench/kafka-client/run.ts [--messages 1000000] [--produce 200000] [--sends 1000] [--rate 200] [--seconds 15]

  --messages N   envelopes preloaded for the ingest-like fetch (default 1,000,000)
  --produce N    envelopes per client for producer throughput (1,000 per send)
  --sends N      single-record sends per client for per-send latency
  --rate R       gateway-like produce rate (msgs/s) for end-to-end latency
  --seconds S    duration of the gateway-like phase per client`,
  {
    messages: { type: 'string', default: '1000000' },
    produce: { type: 'string', default: '200000' },
    sends: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '15' },
  },
);
const N = numberArg(args.values, 'messages', { min: 1000 });
const PRODUCE = numberArg(args.values, 'produce', { min: 1000 });
const SENDS = numberArg(args.values, 'sends', { min: 100 });
const RATE = numberArg(args.values, 'rate', { min: 1 });
const SECONDS = numberArg(args.values, 'seconds', { min: 1 });
const CHUNK = 1000;

let broker: BenchBroker;
let clients: ClientUnderTest[];
let probes: Probe[] = [];
let topics: { fetch: string; produce: string; e2e: string };
let payload: OutMessage[];
let avgSize = 0;

/** producer throughput: PRODUCE records in sends of CHUNK, one send at a time; msgs/s */
async function produceRate(c: ClientUnderTest, count = PRODUCE): Promise<number> {
  const p = await c.producer();
  const t0 = performance.now();
  for (let i = 0; i < count; i += CHUNK) await p.send(topics.produce, payload.slice(i % payload.length, (i % payload.length) + CHUNK));
  const rate = count / ((performance.now() - t0) / 1000);
  await p.close();
  return rate;
}

/** per-send latency: one record per send, awaited, SENDS times */
async function sendLatency(c: ClientUnderTest, count = SENDS) {
  const p = await c.producer();
  const lat: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await p.send(topics.produce, [payload[i % payload.length]]);
    lat.push(performance.now() - t0);
  }
  await p.close();
  return latencySummary(lat);
}

let e2eRun = 0;
/**
 * Gateway-like: sends at RATE msgs/s (spread over each second) through a bus with one
 * produce request in flight; the same client's consumer (own group, latest) times each
 * record from the moment it was handed to the bus.
 */
async function gatewayLatency(c: ClientUnderTest, seconds = SECONDS) {
  const run = `${c.name}-${++e2eRun}`;
  const sentAt = new Map<string, number>();
  const lat: number[] = [];
  let probeSeen: (() => void) | null = null;
  const sub = await c.subscribe(topics.e2e, (ref, at) => {
    if (!ref) return;
    if (ref.startsWith('probe:')) return probeSeen?.();
    const t0 = sentAt.get(ref);
    if (t0 !== undefined) {
      lat.push(at - t0);
      sentAt.delete(ref);
    }
  });
  const p = await c.producer();
  // the bus: one request in flight, whatever queued meanwhile is the next batch
  let queue: OutMessage[] = [];
  let flushing = false;
  const flush = async () => {
    if (flushing) return;
    flushing = true;
    while (queue.length) {
      const batch = queue;
      queue = [];
      await p.send(topics.e2e, batch);
    }
    flushing = false;
  };
  const offer = (m: OutMessage) => {
    queue.push(m);
    void flush();
  };
  // wait until the consumer's group has its partitions: probe until one comes back
  await new Promise<void>((resolve) => {
    probeSeen = resolve;
    const again = () => {
      if (probeSeen !== resolve) return;
      offer({ key: 'probe', value: Buffer.from('probe'), ref: `probe:${run}` });
      setTimeout(again, 200);
    };
    again();
  });
  probeSeen = null;
  const total = Math.round(RATE * seconds);
  const start = performance.now();
  await new Promise<void>((resolve) => {
    let i = 0;
    const tick = () => {
      // everything that is due (a late timer sends the backlog at once, as clients would have)
      while (i < total && performance.now() >= start + (i * 1000) / RATE) {
        const ref = `${run}:${i}`;
        sentAt.set(ref, performance.now());
        offer({ ...payload[i % payload.length], ref });
        i++;
      }
      if (i >= total) return resolve();
      setTimeout(tick, Math.max(0, start + (i * 1000) / RATE - performance.now()));
    };
    tick();
  });
  const drainUntil = performance.now() + 10_000;
  while (sentAt.size && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  const lost = sentAt.size;
  await p.close();
  await sub.close();
  return { ...latencySummary(lat), lost };
}

async function fetchRate(c: ClientUnderTest) {
  const r = await c.consumeAll(topics.fetch, N);
  // from the end of the group join, as ConsumerPerformance's fetch-only figure (the first record can come
  // after a client has already fetched and decoded whole batches, so first → last would flatter it)
  return { fetch: N / ((r.lastAt - (r.joinedAt || r.startedAt)) / 1000), total: N / ((r.lastAt - r.startedAt) / 1000) };
}

const KJ = 'kafkajs';
const PL = '@platformatic/kafka';
await runBench({
  name: 'kafka-client',
  title: `Kafka clients: ${PL} vs ${KJ} (producer, gateway-like e2e at ${RATE} msg/s, ingest-like fetch of ${N.toLocaleString('en-US')}) beside Kafka's own tools`,
  args,
  params: { messages: N, produce: PRODUCE, sends: SENDS, rate: RATE, seconds: SECONDS, partitions: 6 },
  metrics: {
    baseline: {
      prodJava: 'Kafka ProducerPerformance, acks=all idempotent [msgs/s]',
      kafkaE2eP50: 'Kafka EndToEndLatency p50 (acks=all, one at a time) [ms]',
      kafkaE2eP99: 'Kafka EndToEndLatency p99 [ms]',
      cpFetch: 'Kafka ConsumerPerformance, fetch only [msgs/s]',
    },
    info: {
      prodKj: `${KJ} producer, acks=all idempotent, 1,000 per send [msgs/s]`,
      prodPl: `${PL} producer, same [msgs/s]`,
      sendP50Kj: `${KJ} one-record send p50 [ms]`,
      sendP99Kj: `${KJ} one-record send p99 [ms]`,
      sendP50Pl: `${PL} one-record send p50 [ms]`,
      sendP99Pl: `${PL} one-record send p99 [ms]`,
      e2eP50Kj: `${KJ} gateway-like e2e p50 [ms]`,
      e2eP99Kj: `${KJ} gateway-like e2e p99 [ms]`,
      e2eLostKj: `${KJ} gateway-like records lost [count]`,
      e2eP50Pl: `${PL} gateway-like e2e p50 [ms]`,
      e2eP99Pl: `${PL} gateway-like e2e p99 [ms]`,
      e2eLostPl: `${PL} gateway-like records lost [count]`,
      fetchKj: `${KJ} ingest-like fetch, group joined → last record [msgs/s]`,
      fetchPl: `${PL} ingest-like fetch, same [msgs/s]`,
      fetchTotalKj: `${KJ} ingest-like fetch incl. group join [msgs/s]`,
      fetchTotalPl: `${PL} ingest-like fetch incl. group join [msgs/s]`,
    },
  },
  async setup() {
    broker = await benchBroker('kafka-client');
    const kafka = createKafka(broker.brokers, 'bench-kafka-client-setup');
    topics = { fetch: `${broker.prefix}fetch`, produce: `${broker.prefix}produce`, e2e: `${broker.prefix}e2e` };
    await benchTopics(kafka, Object.values(topics).map((topic) => ({ topic, partitions: 6 })));
    const now = Date.now();
    const all = koreanChat(N, now - 86_400_000, now);
    payload = all.slice(0, Math.min(N, PRODUCE)).map((e) => ({ key: e.channel, value: Buffer.from(serialize(e)) }));
    avgSize = Math.round(payload.reduce((s, m) => s + m.value.length, 0) / payload.length);
    process.stderr.write(`preloading ${N} envelopes (avg ${avgSize} B) for the fetch test…\n`);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const inflight: Promise<unknown>[] = [];
    for (let i = 0; i < all.length; i += 5000) {
      inflight.push(producer.send({ topic: topics.fetch, acks: 1, messages: all.slice(i, i + 5000).map(envelopeMessage) }));
      if (inflight.length >= 4) await inflight.shift();
    }
    await Promise.all(inflight);
    await producer.disconnect();
    clients = [kafkajsClient(broker.brokers), platformaticClient(broker.brokers)];
    process.stderr.write('checking the guarantees the product relies on…\n');
    probes = await checkGuarantees(broker.brokers, broker.prefix);
    return broker;
  },
  async warmup() {
    for (const c of clients) {
      await produceRate(c, 20_000);
      await sendLatency(c, 100);
      await gatewayLatency(c, 2);
    }
    await consumerPerformance({ brokers: broker.brokers, topic: topics.fetch, messages: 50_000, group: `${broker.prefix}cp-warm`, timeoutMs: 30_000 });
  },
  async round(i) {
    const order = i % 2 ? clients : [...clients].reverse();
    const r: Record<string, Awaited<ReturnType<typeof produceRate>> | Awaited<ReturnType<typeof sendLatency>> | Awaited<ReturnType<typeof gatewayLatency>> | Awaited<ReturnType<typeof fetchRate>>> = {};
    for (const c of order) r[`prod:${c.name}`] = await produceRate(c);
    const java = await producerPerformance({ brokers: broker.brokers, topic: topics.produce, records: PRODUCE, size: avgSize });
    for (const c of order) r[`send:${c.name}`] = await sendLatency(c);
    for (const c of order) r[`e2e:${c.name}`] = await gatewayLatency(c);
    const kafkaE2e = await endToEndLatency({ brokers: broker.brokers, topic: `${broker.prefix}e2e-tool-${i}`, messages: 3000, size: avgSize, acks: 'all' });
    for (const c of order) r[`fetch:${c.name}`] = await fetchRate(c);
    const cp = await consumerPerformance({ brokers: broker.brokers, topic: topics.fetch, messages: N, group: `${broker.prefix}cp-${i}`, timeoutMs: 30_000 });
    const send = (n: string) => r[`send:${n}`] as Awaited<ReturnType<typeof sendLatency>>;
    const e2e = (n: string) => r[`e2e:${n}`] as Awaited<ReturnType<typeof gatewayLatency>>;
    const fetch = (n: string) => r[`fetch:${n}`] as Awaited<ReturnType<typeof fetchRate>>;
    return {
      prodKj: r[`prod:${KJ}`] as number,
      prodPl: r[`prod:${PL}`] as number,
      prodJava: java.recordsPerSec,
      sendP50Kj: send(KJ).p50,
      sendP99Kj: send(KJ).p99,
      sendP50Pl: send(PL).p50,
      sendP99Pl: send(PL).p99,
      e2eP50Kj: e2e(KJ).p50,
      e2eP99Kj: e2e(KJ).p99,
      e2eLostKj: e2e(KJ).lost,
      e2eP50Pl: e2e(PL).p50,
      e2eP99Pl: e2e(PL).p99,
      e2eLostPl: e2e(PL).lost,
      kafkaE2eP50: kafkaE2e.p50Ms,
      kafkaE2eP99: kafkaE2e.p99Ms,
      fetchKj: fetch(KJ).fetch,
      fetchPl: fetch(PL).fetch,
      fetchTotalKj: fetch(KJ).total,
      fetchTotalPl: fetch(PL).total,
      cpFetch: cp.fetchMessagesPerSec,
    };
  },
  target(m) {
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    const faster = m.prodPl > m.prodKj && m.fetchPl > m.fetchKj;
    const lower = m.e2eP99Pl < m.e2eP99Kj && m.sendP99Pl < m.sendP99Kj;
    const safe = probes.every((p) => p.both);
    return {
      text:
        `${PL} wins on throughput (producer ${ratio(m.prodPl, m.prodKj)}, fetch ${ratio(m.fetchPl, m.fetchKj)} of kafkajs) ` +
        `and latency (e2e p99 ${m.e2eP99Pl.toFixed(1)} vs ${m.e2eP99Kj.toFixed(1)} ms, send p99 ${m.sendP99Pl.toFixed(1)} vs ${m.sendP99Kj.toFixed(1)} ms) ` +
        `and keeps every guarantee (${probes.filter((p) => p.both).length}/${probes.length})`,
      pass: faster && lower && safe,
    };
  },
  get notes() {
    return [
      '',
      'Guarantees the product relies on, checked on the same broker (bench/kafka-client/guarantees.ts):',
      '',
      '| guarantee | used for | kafkajs 2.2.4 | @platformatic/kafka 1.35 |',
      '|---|---|---|---|',
      ...probes.map((p) => `| ${p.guarantee} | ${p.usedFor} | ${p.kafkajs} | ${p.platformatic} |`),
      '',
      'Both clients as the product would run them: idempotent, acks=all, one produce request in flight (platformatic: sends queued by the caller, see the guarantees); consumers with the gateway\'s (maxWait 500 ms) and ingest\'s (16/64 MiB fetches, maxWait 200 ms, no auto-commit) settings.',
    ];
  },
});
