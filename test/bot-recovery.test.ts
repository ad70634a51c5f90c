// The bots after kafkajs gives up on a consumer (a crash it will not restart
// from, as after "Failed to find group coordinator" when a broker comes back):
// the runtime builds the consumer again, the question that was being handled
// is answered once, and health says what happened.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBots, type RunningBots } from '../bots/index.ts';
import { BrokerHarness, question } from '../bots/runtime/harness.ts';
import { loadConfig } from '../core/config.ts';
import { Database } from '../core/db.ts';
import type { KafkaClient } from '../core/kafka.ts';
import { until } from './helpers/ingest.ts';
import { testKafka } from './helpers/kafka.ts';
import { tempDir, uniquePrefix } from './helpers/server.ts';

const skip = process.env.KAFKA_BROKERS ? false : 'KAFKA_BROKERS is not set: run through `npm test` (it starts a broker)';
let db: Database;
let bots: RunningBots;
let botsKafka: KafkaClient;
let h: BrokerHarness;
/** set to make the bots' clock throw once: a bug-like error (TypeError) inside the questions consumer */
let fault: TypeError | null = null;

before(async () => {
  if (skip) return;
  const config = loadConfig({ ...process.env, DATA_DIR: tempDir('kchat-botrec-'), KCHAT_TOPIC_PREFIX: uniquePrefix('botrec'), KCHAT_SCHEDULES_FILE: '' });
  db = await Database.open(config.dbPath);
  botsKafka = await testKafka(config, 'botrec-bots');
  const now = (): number => {
    const f = fault;
    fault = null;
    if (f) throw f;
    return Date.now();
  };
  bots = await startBots({ config, db, kafka: botsKafka, manualClock: true, movie: false, now });
  h = new BrokerHarness(await testKafka(config, 'botrec-harness'), config);
  await h.start();
});
after(async () => {
  if (skip) return;
  await h.stop();
  await bots.stop();
  await botsKafka.disconnect();
  await db.close();
});

test('a questions consumer kafkajs gave up on is built again; the question is answered once, health counts the restart', { skip, timeout: 180_000 }, async () => {
  const before = await h.ask('@봇 도움말', { user: { id: 'u_rec', nick: '복구' } });
  assert.match(before.reply.text, /일정/);
  assert.equal(bots.health().restarts, 0);

  fault = new TypeError('simulated bug while answering');
  const q = question('@bot 일정 목록', { user: { id: 'u_rec', nick: '복구' } });
  const reply = h.waitFor((e) => e.reply_to === q.id);
  await h.post(q);
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 60 s: the questions consumer is not running again')), 60_000).unref());
  assert.match((await Promise.race([reply, timeout])).text, /일정/, 'answered after the consumer was built again');
  assert.equal(fault, null, 'the fault did fire');

  const health = await until(async () => {
    const x = bots.health();
    return x.status === 'ok' && x;
  }, 'the bots to be healthy again', 60_000);
  assert.ok(health.restarts >= 1, `restarts: ${health.restarts}`);
  assert.equal(health.ok, true);

  // once, not twice: a later question's answer comes after, and no second answer to q
  const later = await h.ask('@봇 도움말', { user: { id: 'u_rec2', nick: '나중' } });
  assert.ok(later.reply);
  assert.equal(h.seen.filter((e) => e.reply_to === q.id).length, 1);
});
