// The broker address is not resolved once (issue #10 item 13): a server's own
// managed broker that is killed comes back — here on another port, because
// its old one is taken — and chat keeps working; /healthz reports the
// restart. Every connection checks the cluster id: a broker of another
// installation is refused with an error naming both ids, at start (a pinned
// KAFKA_BROKERS cluster) and on any later connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { loadConfig } from '../core/config.ts';
import { brokerClusterId, clusterIdAt, describeClusterAt, KafkaClient } from '../core/kafka.ts';
import { readBrokerState } from '../kafka/broker.ts';
import { type Frame, joinedMember, startServer, tempDir, testBrokers, uniquePrefix, type WsClient } from './helpers/server.ts';

const skip = process.env.KAFKA_BROKERS ? false : 'KAFKA_BROKERS is not set: run through `npm test` (it starts a broker)';
const isMessage = (text: string) => (f: Frame) => f.v === 1 && f.type === 'message' && f.text === text;

const member = joinedMember;

/** Poll a condition (an awaited state, not a fixed sleep). */
async function until<T>(fn: () => T | false | null | undefined | Promise<T | false | null | undefined>, what: string, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** Send until one copy is delivered; every failed try must be answered with an error frame. */
async function sendUntilDelivered(from: WsClient, to: WsClient, channel: string, text: string): Promise<void> {
  for (let attempt = 1; attempt <= 10; attempt++) {
    const ref = `${text}-${attempt}`;
    from.send({ type: 'message', channel, text, ref });
    const outcome = await Promise.race([
      to.next(isMessage(text), 120_000).then(() => 'delivered' as const),
      from.next((f) => f.type === 'error' && f.ref === ref, 120_000).then((f) => f.code as string),
    ]);
    if (outcome === 'delivered') return;
    assert.equal(outcome, 'kafka_unavailable');
  }
  throw new Error('never delivered after the broker came back');
}

function bind(port: number): Promise<net.Server | null> {
  return new Promise((resolve) => {
    const srv = net.createServer((s) => s.destroy());
    srv.once('error', () => resolve(null));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(srv));
  });
}

test('a cluster is found when the first address given is a broker that is down', { skip }, async () => {
  const dead = net.createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
  const port = (dead.address() as net.AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r())); // nothing listens there now: a broker that is down
  const live = testBrokers().split(',');
  const found = await describeClusterAt([`127.0.0.1:${port}`, ...live], 5000);
  assert.ok(found, 'the live broker answers although the first address is dead');
  assert.equal(found.clusterId, await clusterIdAt(live));
  assert.equal(await describeClusterAt([`127.0.0.1:${port}`], 2000), null, 'a dead address alone is no cluster');
  // the per-connection check asks exactly one broker, over the wire
  assert.equal(await brokerClusterId(live[0]), found.clusterId);
  assert.equal(await brokerClusterId(`127.0.0.1:${port}`, 2000), null, 'a dead broker has no cluster id');
  const held: net.Socket[] = [];
  // claims a 2 GiB answer and streams junk: given up at once, not buffered until the timeout
  const liar = net.createServer((s) => {
    held.push(s);
    s.on('error', () => undefined);
    s.write(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
    s.write(Buffer.alloc(64 * 1024, 0x41));
  });
  await new Promise<void>((r) => liar.listen(0, '127.0.0.1', () => r()));
  const t0 = Date.now();
  assert.equal(await brokerClusterId(`127.0.0.1:${(liar.address() as net.AddressInfo).port}`, 5000), null, 'an oversized answer is no cluster id');
  assert.ok(Date.now() - t0 < 4000, 'refused without waiting for the timeout');
  const mute = net.createServer((s) => void held.push(s)); // accepts and never answers
  await new Promise<void>((r) => mute.listen(0, '127.0.0.1', () => r()));
  assert.equal(await brokerClusterId(`127.0.0.1:${(mute.address() as net.AddressInfo).port}`, 500), null, 'a port that does not speak Kafka has none');
  for (const s of held) s.destroy();
  await new Promise<void>((r) => mute.close(() => r()));
  await new Promise<void>((r) => liar.close(() => r()));
});

test('a killed managed broker is restarted (on another port when its own is taken) and chat keeps working', { skip, timeout: 600_000 }, async () => {
  const dataDir = tempDir('kchat-supervise-');
  const srv = await startServer({ dataDir, env: { KAFKA_BROKERS: '' } });
  let squatter: net.Server | null = null;
  try {
    const a = await member(srv.url, '송신', 'supervise');
    const b = await member(srv.url, '수신', 'supervise');
    a.send({ type: 'message', channel: 'supervise', text: '죽기 전' });
    await b.next(isMessage('죽기 전'));

    const kafkaDir = path.join(dataDir, 'kafka');
    const before = readBrokerState(kafkaDir)!;
    process.kill(before.pid, 'SIGKILL');
    // take its port the moment the kernel frees it, so the broker has to come back elsewhere
    squatter = await until(() => bind(before.port), `port ${before.port} to be free`, 30_000);

    const after = await until(() => {
      const s = readBrokerState(kafkaDir);
      return s && s.ready && s.pid !== before.pid && s;
    }, 'the broker to be restarted');
    assert.notEqual(after.port, before.port, 'restarted on another port');

    // the server found it again: chat works (sends during the outage were answered, never silent)
    await sendUntilDelivered(a, b, 'supervise', '다시 살아났어요');
    b.send({ type: 'message', channel: 'supervise', text: '잘 들려요' });
    await a.next(isMessage('잘 들려요'), 120_000);

    const health = await until(async () => {
      const res = await fetch(`${srv.url}/healthz`);
      return res.status === 200 && ((await res.json()) as { parts: Record<string, Record<string, unknown>> });
    }, '/healthz to be 200 again');
    const kafka = health.parts.kafka as { supervisor: { restarts: number; port: number; last_exit: string } };
    assert.equal(kafka.supervisor.restarts, 1);
    assert.equal(kafka.supervisor.port, after.port);
    assert.match(kafka.supervisor.last_exit, /SIGKILL/);
    await Promise.all([a.close(), b.close()]);
  } finally {
    squatter?.close();
    await srv.stop();
  }
});

test('a connection to another installation\'s broker is refused with both cluster ids, and health says so', { skip }, async () => {
  const real = await clusterIdAt(testBrokers().split(','));
  assert.ok(real, 'the test broker answers');
  const config = loadConfig({ ...process.env, KCHAT_TOPIC_PREFIX: uniquePrefix('stranger'), DATA_DIR: tempDir() });
  // this client believes its installation's cluster is another one: the test broker is the stranger
  const kafka = new KafkaClient({ config, brokers: testBrokers().split(','), clientId: 'stranger-test', clusterId: 'AAAAAAAAAAAAAAAAAAAAAA', extra: { retry: { retries: 1, initialRetryTime: 100 } } });
  const admin = kafka.admin();
  await assert.rejects(admin.connect());
  await admin.disconnect().catch(() => undefined);
  const h = kafka.health();
  assert.equal(h.ok, false);
  assert.equal(h.refused?.cluster_id, real);
  assert.match(h.refused!.message, new RegExp(`belongs to cluster ${real}.*AAAAAAAAAAAAAAAAAAAAAA`));
  // the right id connects
  const good = new KafkaClient({ config, brokers: testBrokers().split(','), clientId: 'stranger-test-ok', clusterId: real! });
  const ok = good.admin();
  await ok.connect();
  await ok.disconnect();
  assert.equal(good.health().ok, true);
});

test('a server whose data belongs to another Kafka cluster refuses to start, naming both', { skip, timeout: 120_000 }, async () => {
  const dataDir = tempDir('kchat-pinned-');
  fs.writeFileSync(path.join(dataDir, 'kafka-cluster-id'), 'BBBBBBBBBBBBBBBBBBBBBB\n');
  await assert.rejects(startServer({ dataDir }), (err: Error) => /cluster id .* BBBBBBBBBBBBBBBBBBBBBB/s.test(err.message) && /kafka-cluster-id/.test(err.message));
});
