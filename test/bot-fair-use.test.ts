// Fair use on the real broker (#10 item 10): a person asking one question
// after another is never refused; a flood gets every refusal answered, to the
// flooder only, with the time to retry; someone else asking meanwhile is served.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBots, type RunningBots } from '../bots/index.ts';
import { BrokerHarness, question } from '../bots/runtime/harness.ts';
import { loadConfig } from '../core/config.ts';
import { Database } from '../core/db.ts';
import type { KafkaClient } from '../core/kafka.ts';
import { testKafka } from './helpers/kafka.ts';
import { tempDir, uniquePrefix } from './helpers/server.ts';

const skip = process.env.KAFKA_BROKERS ? false : 'KAFKA_BROKERS is not set: run through `npm test` (it starts a broker)';
let db: Database;
let bots: RunningBots;
let botsKafka: KafkaClient;
let h: BrokerHarness;

before(async () => {
  if (skip) return;
  // The default allowance (5), refilling over an hour: nothing refills while the test runs, so the counts are exact.
  const config = loadConfig({ ...process.env, DATA_DIR: tempDir('kchat-fair-'), KCHAT_TOPIC_PREFIX: uniquePrefix('fair'), KCHAT_SCHEDULES_FILE: '', KCHAT_BOT_RATE_WINDOW_SECONDS: '3600' });
  db = await Database.open(config.dbPath);
  botsKafka = await testKafka(config, 'fair-bots');
  bots = await startBots({ config, db, kafka: botsKafka, manualClock: true, movie: false });
  h = new BrokerHarness(await testKafka(config, 'fair-harness'), config);
  await h.start();
});
after(async () => {
  if (skip) return;
  await h.stop();
  await bots.stop();
  await botsKafka.disconnect();
  await db.close();
});

test('8 reply-paced questions are all answered', { skip, timeout: 120_000 }, async () => {
  const user = { id: 'u_paced', nick: '차근차근' };
  for (let i = 1; i <= 8; i++) {
    const { reply } = await h.ask(i % 2 ? '@bot 일정 목록' : '@봇 도움말', { user });
    assert.notEqual(reply.meta.result, 'rate_limited', `question ${i}: ${reply.text}`);
    assert.equal(reply.meta.visible_to, undefined, `answer ${i} is an ordinary reply`);
  }
});

test('a flood: every refusal answered with its wait, for the flooder only; another person is served meanwhile', { skip, timeout: 120_000 }, async () => {
  const flooder = { id: 'u_flood', nick: '도배왕' };
  const flood = Array.from({ length: 12 }, (_, i) => question(`@bot 일정 목록 ${i + 1}`, { user: flooder }));
  const calm = question('@bot 일정 목록', { user: { id: 'u_calm', nick: '차분' } });
  // One produce request: the whole flood, then the other person's question, on the channel's partition before any answer.
  await h.post(...flood, calm);
  const replies = await Promise.all(flood.map((q) => h.waitFor((e) => e.reply_to === q.id)));
  const refused = replies.map((r) => r.meta.result === 'rate_limited');
  assert.deepEqual(refused, [false, false, false, false, false, false, true, true, true, true, true, true], 'the first question and five from the allowance are answered');
  for (const r of replies.filter((x) => x.meta.result === 'rate_limited')) {
    assert.deepEqual(r.meta.visible_to, ['u_flood'], 'a refusal is for the flooder only');
    // One question back every 3600 s / 5 = 12 min, less the little that refilled while the test ran.
    const wait = r.meta.retry_after_ms as number;
    assert.ok(wait > 690_000 && wait <= 720_000, `retry_after_ms ${wait}`);
    assert.match(r.text, /(12분|11분 \d+초) 후에 다시 물어봐 주세요/);
  }
  const served = await h.waitFor((e) => e.reply_to === calm.id);
  assert.notEqual(served.meta.result, 'rate_limited', 'the other person is answered right behind the flood');
  assert.match(served.text, /일정/);

  // Having read its refusals, the flooder asking again is paced: answered.
  const { reply } = await h.ask('@bot 일정 목록', { user: flooder });
  assert.notEqual(reply.meta.result, 'rate_limited');
  // The runtime logs a question after answering it, one question at a time per partition: the flood is logged by now.
  const rows = await db.all<{ result: string; n: number }>(
    `SELECT result, count(*)::INT AS n FROM bot_commands WHERE question_id IN (${flood.map(() => '?').join(',')}) GROUP BY result ORDER BY result`,
    flood.map((q) => q.id),
  );
  assert.deepEqual(
    rows.map((r) => [r.result, r.n]),
    [
      ['ok', 6],
      ['rate_limited', 6],
    ],
  );
});
