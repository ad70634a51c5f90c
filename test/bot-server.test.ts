// The bots inside a real `npm start` server: questions on the broker get
// replies, POST /hooks/airflow posts to #ops, and `@bot 작업` lists it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../core/config.ts';
import { createEnvelope } from '../core/envelope.ts';
import { BrokerHarness } from '../bots/runtime/harness.ts';
import { testKafka } from './helpers/kafka.ts';
import { startServer, tempDir, type TestServer } from './helpers/server.ts';

const skip = process.env.KAFKA_BROKERS ? false : 'KAFKA_BROKERS is not set: run through `npm test` (it starts a broker)';
let srv: TestServer;
let h: BrokerHarness;

before(async () => {
  if (skip) return;
  srv = await startServer({ env: { KCHAT_SCHEDULES_FILE: '' } });
  const config = loadConfig({ ...process.env, KCHAT_TOPIC_PREFIX: srv.prefix, DATA_DIR: tempDir() });
  h = new BrokerHarness(await testKafka(config, 'bot-server-test'), config);
  await h.start();
});
after(async () => {
  if (skip) return;
  await h.stop();
  await srv.stop();
});

test('a running server answers, takes Airflow callbacks and lists jobs', { skip }, async () => {
  const help = await h.ask('@봇 도움말', { user: { id: 'u_srv', nick: '서버' } });
  assert.match(help.reply.text, /일정 추가/);
  assert.equal(help.reply.reply_to, help.question.id);

  const token = fs.readFileSync(path.join(srv.dataDir, 'hook-token'), 'utf8').trim();
  const res = await fetch(`${srv.url}/hooks/airflow`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ dag_id: 'kchat_daily_parquet', run_id: 'manual__srv', state: 'failed', task_id: 'to_parquet', exception: 'OSError: 디스크 공간 부족' }),
  });
  assert.equal(res.status, 202);
  const { id } = (await res.json()) as { id: string };
  const posted = await h.waitFor((e) => e.id === id);
  assert.equal(posted.channel, 'ops');
  assert.match(posted.text, /❌ Airflow 실패: kchat_daily_parquet[\s\S]*• 오류: OSError: 디스크 공간 부족/);
  const bad = await fetch(`${srv.url}/hooks/airflow`, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '{}' });
  assert.equal(bad.status, 401);

  // The ingest pipeline's result, as it posts it.
  await h.post(createEnvelope({ type: 'system', channel: 'ops', user: { id: 'system', nick: 'system' }, text: '파이프라인 완료', meta: { kind: 'pipeline', date: '2024-09-02', status: 'success', rows: 1234, channels: 5, duration_ms: 4200 } }));
  // The sync consumer records both from the topic; ask until the list shows them (each ask is a real round trip, no sleeps).
  let jobs = '';
  for (let i = 0; i < 50 && !(/manual__srv/.test(jobs) && /2024-09-02/.test(jobs)); i++) {
    jobs = (await h.ask('@bot 작업', { user: { id: `u_jobs${i}`, nick: '운영' }, channel: 'ops' })).reply.text;
  }
  assert.match(jobs, /✅ 파이프라인 2024-09-02 success, 1234행, 채널 5, 4\.2초/);
  assert.match(jobs, /❌ kchat_daily_parquet manual__srv \(to_parquet\) failed/);
});
