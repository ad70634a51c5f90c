// The schedule bot in-process with a hand-moved clock: Korean and cron
// phrasings, chat commands with typos and wrong ids, firing once per
// occurrence, restarts, the shipped kanban default, and the limits on
// members' reminders (interval, per person, per channel, attribution).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { createLocalBots } from '../bots/index.ts';
import { LocalClaimer } from '../bots/runtime/claims.ts';
import { RateLimiter } from '../bots/runtime/ratelimit.ts';
import { ScheduleBot } from '../bots/schedule/index.ts';
import { loadConfigSchedules } from '../bots/schedule/config.ts';
import { nextOccurrence, parseCron } from '../core/cron.ts';
import { describeCron, parseWhen } from '../bots/schedule/when.ts';
import { Database } from '../core/db.ts';
import { botEnv, seoul } from './helpers/bots.ts';
import { repoRoot } from './helpers/server.ts';

describe('when phrases', () => {
  const cases: [string, string, string][] = [
    ['매일 09:30 물 마시기', '30 9 * * *', '물 마시기'],
    ['평일 9시 30분 스탠드업', '30 9 * * 1,2,3,4,5', '스탠드업'],
    ['주말 10:00 산책 가요', '0 10 * * 0,6', '산책 가요'],
    ['매주 월 10:00 주간 회의', '0 10 * * 1', '주간 회의'],
    ['매주 월·수 오후 2시 코드 리뷰', '0 14 * * 1,3', '코드 리뷰'],
    ['월,수 10:00 회고', '0 10 * * 1,3', '회고'],
    ['월수 10:00 회고', '0 10 * * 1,3', '회고'],
    ['매주 화요일, 목요일 오후 4시에 데모', '0 16 * * 2,4', '데모'],
    ['월~금 오전 8시 30분에 체크인', '30 8 * * 1,2,3,4,5', '체크인'],
    ['오전 9시 출근 체크', '0 9 * * *', '출근 체크'],
    ['오후 3시 반 간식 시간', '30 15 * * *', '간식 시간'],
    ['정오 점심 먹으러 가요', '0 12 * * *', '점심 먹으러 가요'],
    ['저녁 7시 퇴근하세요', '0 19 * * *', '퇴근하세요'],
    ['18:05 일일 보고', '5 18 * * *', '일일 보고'],
    ['"30 9 * * 1-5" 애자일 칸반', '30 9 * * 1-5', '애자일 칸반'],
    ['“0 */2 * * *” 물 마시기', '0 */2 * * *', '물 마시기'],
    ['weekdays 9:30 standup', '30 9 * * 1,2,3,4,5', 'standup'],
  ];
  for (const [input, cron, text] of cases) {
    test(input, () => assert.deepEqual(parseWhen(input), { ok: true, cron, text }));
  }
  test('errors name the problem', () => {
    const err = (s: string) => {
      const r = parseWhen(s);
      assert.equal(r.ok, false, s);
      return (r as { error: string }).error;
    };
    assert.match(err('"61 9 * * *" 알림'), /분\(minute\) 값 61/);
    assert.match(err('"30 9 * *" 알림'), /5개 필드/);
    assert.match(err('"30 9 * * 8" 알림'), /요일\(day of week\) 값 8/);
    assert.match(err('"30 9 * * mon-" 알림'), /요일/);
    assert.match(err('25:00 알림'), /시간이 올바르지 않습니다: 25:00/);
    assert.match(err('오전 13시 알림'), /오전 13시는 없는 시간/);
    assert.match(err('매주 10:00 알림'), /'매주' 뒤에 요일/);
    assert.match(err('매일 09:30'), /알림 내용을 적어/);
    assert.match(err('월간 회의 자료'), /언제 알릴지 알 수 없습니다/);
  });
  test('human summaries', () => {
    assert.equal(describeCron('30 9 * * 1-5'), '평일 오전 9:30');
    assert.equal(describeCron('0 12 * * *'), '매일 정오');
    assert.equal(describeCron('0 10 * * 0,6'), '주말 오전 10:00');
    assert.equal(describeCron('0 14 * * 3,1'), '매주 월·수 오후 2:00');
    assert.equal(describeCron('0 */2 * * *'), 'cron "0 */2 * * *"');
  });
  test('next occurrences in Asia/Seoul', () => {
    const spec = parseCron('30 9 * * 1-5');
    // Friday 2024-08-30 10:00 KST → Monday 2024-09-02 09:30 KST
    assert.equal(nextOccurrence(spec, seoul(2024, 8, 30, 10, 0), 'Asia/Seoul'), seoul(2024, 9, 2, 9, 30));
    assert.equal(nextOccurrence(spec, seoul(2024, 9, 2, 9, 29), 'Asia/Seoul'), seoul(2024, 9, 2, 9, 30));
    assert.equal(nextOccurrence(parseCron('0 0 30 2 *'), seoul(2024, 1, 1), 'Asia/Seoul'), null, 'Feb 30 never comes');
  });
});

describe('schedule commands in chat', () => {
  test('add, list, remove in Korean and English, with typos and wrong ids', async () => {
    const env = await botEnv();
    try {
      // A generous rate limit: this test is one user typing many commands.
      const { harness: h, schedule } = await createLocalBots({ config: env.config, db: env.db, now: env.clock.now, limiter: new RateLimiter(100, 30_000) });
      const me = { id: 'u_jisu', nick: '지수' };
      const add = await h.ask('@bot 일정 추가 평일 오전 9시 30분 스탠드업 미팅입니다', { user: me });
      assert.match(add!.text, /평일 오전 9:30마다 #general에 알림: 스탠드업 미팅입니다, id [a-z0-9]{4}/);
      assert.match(add!.text, /다음 알림: 9월 2일\(월\) 오전 9:30/);
      const id = (add!.meta.schedule as { id: string }).id;
      assert.equal(add!.meta.kind, 'schedule');
      assert.equal(add!.meta.action, 'created');

      const glued = await h.ask('@봇 일정추가 매주 월·수 14:00 주간 리뷰', { user: me, channel: 'dev' });
      assert.match(glued!.text, /매주 월·수 오후 2:00마다 #dev에 알림: 주간 리뷰/);
      const spaced = await h.ask('@bot 일정   추가   정오 점심', { user: me });
      assert.match(spaced!.text, /매일 정오마다/);
      const en = await h.ask('@bot schedule add "0 18 * * 5" 불금 회고', { user: me });
      assert.match(en!.text, /매주 금 오후 6:00마다 #general에 알림: 불금 회고/);
      const other = await h.ask('@bot 일정 추가 #ops 매일 07:00 배치 확인', { user: me });
      assert.match(other!.text, /#ops에 알림/);
      assert.ok(h.published.some((e) => e.channel === 'ops' && /지수님이 이 채널에 일정을 추가/.test(e.text)), 'creation announced in the target channel');

      const list = await h.ask('@bot 일정 목록');
      assert.match(list!.text, new RegExp(`${id} — 평일 오전 9:30 #general: 스탠드업 미팅입니다`));
      assert.match(list!.text, /kanban — 평일 오전 9:30 #general: 애자일 칸반 미팅 시간입니다 \(꺼짐/);
      const enList = await h.ask('@bot schedule list');
      assert.equal(enList!.text, list!.text);

      const badCron = await h.ask('@bot 일정 추가 "61 9 * * *" 안 되는 알림', { user: me });
      assert.match(badCron!.text, /일정을 추가하지 못했어요: cron 분\(minute\) 값 61/);
      const noText = await h.ask('@bot 일정 추가 매일 09:30', { user: me });
      assert.match(noText!.text, /알림 내용을 적어/);
      const noWhen = await h.ask('@bot 일정 추가 회의 잊지 마세요', { user: me });
      assert.match(noWhen!.text, /언제 알릴지 알 수 없습니다/);
      const badSub = await h.ask('@bot 일정 추기 매일 09:30 물', { user: me });
      assert.match(badSub!.text, /'추기'는 일정 명령이 아니에요/);
      const typo = await h.ask('@bot 일쩡 목록');
      assert.match(typo!.text, /혹시 '일정'/);

      const wrongId = await h.ask('@bot 일정 삭제 zzzz', { user: me });
      assert.match(wrongId!.text, /id 'zzzz'인 일정이 없어요/);
      const noId = await h.ask('@bot 일정 삭제', { user: me });
      assert.match(noId!.text, /삭제할 일정의 id를 적어/);
      const cfg = await h.ask('@bot 일정 삭제 kanban', { user: me });
      assert.match(cfg!.text, /설정 파일의 일정/);
      const notMine = await h.ask(`@bot 일정 삭제 ${id}`, { user: { id: 'u_other', nick: '민호' } });
      assert.match(notMine!.text, /지수님이 만들었어요/);
      const del = await h.ask(`@bot schedule remove ${id.toUpperCase()}`, { user: me });
      assert.match(del!.text, new RegExp(`일정을 삭제했어요 — 평일 오전 9:30 #general: 스탠드업 미팅입니다 \\(id ${id}\\)`));
      assert.ok(!schedule.schedules().some((s) => s.id === id));

      const rows = await env.db.all<{ result: string; n: number }>(`SELECT result, count(*) AS n FROM bot_commands WHERE command = 'schedule' GROUP BY result ORDER BY result`);
      assert.deepEqual(
        rows.map((r) => [r.result, r.n]),
        [
          ['error', 8],
          ['ok', 8],
        ],
      );
    } finally {
      await env.close();
    }
  });
});

describe('firing', () => {
  test('each occurrence fires once; survives a restart; deletion stops it', async () => {
    const env = await botEnv();
    try {
      const claimer = new LocalClaimer();
      const { harness: h, schedule } = await createLocalBots({ config: env.config, db: env.db, now: env.clock.now, claimer });
      const add = await h.ask('@bot 일정 추가 평일 09:30 스탠드업 시작!', { user: { id: 'u_a', nick: '가영' } });
      const id = (add!.meta.schedule as { id: string }).id;
      env.clock.set(seoul(2024, 9, 2, 9, 29)); // Monday
      assert.deepEqual(await schedule.tick(), []);
      env.clock.set(seoul(2024, 9, 2, 9, 30));
      const fired = await schedule.tick();
      assert.deepEqual(fired, [`sched:${id}:${seoul(2024, 9, 2, 9, 30)}`]);
      const reminder = h.published.find((e) => e.id === fired[0])!;
      assert.equal(reminder.text, '⏰ 가영님이 등록한 알림: 스탠드업 시작!', "a member's reminder names who set it up");
      assert.equal(reminder.channel, 'general');
      assert.equal(reminder.user.id, 'bot.schedule');
      assert.deepEqual(await schedule.tick(seoul(2024, 9, 2, 9, 31)), [], 'no second fire for the same occurrence');

      // A restarted process (new ScheduleBot on the same DuckDB file) still has the schedule.
      const again = new ScheduleBot({ config: env.config, db: env.db, claimer, publish: h.publish, now: () => seoul(2024, 9, 7, 9, 0) });
      await again.init();
      assert.ok(again.schedules().some((s) => s.id === id));
      assert.deepEqual(await again.tick(seoul(2024, 9, 7, 9, 30)), [], 'Saturday is not a weekday');
      const tue = await again.tick(seoul(2024, 9, 10, 9, 30));
      assert.deepEqual(tue, [`sched:${id}:${seoul(2024, 9, 10, 9, 30)}`], 'only the due occurrence: Monday 9/9 is older than the 10-minute catch-up window');
      assert.deepEqual(await again.tick(seoul(2024, 9, 11, 9, 35)), [`sched:${id}:${seoul(2024, 9, 11, 9, 30)}`], 'a short delay still fires');

      await h.ask(`@bot 일정 삭제 ${id}`, { user: { id: 'u_a', nick: '가영' } });
      env.clock.set(seoul(2024, 9, 12, 9, 0));
      await schedule.tick();
      assert.deepEqual(await schedule.tick(seoul(2024, 9, 12, 9, 30)), []);
    } finally {
      await env.close();
    }
  });

  test('the shipped kanban reminder is off until enabled in schedules.json', async () => {
    const { schedules } = loadConfigSchedules(null);
    const kanban = schedules.find((s) => s.id === 'kanban')!;
    assert.deepEqual(kanban, { id: 'kanban', cron: '30 9 * * 1,2,3,4,5', channel: 'general', text: '애자일 칸반 미팅 시간입니다', enabled: false, tz: null });

    const env = await botEnv({}, seoul(2024, 9, 6, 9, 0)); // Friday
    try {
      const off = await createLocalBots({ config: env.config, db: env.db, now: env.clock.now });
      assert.deepEqual(await off.schedule.tick(seoul(2024, 9, 6, 9, 30)), []);

      fs.writeFileSync(path.join(env.dataDir, 'schedules.json'), JSON.stringify({ schedules: [{ id: 'kanban', enabled: true }, { id: 'broken', when: '언젠가', channel: 'general', text: 'x' }] }));
      const on = await createLocalBots({ config: env.config, db: env.db, now: () => seoul(2024, 9, 9, 9, 0) });
      assert.ok(on.schedule.schedules().some((s) => s.id === 'kanban' && s.enabled));
      assert.ok(!on.schedule.schedules().some((s) => s.id === 'broken'), 'a bad entry is skipped, the rest load');
      assert.deepEqual(await on.schedule.tick(seoul(2024, 9, 9, 9, 30)), [`sched:kanban:${seoul(2024, 9, 9, 9, 30)}`]);
      const r = on.harness.published.at(-1)!;
      assert.equal(r.text, '⏰ 애자일 칸반 미팅 시간입니다');
      assert.equal(r.channel, 'general');
    } finally {
      await env.close();
    }
  });
});

test('a schedules table from before created_role gets it, and a crash right after start-up loses nothing', async () => {
  const env = await botEnv();
  // The table as it was made before: created_at DEFAULT now(), no created_role.
  await env.db.run(`CREATE TABLE schedules (id VARCHAR PRIMARY KEY, channel VARCHAR NOT NULL, cron VARCHAR NOT NULL, text VARCHAR NOT NULL, tz VARCHAR NOT NULL,
    source VARCHAR NOT NULL, enabled BOOLEAN NOT NULL, created_by VARCHAR, created_nick VARCHAR, created_at TIMESTAMPTZ NOT NULL DEFAULT now(), deleted_at TIMESTAMPTZ)`);
  await env.db.run(`INSERT INTO schedules (id, channel, cron, text, tz, source, enabled, created_by, created_nick) VALUES ('old2', 'general', '0 9 * * *', '출근', 'Asia/Seoul', 'chat', true, 'u_o', '옛날')`);
  await env.close();
  const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test', 'helpers', 'schedule-init.ts')], {
    cwd: repoRoot,
    env: { ...process.env, DATA_DIR: env.dataDir, KCHAT_SCHEDULES_FILE: '', NODE_ENV: 'test' },
    encoding: 'utf8',
  });
  assert.equal(child.signal, 'SIGKILL', child.stderr);
  const db = await Database.open(env.config.dbPath);
  try {
    const rows = await db.all<{ id: string; created_role: string | null }>(`SELECT id, created_role FROM schedules ORDER BY id`);
    assert.deepEqual(rows.map((r) => [r.id, r.created_role]), [['kanban', null], ['old2', null]]);
  } finally {
    await db.close();
  }
});

describe('limits on reminders made in chat', () => {
  const member = (n: number) => ({ id: `u_m${n}`, nick: `멤버${n}` });
  const added = (r: { meta: Record<string, unknown> } | null) => r?.meta.action === 'created';

  test('a member may not make a reminder that rings more often than every 30 minutes; auditors down to a minute', async () => {
    const env = await botEnv();
    try {
      const { harness: h } = await createLocalBots({ config: env.config, db: env.db, now: env.clock.now, limiter: new RateLimiter(100, 30_000) });
      const me = { id: 'u_phish', nick: '민수' };
      for (const when of ['"* * * * *"', '"*/15 * * * *"', '"*/10 * * * * *"', '"0,20 9 * * 1"', '"5,55 0,23 * * *"']) {
        const r = await h.ask(`@bot 일정 추가 ${when} https://phish.example/login 지금 로그인하세요`, { user: me });
        assert.equal(added(r), false, when);
        assert.match(r!.text, /일정을 추가하지 못했어요: 멤버가 만드는 알림은 30분에 한 번보다 자주 울릴 수 없어요/, when);
        assert.equal(r!.meta.result, 'denied');
      }
      const ok = await h.ask('@bot 일정 추가 "*/30 * * * *" 스트레칭 하세요', { user: me });
      assert.equal(added(ok), true, ok!.text);

      const auditor = { id: 'u_aud', nick: '감사팀' };
      const five = await h.ask('@bot 일정 추가 "*/5 * * * *" 배치 지연 확인', { user: auditor, role: 'auditor' });
      assert.equal(added(five), true, five!.text);
      const seconds = await h.ask('@bot 일정 추가 "*/10 * * * * *" 너무 잦은 알림', { user: auditor, role: 'admin' });
      assert.match(seconds!.text, /알림은 1분에 한 번보다 자주 울릴 수 없어요 \(이 일정은 10초마다/);
      const rows = await env.db.all<{ n: number }>(`SELECT count(*)::INT AS n FROM bot_commands WHERE user_id = 'u_phish' AND result = 'denied'`);
      assert.equal(rows[0].n, 5, 'each refusal is in the command log');
    } finally {
      await env.close();
    }
  });

  test('per person (a fresh login under the same nick gets no new allowance) and per channel', async () => {
    const env = await botEnv({ KCHAT_SCHEDULES_PER_USER: '2', KCHAT_SCHEDULES_PER_CHANNEL: '3' });
    try {
      const { harness: h } = await createLocalBots({ config: env.config, db: env.db, now: env.clock.now, limiter: new RateLimiter(100, 30_000) });
      const first = { id: 'u_login1', nick: '지수' };
      const a = await h.ask('@bot 일정 추가 매일 09:00 물 마시기', { user: first });
      const b = await h.ask('@bot 일정 추가 평일 18:00 퇴근 준비', { user: first });
      assert.ok(added(a) && added(b));
      const third = await h.ask('@bot 일정 추가 매일 12:00 점심', { user: first });
      assert.match(third!.text, /지수님이 만든 일정이 이미 2개예요 \(한 사람당 2개까지\)/);
      // Logging in again gives a new session id today; the nickname still counts.
      const again = await h.ask('@bot 일정 추가 매일 12:00 점심', { user: { id: 'u_login2', nick: '지수' } });
      assert.match(again!.text, /이미 2개예요/);
      const id = (a!.meta.schedule as { id: string }).id;
      const del = await h.ask(`@bot 일정 삭제 ${id}`, { user: { id: 'u_login2', nick: '지수' } });
      assert.match(del!.text, /일정을 삭제했어요/, 'the same person (nick) may delete their own reminder from a new login');
      assert.equal(added(await h.ask('@bot 일정 추가 매일 12:00 점심', { user: first })), true, 'a freed slot can be used again');

      // #general now holds 2 members' reminders; a third member fills it, a fourth is refused there but not in #dev.
      assert.equal(added(await h.ask('@bot 일정 추가 매일 15:00 간식', { user: member(1) })), true);
      const full = await h.ask('@bot 일정 추가 매일 16:00 회고', { user: member(2) });
      assert.match(full!.text, /#general에는 멤버가 만든 일정이 이미 3개 있어요 \(채널당 3개까지\)/);
      assert.equal(added(await h.ask('@bot 일정 추가 #dev 매일 16:00 회고', { user: member(2) })), true);
      assert.equal(added(await h.ask('@bot 일정 추가 매일 16:00 감사 점검', { user: { id: 'u_adm', nick: '관리' }, role: 'admin' })), true, 'an admin is not held to the channel cap');
    } finally {
      await env.close();
    }
  });

  test('a reminder reads as its author\'s words; one made before the limits that rings too often is held', async () => {
    const env = await botEnv();
    try {
      const claimer = new LocalClaimer();
      const { harness: h, schedule } = await createLocalBots({ config: env.config, db: env.db, now: env.clock.now, claimer });
      const add = await h.ask('@bot 일정 추가 평일 09:30 https://example.com/standup 스탠드업 링크', { user: { id: 'u_ms', nick: '민수' } });
      const id = (add!.meta.schedule as { id: string }).id;
      // Made by a member before limits existed: every minute, no role recorded.
      await env.db.run(`INSERT INTO schedules (id, channel, cron, text, tz, source, enabled, created_by, created_nick, created_at) VALUES ('old1', 'general', '* * * * *', '무료 쿠폰 https://phish.example', 'Asia/Seoul', 'chat', true, 'u_old', '옛날', now())`);
      await schedule.reload();
      const list = await h.ask('@bot 일정 목록');
      assert.match(list!.text, /old1 — cron "\* \* \* \* \*" #general: 무료 쿠폰 https:\/\/phish\.example \(멈춤: 멤버 알림으로는 너무 자주 울려요, 옛날님\)/);
      assert.match(list!.text, new RegExp(`${id} — 평일 오전 9:30 #general: https://example.com/standup 스탠드업 링크 \\(다음 .*, 민수님\\)`));

      env.clock.set(seoul(2024, 9, 2, 9, 29));
      await schedule.tick();
      const fired = await schedule.tick(seoul(2024, 9, 2, 9, 30));
      assert.deepEqual(fired, [`sched:${id}:${seoul(2024, 9, 2, 9, 30)}`], 'the held reminder does not fire');
      const reminder = h.published.find((e) => e.id === fired[0])!;
      assert.equal(reminder.text, '⏰ 민수님이 등록한 알림: https://example.com/standup 스탠드업 링크');
      assert.equal(reminder.meta.created_nick, '민수');
      assert.equal(reminder.meta.created_by, 'u_ms');
      assert.equal(reminder.meta.source, 'chat');
    } finally {
      await env.close();
    }
  });
});
