// Two bot runtimes in two processes (own DuckDB files) on one broker: a
// schedule made in chat reaches both, exactly one answers each question, and
// each occurrence fires exactly once.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../core/config.ts';
import { testKafka } from './helpers/kafka.ts';
import { BrokerHarness } from '../bots/runtime/harness.ts';
import { nextOccurrence, parseCron } from '../core/cron.ts';
import { repoRoot, tempDir, testBrokers, uniquePrefix } from './helpers/server.ts';

interface Proc {
  child: ChildProcess;
  call<T>(msg: Record<string, unknown>): Promise<T>;
}

async function botProcess(prefix: string): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test', 'helpers', 'bot-process.ts')], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'test', DATA_DIR: tempDir('kchat-botproc-'), KCHAT_TOPIC_PREFIX: prefix, KAFKA_BROKERS: testBrokers(), KCHAT_SCHEDULES_FILE: '' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (v: unknown) => void>();
  let n = 0;
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m: { ready?: boolean; id?: number }) => {
      if (m.ready) resolve();
      else if (m.id !== undefined) pending.get(m.id)?.(m);
    });
    child.once('exit', (code) => reject(new Error(`bot process exited early (${code})`)));
  });
  return {
    child,
    call<T>(msg: Record<string, unknown>) {
      const id = ++n;
      return new Promise<T>((resolve) => {
        pending.set(id, resolve as (v: unknown) => void);
        child.send({ ...msg, id });
      });
    },
  };
}

const brokersSet = Boolean(process.env.KAFKA_BROKERS);
const skip = brokersSet ? false : 'KAFKA_BROKERS is not set: run through `npm test` (it starts a broker)';

let a: Proc;
let b: Proc;
let harness: BrokerHarness;

before(async () => {
  if (!brokersSet) return;
  const prefix = uniquePrefix('sched2');
  [a, b] = await Promise.all([botProcess(prefix), botProcess(prefix)]);
  const config = loadConfig({ ...process.env, KCHAT_TOPIC_PREFIX: prefix, DATA_DIR: tempDir() });
  harness = new BrokerHarness(await testKafka(config, 'sched2-harness'), config);
  await harness.start();
});

after(async () => {
  if (!brokersSet) return;
  await harness.stop();
  await Promise.all([a, b].map((p) => p.call({ stop: true }).catch(() => undefined)));
});

test('two server processes: one reply per question, the schedule reaches both, each occurrence fires once', { skip }, async () => {
  const user = { id: 'u_two', nick: '두리' };
  const { question, reply } = await harness.ask('@bot 일정 추가 매일 09:30 데일리 스크럼 시작합니다', { user });
  assert.match(reply.text, /매일 오전 9:30마다 #general에 알림: 데일리 스크럼 시작합니다/);
  const id = (reply.meta.schedule as { id: string }).id;
  // Both processes apply the change from the topic (each has its own DuckDB file).
  await Promise.all([a.call({ waitSchedule: id }), b.call({ waitSchedule: id })]);

  // Both wake for the same occurrence at the same time; the claim log lets one fire.
  const occ = nextOccurrence(parseCron('30 9 * * *'), Date.now(), 'Asia/Seoul')!;
  const [fa, fb] = await Promise.all([a.call<{ fired: string[] }>({ tick: occ }), b.call<{ fired: string[] }>({ tick: occ })]);
  const key = `sched:${id}:${occ}`;
  assert.deepEqual([...fa.fired, ...fb.fired], [key], 'exactly one process fired');
  const reminder = await harness.waitFor((e) => e.id === key);
  assert.equal(reminder.text, '⏰ 두리님이 등록한 알림: 데일리 스크럼 시작합니다');
  // The next day's occurrence: again exactly once (whichever process wins).
  const occ2 = nextOccurrence(parseCron('30 9 * * *'), occ, 'Asia/Seoul')!;
  const [ga, gb] = await Promise.all([a.call<{ fired: string[] }>({ tick: occ2 }), b.call<{ fired: string[] }>({ tick: occ2 })]);
  assert.equal(ga.fired.length + gb.fired.length, 1);

  // A marker after everything: once it is read back, every earlier record on the channel's partition was read too.
  const marker = await harness.ask('@bot 일정 목록', { user });
  assert.match(marker.reply.text, new RegExp(id));
  const reminders = harness.seen.filter((e) => e.id === key);
  assert.equal(reminders.length, 1, 'the reminder is on the topic once');
  const replies = harness.seen.filter((e) => e.reply_to === question.id || e.reply_to === marker.question.id);
  assert.equal(replies.length, 2, 'one reply per question, though two processes run');

  // Deleting in chat reaches both; the next occurrence fires nowhere.
  await harness.ask(`@bot 일정 삭제 ${id}`, { user });
  await Promise.all([a.call({ waitSchedule: id, gone: true }), b.call({ waitSchedule: id, gone: true })]);
  const occ3 = nextOccurrence(parseCron('30 9 * * *'), occ2, 'Asia/Seoul')!;
  const [ha, hb] = await Promise.all([a.call<{ fired: string[] }>({ tick: occ3 }), b.call<{ fired: string[] }>({ tick: occ3 })]);
  assert.deepEqual([...ha.fired, ...hb.fired], []);
});
