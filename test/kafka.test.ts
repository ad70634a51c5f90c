// The broker side of kchat against a real Kafka: topics, the envelope's bytes
// on the wire, clear errors, and the project-managed broker's life cycle.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import kafkajs from 'kafkajs';
import { loadConfig, type Config } from '../core/config.ts';
import { createEnvelope, parse, serialize } from '../core/envelope.ts';
import { createKafka, createProducer, envelopeMessage } from '../core/kafka.ts';
import { EVENTS_PARTITIONS } from '../core/topics.ts';
import { connectKafka, readBrokerState, type BrokerHandle } from '../kafka/broker.ts';
import { freePort } from '../kafka/probe.ts';

// kafkajs is CommonJS: its enums are only reachable through the default export under ESM.
const { ConfigResourceTypes } = kafkajs;

function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-kafka-test-'));
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a configured broker (KAFKA_BROKERS)', () => {
  let handle: BrokerHandle;
  let config: Config;
  let ownBroker: BrokerHandle | null = null;
  const prefix = `kafkatest.${process.pid}.${Date.now()}.`;
  const dirs: string[] = [];

  before(async () => {
    let brokers = process.env.KAFKA_BROKERS;
    if (!brokers) {
      // Run standalone (`npx tsx --test test/kafka.test.ts`): bring our own broker.
      const dir = tempDataDir();
      dirs.push(dir);
      ownBroker = await connectKafka(loadConfig({ DATA_DIR: dir }), { start: true });
      brokers = ownBroker.brokers.join(',');
    }
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    config = loadConfig({ KAFKA_BROKERS: brokers, KCHAT_TOPIC_PREFIX: prefix, DATA_DIR: dataDir });
    handle = await connectKafka(config);
  });

  after(async () => {
    if (handle) {
      const admin = createKafka(handle.brokers, 'kafka-test-cleanup').admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [config.topics.events, config.topics.dlq] }).catch(() => undefined);
      await admin.disconnect();
      await handle.stop();
    }
    await ownBroker?.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test('is used as given, not managed, and stop() leaves it running', async () => {
    assert.deepEqual(handle.brokers, config.kafkaBrokers);
    assert.equal(handle.managed, false);
    await handle.stop();
    const admin = createKafka(handle.brokers, 'kafka-test').admin();
    await admin.connect();
    assert.ok((await admin.describeCluster()).brokers.length >= 1);
    await admin.disconnect();
  });

  test('chat.events and chat.dlq exist with their partitions and unbounded retention', async () => {
    const admin = createKafka(handle.brokers, 'kafka-test').admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [config.topics.events, config.topics.dlq] });
      const partitions = Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]));
      assert.deepEqual(partitions, { [config.topics.events]: EVENTS_PARTITIONS, [config.topics.dlq]: 1 });
      assert.ok(EVENTS_PARTITIONS > 1, 'several partitions for chat.events');
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: config.topics.events, configNames: ['retention.ms'] }],
      });
      assert.equal(resources[0].configEntries.find((c) => c.configName === 'retention.ms')?.configValue, '-1');
    } finally {
      await admin.disconnect();
    }
  });

  test('ensuring topics again is harmless', async () => {
    const again = await connectKafka(config);
    assert.deepEqual(again.brokers, handle.brokers);
  });

  test('an envelope produced with core/kafka.ts is read back byte-identical, keyed by channel', async () => {
    const envelope = createEnvelope({
      type: 'message',
      channel: '잡담',
      user: { id: 'u_minsu', nick: '민수' },
      // particles, spacing variants, an emoji and a lone surrogate (the bootcamp's IME leftover)
      text: '점심은 김치찌개로 할까요? 회의실에서 봬요 🍲 \udc8b 끝',
      meta: { 출처: 'test' },
    });
    const expected = Buffer.from(serialize(envelope), 'utf8');
    const kafka = createKafka(handle.brokers, 'kafka-test');
    const producer = createProducer(kafka);
    await producer.connect();
    const consumer = kafka.consumer({ groupId: `${prefix}reader` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: config.topics.events, fromBeginning: true });
      const received = new Promise<{ key: Buffer | null; value: Buffer | null }>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            const got = parse(message.value);
            if (got.ok && got.envelope.id === envelope.id) resolve(message);
          },
        });
      });
      await producer.send({ topic: config.topics.events, acks: -1, messages: [envelopeMessage(envelope)] });
      const message = await received;
      assert.ok(message.value);
      assert.equal(Buffer.compare(message.value, expected), 0, 'value bytes differ from serialize()');
      assert.equal(message.key?.toString('utf8'), '잡담');
      const back = parse(message.value);
      assert.ok(back.ok);
      assert.deepEqual(back.envelope, envelope);
      assert.equal(back.envelope.text, '점심은 김치찌개로 할까요? 회의실에서 봬요 🍲 \ufffd 끝');
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });

  test('an unreachable KAFKA_BROKERS gives an error naming the address', async () => {
    const port = await freePort();
    const bad = loadConfig({ KAFKA_BROKERS: `127.0.0.1:${port}`, DATA_DIR: config.dataDir });
    await assert.rejects(connectKafka(bad, { start: true }), (err: Error) => {
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.match(err.message, /unreachable/);
      return true;
    });
  });
});

describe('the project-managed broker', () => {
  const dataDir = tempDataDir();
  const config = loadConfig({ DATA_DIR: dataDir, KAFKA_BROKERS: '' });
  let handle: BrokerHandle | null = null;

  after(async () => {
    await handle?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('without start, a missing broker is a clear error', async () => {
    await assert.rejects(connectKafka(config, { start: false }), /No Kafka broker: KAFKA_BROKERS is unset.*npm start/s);
  });

  test('starts (on another port when its port is taken), is reused by a second caller, and stops cleanly', async () => {
    // The broker prefers the ports it used last time; hold that port so it must pick another.
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const taken = (squatter.address() as net.AddressInfo).port;
    fs.mkdirSync(path.join(dataDir, 'kafka'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'kafka', 'ports.json'), JSON.stringify({ port: taken, controllerPort: taken }));
    try {
      handle = await connectKafka(config, { start: true });
    } finally {
      squatter.close();
    }
    assert.equal(handle.managed, true);
    const state = readBrokerState(path.join(dataDir, 'kafka'));
    assert.ok(state, 'state file written');
    assert.deepEqual(handle.brokers, [`127.0.0.1:${state.port}`]);
    assert.notEqual(state.port, taken);
    assert.notEqual(state.controllerPort, taken);
    assert.ok(pidAlive(state.pid), 'broker process alive');
    assert.ok(fs.existsSync(path.join(dataDir, 'kafka', 'data', 'meta.properties')), 'KRaft storage formatted');

    const second = await connectKafka(config, { start: false });
    assert.deepEqual(second.brokers, handle.brokers);
    assert.equal(second.managed, true);
    await second.stop(); // not the owner: must not stop it

    const admin = createKafka(handle.brokers, 'kafka-test').admin();
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata({ topics: [config.topics.events, config.topics.dlq] });
    assert.equal(topics.length, 2);
    await admin.disconnect();

    await handle.stop();
    await handle.stop(); // idempotent
    assert.equal(pidAlive(state.pid), false, 'broker process gone');
    assert.equal(readBrokerState(path.join(dataDir, 'kafka')), null, 'state file removed');
    await assert.rejects(connectKafka(config, { start: false }), /No Kafka broker/);
  });
});
