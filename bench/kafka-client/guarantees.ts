// What the product relies on from its Kafka client, checked against the real
// broker for both clients (not read off a feature list): each probe runs the
// operation the product runs and verifies its effect with a neutral reader
// (kafkajs admin offsets, or the records themselves).
import { randomUUID } from 'node:crypto';
import { Partitioners, logLevel, type Kafka } from 'kafkajs';
import {
  Admin as PltAdmin,
  Consumer as PltConsumer,
  Producer as PltProducer,
  MessagesStreamModes,
  ProduceAcks,
  compatibilityPartitioner,
} from '@platformatic/kafka';
import { createKafka, createProducer } from '../../core/kafka.ts';
import { benchTopics } from '../lib/broker.ts';

export interface Probe {
  guarantee: string;
  /** what the product uses it for */
  usedFor: string;
  kafkajs: string;
  platformatic: string;
  /** true when both behave as the product needs */
  both: boolean;
}

type Outcome = { ok: boolean; detail: string };
const ok = (detail: string): Outcome => ({ ok: true, detail: `✓ ${detail}` });
const bad = (detail: string): Outcome => ({ ok: false, detail: `✗ ${detail}` });
async function attempt(fn: () => Promise<Outcome>): Promise<Outcome> {
  try {
    return await fn();
  } catch (err) {
    return bad(`error: ${(err as Error).message.split('\n')[0]}`);
  }
}

const CHANNELS = ['general', '개발', 'random', '공지', '점심', 'team1', 'ops', '데이터', '영화', '질문', '잡담', 'airflow', 'kafka', '채용', '스터디', '민수', '지은', 'dm:u_1:u_2', '🎬', 'a'];

export async function checkGuarantees(brokers: string[], prefix: string): Promise<Probe[]> {
  const kafka = createKafka(brokers, 'bench-guarantees', { logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const base = { bootstrapBrokers: brokers, clientId: 'bench-guarantees-plt', retries: 5, retryDelay: 200 };
  const topic = async (name: string, partitions: number) => {
    const t = `${prefix}probe.${name}.${randomUUID().slice(0, 6)}`;
    await benchTopics(kafka, [{ topic: t, partitions }]);
    return t;
  };
  const highWater = async (t: string) => (await admin.fetchTopicOffsets(t)).reduce((s, p) => s + Number(p.high), 0);
  const probes: Probe[] = [];
  const add = (guarantee: string, usedFor: string, a: Outcome, b: Outcome) => probes.push({ guarantee, usedFor, kafkajs: a.detail, platformatic: b.detail, both: a.ok && b.ok });

  try {
    // 1. idempotent producer with acks=all gets a producer id and writes once
    add(
      'idempotent producer, acks=all',
      'every produce (gateway, bots, DLQ, imports)',
      await attempt(async () => {
        const t = await topic('idem', 1);
        const p = createProducer(kafka);
        await p.connect();
        const r = await p.send({ topic: t, acks: -1, messages: [{ key: 'general', value: '하나' }] });
        await p.disconnect();
        return (await highWater(t)) === 1 && r[0].errorCode === 0 ? ok('1 record written, acks=all') : bad('unexpected result');
      }),
      await attempt(async () => {
        const t = await topic('idem', 1);
        const p = new PltProducer({ ...base, idempotent: true, acks: ProduceAcks.ALL });
        await p.send({ messages: [{ topic: t, key: Buffer.from('general'), value: Buffer.from('하나') }] });
        const id = p.producerId;
        await p.close();
        return (await highWater(t)) === 1 && id !== undefined ? ok(`1 record written, producer id ${id}`) : bad('no producer id / wrong count');
      }),
    );

    // 2. two sends in flight to one partition (bots and importers do not wait for each other)
    const concurrent = 20;
    add(
      `${concurrent} sends in flight at once to one partition, idempotent`,
      'concurrent producers in one process (bots, DLQ, imports, gateway bursts)',
      await attempt(async () => {
        const t = await topic('inflight', 1);
        const p = createProducer(kafka);
        await p.connect();
        await Promise.all(Array.from({ length: concurrent }, (_, i) => p.send({ topic: t, acks: -1, messages: [{ key: 'general', value: `메시지 ${i}` }] })));
        await p.disconnect();
        const n = await highWater(t);
        return n === concurrent ? ok(`${n} of ${concurrent} written`) : bad(`${n} of ${concurrent} written`);
      }),
      await attempt(async () => {
        const t = await topic('inflight', 1);
        const p = new PltProducer({ ...base, idempotent: true, acks: ProduceAcks.ALL });
        await p.send({ messages: [{ topic: t, key: Buffer.from('general'), value: Buffer.from('초기화') }] }); // producer id first
        const settled = await Promise.allSettled(
          Array.from({ length: concurrent }, (_, i) => p.send({ messages: [{ topic: t, key: Buffer.from('general'), value: Buffer.from(`메시지 ${i}`) }] })),
        );
        await p.close();
        const n = (await highWater(t)) - 1;
        const failed = settled.filter((s) => s.status === 'rejected').length;
        const silent = concurrent - failed - n;
        // the same sends queued one at a time by the caller (what clients.ts does)
        const t2 = await topic('inflight', 1);
        const q = new PltProducer({ ...base, idempotent: true, acks: ProduceAcks.ALL });
        let chain: Promise<unknown> = Promise.resolve();
        await Promise.all(
          Array.from({ length: concurrent }, (_, i) => (chain = chain.then(() => q.send({ messages: [{ topic: t2, key: Buffer.from('general'), value: Buffer.from(`메시지 ${i}`) }] })))),
        );
        await q.close();
        const queued = await highWater(t2);
        return n === concurrent
          ? ok(`${n} of ${concurrent} written`)
          : bad(
              `${n} of ${concurrent} written; ${failed} sends rejected${silent > 0 ? `, ${silent} resolved as sent but never written` : ''} ` +
                `(1.x gives requests in flight the same sequence number; upstream issue #326, fixed only in 2.x). Queued one at a time by the caller: ${queued} of ${concurrent}`,
            );
      }),
    );

    // 3. manual commit after processing; a restarted member resumes there
    add(
      'manual commit, resume from the committed offset',
      'ingest commits after the DuckDB commit; a restart resumes there',
      await attempt(async () => {
        const t = await topic('commit', 1);
        await fill(kafka, t, 10);
        const group = `${prefix}probe-commit-${randomUUID()}`;
        const c1 = kafka.consumer({ groupId: group, maxWaitTimeInMs: 100 });
        await c1.connect();
        await c1.subscribe({ topics: [t], fromBeginning: true });
        await new Promise<void>((resolve) => {
          void c1.run({
            autoCommit: false,
            eachMessage: async ({ message, partition }) => {
              if (message.offset === '4') {
                await c1.commitOffsets([{ topic: t, partition, offset: '5' }]);
                resolve();
              }
            },
          });
        });
        await c1.disconnect();
        const c2 = kafka.consumer({ groupId: group, maxWaitTimeInMs: 100 });
        await c2.connect();
        await c2.subscribe({ topics: [t], fromBeginning: true });
        const first = await new Promise<string>((resolve) => void c2.run({ autoCommit: false, eachMessage: async ({ message }) => resolve(message.offset) }));
        await c2.disconnect();
        return first === '5' ? ok('restart began at offset 5') : bad(`restart began at offset ${first}`);
      }),
      await attempt(async () => {
        const t = await topic('commit', 1);
        await fill(kafka, t, 10);
        const group = `${prefix}probe-commit-${randomUUID()}`;
        const c1 = new PltConsumer({ ...base, groupId: group });
        const s1 = await c1.consume({ topics: [t], mode: MessagesStreamModes.EARLIEST, autocommit: false, maxWaitTime: 100 });
        await new Promise<void>((resolve, reject) => {
          s1.on('data', (m) => {
            if (m.offset === 4n) void Promise.resolve(m.commit()).then(() => resolve(), reject);
          });
        });
        await s1.close();
        await c1.close(true);
        const c2 = new PltConsumer({ ...base, groupId: group });
        const s2 = await c2.consume({ topics: [t], mode: MessagesStreamModes.COMMITTED, fallbackMode: 'earliest', autocommit: false, maxWaitTime: 100 });
        const first = await new Promise<bigint>((resolve) => s2.once('data', (m) => resolve(m.offset)));
        await s2.close();
        await c2.close(true);
        return first === 5n ? ok('restart began at offset 5 (message.commit())') : bad(`restart began at offset ${first}`);
      }),
    );

    // 4. seek: start reading a partition at a given offset
    add(
      'seek to an offset',
      "gateway warm-up reads the last window of each partition",
      await attempt(async () => {
        const t = await topic('seek', 1);
        await fill(kafka, t, 10);
        const c = kafka.consumer({ groupId: `${prefix}probe-seek-${randomUUID()}`, maxWaitTimeInMs: 100 });
        await c.connect();
        await c.subscribe({ topics: [t], fromBeginning: true });
        const first = await new Promise<string>((resolve) => {
          void c.run({ eachMessage: async ({ message }) => resolve(message.offset) });
          c.seek({ topic: t, partition: 0, offset: '7' });
        });
        await c.disconnect();
        return first === '7' ? ok('consumer.seek(): first record at 7') : bad(`first record at ${first}`);
      }),
      await attempt(async () => {
        const t = await topic('seek', 1);
        await fill(kafka, t, 10);
        const c = new PltConsumer({ ...base, groupId: `${prefix}probe-seek-${randomUUID()}` });
        const s = await c.consume({ topics: [t], mode: MessagesStreamModes.MANUAL, offsets: [{ topic: t, partition: 0, offset: 7n }], autocommit: false, maxWaitTime: 100 });
        const first = await new Promise<bigint>((resolve) => s.once('data', (m) => resolve(m.offset)));
        await s.close();
        await c.close(true);
        return first === 7n ? ok('no seek() on a running stream; a new stream in MANUAL mode at 7 began at 7') : bad(`first record at ${first}`);
      }),
    );

    // 5. describeGroups: who is alive in a consumer group
    add(
      'describeGroups (state and members)',
      'gateway liveness: a gateway whose group has no members is gone',
      await attempt(async () => {
        const t = await topic('groups', 1);
        const group = `${prefix}probe-group-${randomUUID()}`;
        const c = kafka.consumer({ groupId: group, maxWaitTimeInMs: 100 });
        await c.connect();
        await c.subscribe({ topics: [t] });
        const joined = new Promise<void>((resolve) => c.on(c.events.GROUP_JOIN, () => resolve()));
        await c.run({ eachMessage: async () => undefined });
        await joined;
        const { groups } = await admin.describeGroups([group]);
        await c.disconnect();
        return groups[0].state === 'Stable' && groups[0].members.length === 1 ? ok('Stable, 1 member') : bad(`${groups[0].state}, ${groups[0].members.length} members`);
      }),
      await attempt(async () => {
        const t = await topic('groups', 1);
        const group = `${prefix}probe-group-${randomUUID()}`;
        const c = new PltConsumer({ ...base, groupId: group });
        const s = await c.consume({ topics: [t], mode: MessagesStreamModes.LATEST, maxWaitTime: 100 });
        const a = new PltAdmin(base);
        const g = (await a.describeGroups({ groups: [group] })).get(group);
        await a.close();
        await s.close();
        await c.close(true);
        return g?.state === 'STABLE' && g.members.size === 1 ? ok(`${g.state}, 1 member`) : bad(`${g?.state}, ${g?.members.size} members`);
      }),
    );

    // 6. admin: create topics, read cluster and partition metadata, high watermarks
    add(
      'createTopics, cluster metadata, high watermarks',
      'topics created at start (core/names.ts); ingest lag and health',
      await attempt(async () => {
        const t = `${prefix}probe.admin.${randomUUID().slice(0, 6)}`;
        await admin.createTopics({ waitForLeaders: true, topics: [{ topic: t, numPartitions: 3, replicationFactor: 1 }] });
        const cluster = await admin.describeCluster();
        const offsets = await admin.fetchTopicOffsets(t);
        return cluster.brokers.length === 1 && offsets.length === 3 ? ok('3 partitions, 1 broker, offsets of each') : bad('unexpected metadata');
      }),
      await attempt(async () => {
        const t = `${prefix}probe.admin.${randomUUID().slice(0, 6)}`;
        const a = new PltAdmin(base);
        await a.createTopics({ topics: [t], partitions: 3, replicas: 1 });
        const md = await a.metadata({ topics: [t], forceUpdate: true });
        const offsets = await a.listOffsets({ topics: [{ name: t, partitions: [0, 1, 2].map((p) => ({ partitionIndex: p, timestamp: -1n, currentLeaderEpoch: -1 })) }] });
        await a.close();
        return md.brokers.size === 1 && md.topics.get(t)?.partitionsCount === 3 && offsets[0].partitions.length === 3
          ? ok('3 partitions, 1 broker, offsets of each')
          : bad('unexpected metadata');
      }),
    );

    // 7. a channel keeps its partition (per-channel order across a client switch)
    {
      const t = await topic('keys', 6);
      const kj = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await kj.connect();
      const kjParts = await Promise.all(CHANNELS.map(async (ch) => (await kj.send({ topic: t, messages: [{ key: ch, value: 'x' }] }))[0].partition));
      await kj.disconnect();
      const parts = async (partitioner?: typeof compatibilityPartitioner) => {
        const p = new PltProducer({ ...base, ...(partitioner ? { partitioner } : {}) });
        const out: number[] = [];
        for (const ch of CHANNELS) out.push((await p.send({ messages: [{ topic: t, key: Buffer.from(ch), value: Buffer.from('x') }] })).offsets![0].partition);
        await p.close();
        return out;
      };
      const compat = await parts(compatibilityPartitioner);
      const dflt = await parts();
      const same = (xs: number[]) => xs.filter((x, i) => x === kjParts[i]).length;
      probes.push({
        guarantee: `keyed partitioning = kafkajs/Java murmur2 (${CHANNELS.length} channel names, 6 partitions)`,
        usedFor: 'per-channel order: a channel must stay on its partition across the switch',
        kafkajs: '✓ reference',
        platformatic: `${same(compat) === CHANNELS.length ? '✓' : '✗'} compatibilityPartitioner ${same(compat)}/${CHANNELS.length} same; default partitioner only ${same(dflt)}/${CHANNELS.length}`,
        both: same(compat) === CHANNELS.length,
      });
    }
  } finally {
    await admin.disconnect();
  }
  return probes;
}

async function fill(kafka: Kafka, topic: string, n: number): Promise<void> {
  const p = kafka.producer();
  await p.connect();
  await p.send({ topic, acks: -1, messages: Array.from({ length: n }, (_, i) => ({ key: 'general', value: `기록 ${i}` })) });
  await p.disconnect();
}
