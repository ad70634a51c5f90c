// The bot runtime in-process: addressing, help per role, bots never answer
// bots, fair use (reply-paced people are never refused, floods are told when
// to retry), answers for one person only, command log, typos and unknown commands.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLocalBots, type BotCommand } from '../bots/index.ts';
import { addressed, botAliases } from '../bots/runtime/address.ts';
import { rateLimitText } from '../bots/runtime/dispatcher.ts';
import { question, type InProcessHarness } from '../bots/runtime/harness.ts';
import { RateLimiter, durationText } from '../bots/runtime/ratelimit.ts';
import { botEnv, type BotEnv } from './helpers/bots.ts';

const auditOnly: BotCommand = {
  name: 'search',
  aliases: ['검색'],
  role: 'auditor',
  help: ['`@bot 검색 <검색어>` — 대화 검색 (감사자)'],
  handle: async (ctx) => `검색어: ${ctx.args}`,
};
const broken: BotCommand = {
  name: 'broken',
  aliases: ['고장'],
  help: ['`@bot 고장` — 항상 실패'],
  handle: async () => {
    throw new Error('secret stack detail');
  },
};

describe('addressing', () => {
  const aliases = botAliases('영화봇, @kbot');
  test('@bot and @봇 at the start, any case, with or without a separator', () => {
    for (const [text, rest] of [
      ['@bot 도움말', '도움말'],
      ['@BOT help', 'help'],
      ['@Bot: 파묘 감독은?', '파묘 감독은?'],
      ['@봇, 일정 목록', '일정 목록'],
      ['@봇도움말', '도움말'],
      ['   @봇   일정  추가 매일 09:30 물 마시기', '일정  추가 매일 09:30 물 마시기'],
      ['@영화봇 기생충 누가 만들었어?', '기생충 누가 만들었어?'],
      ['@kbot:help', 'help'],
      ['@bot', ''],
    ] as const) {
      assert.equal(addressed(text, aliases)?.rest, rest, text);
    }
  });
  test('not addressed: elsewhere in the message, or a longer word', () => {
    for (const text of ['안녕 @bot help', '@botany is fun', '@bots help', 'bot help', '봇 도움말', '']) assert.equal(addressed(text, aliases), null, text);
  });
});

describe('dispatcher', () => {
  let env: BotEnv;
  let h: InProcessHarness;
  before(async () => {
    env = await botEnv();
    ({ harness: h } = await createLocalBots({ config: env.config, db: env.db, now: env.clock.now, commands: [auditOnly, broken], limiter: new RateLimiter(1000, 30_000) }));
  });
  after(() => env.close());

  test('help lists only what the caller may run', async () => {
    const member = await h.ask('@봇 도움말', { user: { id: 'u_m1', nick: '지수' } });
    assert.ok(member);
    assert.equal(member.type, 'bot');
    assert.match(member.text, /일정 추가/);
    assert.match(member.text, /작업/);
    assert.doesNotMatch(member.text, /검색/);
    assert.equal(member.meta.visible_to, undefined, "a member's help is an ordinary reply");
    const auditor = await h.ask('@bot help', { user: { id: 'u_a1', nick: '감사' }, role: 'auditor' });
    assert.match(auditor!.text, /검색/);
    assert.deepEqual(auditor!.meta.visible_to, ['u_a1'], "an auditor's help lists auditor commands: for the auditor only");
    const bare = await h.ask('@bot', { user: { id: 'u_m1', nick: '지수' } });
    assert.match(bare!.text, /일정 추가/, 'a bare @bot answers with help');
  });

  test('replies carry reply_to, the channel and a bot user', async () => {
    const q = question('@bot 일정 목록', { channel: 'dev' });
    const r = await h.send(q);
    assert.equal(r!.reply_to, q.id);
    assert.equal(r!.channel, 'dev');
    assert.match(r!.user.id, /^bot/);
  });

  test('members cannot run auditor commands; the refusal is logged as denied', async () => {
    const r = await h.ask('@bot 검색 회의록', { user: { id: 'u_m2', nick: '민호' } });
    assert.match(r!.text, /auditor 권한이 필요/);
    assert.deepEqual(r!.meta.visible_to, ['u_m2'], 'the refusal is for the asker only');
    const ok = await h.ask('@bot 검색 회의록', { user: { id: 'u_a2', nick: '감사2' }, role: 'auditor' });
    assert.equal(ok!.text, '검색어: 회의록');
    const rows = await env.db.all<{ user_id: string; result: string; command: string }>(`SELECT user_id, result, command FROM bot_commands WHERE command = 'search' ORDER BY ts`);
    assert.deepEqual(
      rows.map((x) => [x.user_id, x.result]),
      [
        ['u_m2', 'denied'],
        ['u_a2', 'ok'],
      ],
    );
  });

  test('bots never answer bots, system messages or themselves', async () => {
    for (const q of [
      question('@bot 도움말', { type: 'bot', user: { id: 'bot.movie', nick: '영화봇' } }),
      question('@bot 도움말', { type: 'system', user: { id: 'system', nick: 'system' } }),
      question('@bot 도움말', { user: { id: 'bot', nick: 'kchat봇' } }),
      question('@봇 도움말', { user: { id: 'system.ingest', nick: 'ingest' } }),
      question('@bot 도움말', { type: 'join' }),
    ]) {
      assert.equal(await h.send(q), null, `${q.type} from ${q.user.id}`);
    }
  });

  test('typos in command words get a clear suggestion; unknown text a helpful answer', async () => {
    const typo = await h.ask('@bot 일쩡 추가 매일 09:30 물 마시기');
    assert.match(typo!.text, /'일쩡'은 모르는 명령이에요\. 혹시 '일정'을 말씀하신/);
    const en = await h.ask('@bot shedule list');
    assert.match(en!.text, /혹시 'schedule'/);
    const unknown = await h.ask('@bot 오늘 점심 뭐 먹지');
    assert.match(unknown!.text, /모르겠어요.*도움말/);
    const rows = await env.db.all<{ result: string }>(`SELECT result FROM bot_commands WHERE args LIKE '%점심%'`);
    assert.equal(rows[0].result, 'error');
  });

  test('a failing command answers politely without leaking the exception', async () => {
    const r = await h.ask('@bot 고장');
    assert.match(r!.text, /처리하지 못했어요/);
    assert.doesNotMatch(r!.text, /secret/);
    const row = await env.db.one<{ result: string }>(`SELECT result FROM bot_commands WHERE command = 'broken'`);
    assert.equal(row!.result, 'error');
  });

  test('every handled command is logged with who, what, result and reply id', async () => {
    const q = question('@봇 일정 목록', { user: { id: 'u_log', nick: '로그' }, channel: 'team' });
    const r = await h.send(q);
    const row = await env.db.one<Record<string, unknown>>(`SELECT * FROM bot_commands WHERE question_id = ?`, [q.id]);
    assert.ok(row);
    assert.equal(row.channel, 'team');
    assert.equal(row.user_id, 'u_log');
    assert.equal(row.nick, '로그');
    assert.equal(row.bot, '일정봇');
    assert.equal(row.command, 'schedule');
    assert.equal(row.args, '목록');
    assert.equal(row.result, 'ok');
    assert.equal(row.reply_id, r!.id);
    assert.equal(typeof row.duration_ms, 'number');
  });
});

describe('fair use', () => {
  test('a person asking one question after another is never refused, however many', async () => {
    const env = await botEnv();
    try {
      // The default allowance (5 per 30 s) and a clock that never moves: only pacing can keep this person served.
      const { harness: h } = await createLocalBots({ config: env.config, db: env.db, now: env.clock.now });
      const user = { id: 'u_paced', nick: '차근' };
      const questions = ['@bot 도움말', '@bot 일정 목록', '@봇 작업', '@bot 일정 목록', '@봇 도움말', '@bot jobs', '@bot 일정 목록', '@봇 일정 목록', '@bot help', '@bot 작업'];
      for (const [i, q] of questions.entries()) {
        const r = await h.ask(q, { user });
        assert.ok(r, `question ${i + 1} answered`);
        assert.notEqual(r.meta.result, 'rate_limited', `question ${i + 1} (${q}) refused: ${r.text}`);
      }
    } finally {
      await env.close();
    }
  });

  test('a flood gets each refusal answered with the wait, for the flooder only; others stay served', async () => {
    const env = await botEnv();
    try {
      const { harness: h } = await createLocalBots({ config: env.config, db: env.db, now: env.clock.now, limiter: new RateLimiter(5, 30_000) });
      const user = { id: 'u_flood', nick: '도배' };
      const flood = Array.from({ length: 12 }, (_, i) => question(`@bot 일정 목록 ${i}`, { user }));
      const replies = await h.flood(flood);
      const refused = replies.filter((r) => r?.meta.result === 'rate_limited');
      // The first question had nothing unanswered before it; five more come from the allowance.
      assert.deepEqual(
        replies.map((r) => r?.meta.result === 'rate_limited'),
        [false, false, false, false, false, false, true, true, true, true, true, true],
      );
      for (const [i, r] of refused.entries()) {
        assert.equal(r!.reply_to, flood[6 + i].id, 'each refusal answers its own question');
        assert.deepEqual(r!.meta.visible_to, ['u_flood'], 'refusals are for the flooder only');
        assert.equal(r!.meta.retry_after_ms, 6000, 'one question back every 30 s / 5');
        assert.equal(r!.text, rateLimitText(6000));
        assert.match(r!.text, /6초 후에 다시 물어봐 주세요/);
      }

      const other = await h.flood([question('@bot 일정 목록', { user: { id: 'u_calm', nick: '차분' } })]);
      assert.notEqual(other[0]!.meta.result, 'rate_limited', 'another person is served right behind the flood');

      // Having read the refusals, the flooder may ask again (paced); a burst draws on what refilled.
      env.clock.advance(6000);
      const again = await h.flood([question('@bot 도움말', { user }), question('@bot 도움말', { user }), question('@bot 도움말', { user })]);
      assert.deepEqual(
        again.map((r) => r!.meta.result === 'rate_limited'),
        [false, false, true],
        'paced, then the one question that refilled in 6 s, then refused',
      );
      const rows = await env.db.all<{ n: number }>(`SELECT count(*)::INT AS n FROM bot_commands WHERE user_id = 'u_flood' AND result = 'rate_limited'`);
      assert.equal(rows[0].n, 7);
    } finally {
      await env.close();
    }
  });

  test('durations are said as people read them; pacing is read from the log', () => {
    assert.equal(durationText(6000), '6초');
    assert.equal(durationText(1), '1초');
    assert.equal(durationText(720_000), '12분');
    assert.equal(durationText(90_500), '1분 31초');
    const l = new RateLimiter(2, 10_000);
    assert.deepEqual(l.check('u', { ts: 1, at: { partition: 0, offset: 1 } }, 0), { allowed: true, paced: true });
    l.answered('u', { ts: 5, at: { partition: 0, offset: 9 } }, 0);
    assert.deepEqual(l.check('u', { ts: 2, at: { partition: 0, offset: 2 } }, 0), { allowed: true, paced: false }, 'sent before the answer');
    assert.deepEqual(l.check('u', { ts: 9, at: { partition: 0, offset: 10 } }, 0), { allowed: true, paced: true }, 'sent after the answer');
    assert.deepEqual(l.check('u', { ts: 6, at: { partition: 3, offset: 1 } }, 0), { allowed: true, paced: true }, 'another partition: by time');
    assert.deepEqual(l.check('u', { ts: 4, at: { partition: 3, offset: 2 } }, 0), { allowed: true, paced: false });
    assert.deepEqual(l.check('u', { ts: 4, at: { partition: 3, offset: 3 } }, 0), { allowed: false, retryAfterMs: 5000 });
  });
});
