// The schedule bot: reminders from config files and from chat
// (`@bot 일정 추가|목록|삭제`, `schedule add|list|remove`).
//
// Every process keeps its own `schedules` table (DuckDB files are per
// process). Changes made in chat travel as the bot's reply on the topic
// (meta.kind = 'schedule'), and every process applies them through its
// private sync consumer, so ids are the same everywhere. Firing goes through
// the Kafka claim log: each process claims `sched:<id>:<occurrence>` and only
// the first claim on the one-partition claims topic fires. Who may make
// which reminder, and how a member's reminder names its author: limits.ts.
import crypto from 'node:crypto';
import { hasRole } from '../../core/auth.ts';
import type { Config } from '../../core/config.ts';
import { createTableSql, defineTable, type Database } from '../../core/db.ts';
import { channelName, createEnvelope, type Envelope } from '../../core/envelope.ts';
import { isSyllable } from '../../core/korean/hangul.ts';
import { pickJosa } from '../../core/korean/josa.ts';
import { logger } from '../../core/log.ts';
import type { Claimer } from '../runtime/claims.ts';
import type { BotCommand, BotIdentity, CommandContext, CommandReply } from '../runtime/types.ts';
import { loadConfigSchedules } from './config.ts';
import { attribution, mayFire, ownedBy, refusal, type ScheduleLimits } from './limits.ts';
import { nextOccurrence, parseCron } from '../../core/cron.ts';
import { describeCron, formatLocal, parseWhen } from './when.ts';

const log = logger('bots.schedule');

export const SCHEDULE_BOT: BotIdentity = { id: 'bot.schedule', nick: '일정봇' };

const NN = 'VARCHAR NOT NULL';
export const SCHEDULES = defineTable(
  'schedules',
  {
    id: NN, channel: NN, cron: NN, text: NN, tz: NN, source: NN, enabled: 'BOOLEAN NOT NULL',
    created_by: 'VARCHAR', created_nick: 'VARCHAR', created_at: 'TIMESTAMPTZ NOT NULL', deleted_at: 'TIMESTAMPTZ', created_role: 'VARCHAR',
  },
  ['PRIMARY KEY (id)'],
);

export const SCHEDULES_SCHEMA = [createTableSql(SCHEDULES)];

/**
 * Tables made before `created_role` existed get it here (the creator's role
 * decides the interval a reminder may have; rows without it count as a
 * member's). Checkpointed at once: DuckDB cannot replay from its WAL an ALTER
 * of a table that has a DEFAULT now() (as those older tables do), and a crash
 * before the next checkpoint would keep the server from starting again.
 */
async function addCreatedRole(db: Database): Promise<void> {
  const has = await db.one(`SELECT 1 AS x FROM information_schema.columns WHERE table_name = 'schedules' AND column_name = 'created_role'`);
  if (!has) await db.ensureSchema(['ALTER TABLE schedules ADD COLUMN created_role VARCHAR', 'FORCE CHECKPOINT']);
}

export interface Schedule {
  id: string;
  channel: string;
  cron: string;
  text: string;
  tz: string;
  source: 'chat' | 'config';
  enabled: boolean;
  created_by: string | null;
  created_nick: string | null;
  created_role: string | null;
}

const ADD = ['추가', '등록', '만들기', '생성', 'add', 'new', 'create'];
const LIST = ['목록', '리스트', '보기', '조회', 'list', 'ls', 'show'];
const REMOVE = ['삭제', '취소', '제거', '지우기', 'remove', 'delete', 'rm', 'del'];
/** Late reminders are still sent within this window (e.g. after a short restart); older ones are skipped. */
const CATCH_UP_MS = 10 * 60_000;
const ID_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';

/** A short id derived from the question's id, so a replayed question gets the same id in every process. */
export function scheduleId(questionId: string): string {
  const h = crypto.createHash('sha256').update(questionId).digest();
  let id = '';
  for (let i = 0; i < 4; i++) id += ID_ALPHABET[h[i] % ID_ALPHABET.length];
  return id;
}

export interface ScheduleBotOptions {
  config: Config;
  db: Database;
  claimer: Claimer;
  publish: (e: Envelope) => Promise<void>;
  now?: () => number;
  schedulesFile?: string | null;
  /** default: config.bots.scheduleLimits */
  limits?: ScheduleLimits;
}

export class ScheduleBot {
  private readonly now: () => number;
  private active: Schedule[] = [];
  private lastTick: number;
  private timer: NodeJS.Timeout | null = null;
  private changeListeners: (() => void)[] = [];
  private ticking: Promise<string[]> = Promise.resolve([]);
  private readonly limits: ScheduleLimits;

  constructor(private readonly opts: ScheduleBotOptions) {
    this.now = opts.now ?? Date.now;
    this.limits = opts.limits ?? opts.config.bots.scheduleLimits;
    this.lastTick = this.now();
  }

  async init(): Promise<void> {
    await this.opts.db.ensureSchema(SCHEDULES_SCHEMA);
    await addCreatedRole(this.opts.db);
    const { schedules, problems } = loadConfigSchedules(this.opts.schedulesFile ?? null);
    for (const p of problems) log.error({ problem: p }, 'schedule config problem (entry skipped)');
    await this.opts.db.transaction(async (tx) => {
      const ids = schedules.map((s) => s.id);
      await tx.run(`DELETE FROM schedules WHERE source = 'config'${ids.length ? ` AND id NOT IN (${ids.map(() => '?').join(',')})` : ''}`, ids);
      for (const s of schedules) {
        await tx.run(
          `INSERT OR REPLACE INTO schedules (id, channel, cron, text, tz, source, enabled, created_by, created_nick, created_at)
           VALUES (?, ?, ?, ?, ?, 'config', ?, 'config', 'config', now())`,
          [s.id, s.channel, s.cron, s.text, s.tz ?? this.opts.config.tzReports, s.enabled],
        );
      }
    });
    await this.reload();
  }

  async reload(): Promise<void> {
    this.active = await this.opts.db.all<Schedule>(
      'SELECT id, channel, cron, text, tz, source, enabled, created_by, created_nick, created_role FROM schedules WHERE deleted_at IS NULL ORDER BY created_at, id',
    );
    for (const l of this.changeListeners) l();
    if (this.timer) this.arm(); // a new schedule may be due before the current wake-up
  }

  schedules(): readonly Schedule[] {
    return this.active;
  }

  /** Resolves once a schedule with this id is present (or, with `gone`, deleted). For tests and tools. */
  waitFor(id: string, gone = false): Promise<void> {
    const ok = () => this.active.some((s) => s.id === id) !== gone;
    if (ok()) return Promise.resolve();
    return new Promise((resolve) => {
      const l = () => {
        if (ok()) {
          this.changeListeners = this.changeListeners.filter((x) => x !== l);
          resolve();
        }
      };
      this.changeListeners.push(l);
    });
  }

  // ---- chat ----

  command(): BotCommand {
    return {
      name: 'schedule',
      aliases: ['일정', '스케줄', '스케쥴', '알림', 'schedules', 'reminder'],
      bot: SCHEDULE_BOT,
      subcommands: [...ADD, ...LIST, ...REMOVE],
      help: [
        '`@bot 일정 추가 <언제> <내용>` — 예: `@bot 일정 추가 평일 09:30 스탠드업`, `매주 월·수 오후 2시`, `"30 9 * * 1-5"`',
        '`@bot 일정 목록` / `@bot 일정 삭제 <id>` (English: `schedule add|list|remove`)',
      ],
      handle: (ctx) => this.handle(ctx),
    };
  }

  private async handle(ctx: CommandContext): Promise<CommandReply> {
    const args = ctx.args.trim();
    const lower = args.toLowerCase();
    const sub = (words: string[]) => words.find((w) => lower === w || lower.startsWith(w + ' ') || (isSyllable(w.at(-1) ?? '') && lower.startsWith(w)));
    if (!args || sub(LIST)) return this.list(ctx);
    const add = sub(ADD);
    if (add) return this.add(ctx, args.slice(add.length).trim());
    const remove = sub(REMOVE);
    if (remove) return this.remove(ctx, args.slice(remove.length).trim());
    return {
      text: `'${args.split(/\s+/)[0]}'${pickJosa(args.split(/\s+/)[0], '은/는')} 일정 명령이 아니에요. 쓸 수 있는 것: \`일정 추가 <언제> <내용>\`, \`일정 목록\`, \`일정 삭제 <id>\`.`,
      result: 'error',
    };
  }

  private async add(ctx: CommandContext, input: string): Promise<CommandReply> {
    let rest = input;
    let channel = ctx.channel;
    const target = /^#(\S+)\s*/.exec(rest);
    if (target) {
      const c = channelName(target[1]);
      if (!c) return { text: `채널 이름이 올바르지 않아요: '${target[1]}'`, result: 'error' };
      channel = c;
      rest = rest.slice(target[0].length);
    }
    if (!rest) return { text: '언제, 무엇을 알릴지 적어 주세요. 예: `@bot 일정 추가 평일 09:30 스탠드업 시간입니다`', result: 'error' };
    const when = parseWhen(rest);
    if (!when.ok) return { text: `일정을 추가하지 못했어요: ${when.error}`, result: 'error' };
    const tz = ctx.config.tzReports;
    const next = nextOccurrence(parseCron(when.cron), ctx.now(), tz);
    if (next === null) return { text: `일정을 추가하지 못했어요: cron "${when.cron}"${pickJosa(when.cron, '은/는')} 실제로 오는 날이 없어요.`, result: 'error' };
    const refused = refusal(ctx.caller, when.cron, channel, this.active, this.limits);
    if (refused) return { text: `일정을 추가하지 못했어요: ${refused}`, result: 'denied' };
    const schedule: Schedule = {
      id: scheduleId(ctx.question.id),
      channel,
      cron: when.cron,
      text: when.text,
      tz,
      source: 'chat',
      enabled: true,
      created_by: ctx.caller.id,
      created_nick: ctx.caller.nick,
      created_role: ctx.caller.role,
    };
    await this.apply({ action: 'created', schedule });
    const summary = `${describeCron(schedule.cron)}마다 #${channel}에 알림: ${schedule.text}`;
    const text = `일정을 추가했어요 — ${summary}, id ${schedule.id}\n다음 알림: ${formatLocal(next, tz)}`;
    const meta = { kind: 'schedule', action: 'created', schedule, next_fire: next };
    if (channel !== ctx.channel) await this.announce(channel, `${ctx.caller.nick}님이 이 채널에 일정을 추가했어요 — ${summary} (id ${schedule.id})`, meta);
    return { text, meta };
  }

  private async remove(ctx: CommandContext, input: string): Promise<CommandReply> {
    const id = input.replace(/^id\s*/i, '').replace(/^#/, '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
    if (!id) return { text: '삭제할 일정의 id를 적어 주세요. 예: `@bot 일정 삭제 k3f9` (`@bot 일정 목록`에서 확인)', result: 'error' };
    const s = this.active.find((x) => x.id.toLowerCase() === id);
    if (!s) return { text: `id '${id}'인 일정이 없어요. \`@bot 일정 목록\`으로 id를 확인해 주세요.`, result: 'error' };
    if (s.source === 'config') {
      return { text: `'${s.id}'${pickJosa(s.id, '은/는')} 설정 파일의 일정이라 채팅에서 지울 수 없어요. schedules.json에서 "enabled": false로 꺼 주세요.`, result: 'error' };
    }
    if (!ownedBy(s, ctx.caller) && !hasRole(ctx.caller.role, 'auditor')) {
      return { text: `'${s.id}' 일정은 ${s.created_nick ?? '다른 사람'}님이 만들었어요. 만든 사람이나 관리자만 지울 수 있어요.`, result: 'error' };
    }
    await this.apply({ action: 'deleted', id: s.id });
    const text = `일정을 삭제했어요 — ${describeCron(s.cron)} #${s.channel}: ${s.text} (id ${s.id})`;
    const meta = { kind: 'schedule', action: 'deleted', id: s.id };
    if (s.channel !== ctx.channel) await this.announce(s.channel, `${ctx.caller.nick}님이 이 채널의 일정을 삭제했어요 — ${s.text} (id ${s.id})`, meta);
    return { text, meta };
  }

  private list(ctx: CommandContext): CommandReply {
    if (this.active.length === 0) return { text: '등록된 일정이 없어요. `@bot 일정 추가 평일 09:30 스탠드업`처럼 추가해 보세요.' };
    const now = ctx.now();
    const lines = this.active.map((s) => {
      const next = s.enabled ? nextOccurrence(parseCron(s.cron), now, s.tz) : null;
      const held = s.enabled && !mayFire(s, this.limits);
      const state = held ? '멈춤: 멤버 알림으로는 너무 자주 울려요' : s.enabled ? (next ? `다음 ${formatLocal(next, s.tz)}` : '오지 않음') : '꺼짐 (설정에서 켜기)';
      const by = s.source === 'config' ? ', 설정 파일' : `, ${s.created_nick ?? '?'}님`;
      return `• ${s.id} — ${describeCron(s.cron)} #${s.channel}: ${s.text} (${state}${by})`;
    });
    return { text: `일정 ${this.active.length}개:\n${lines.join('\n')}`, meta: { kind: 'schedule-list', count: this.active.length } };
  }

  private async announce(channel: string, text: string, meta: Record<string, unknown>): Promise<void> {
    await this.opts.publish(createEnvelope({ type: 'bot', channel, user: SCHEDULE_BOT, text, meta: { ...meta, announce: true } }));
  }

  // ---- changes (own commands and, via the sync consumer, other processes') ----

  private async apply(change: { action: 'created'; schedule: Schedule } | { action: 'deleted'; id: string }): Promise<void> {
    if (change.action === 'created') {
      const s = change.schedule;
      // Insert-if-absent: replays and the sync echo of our own reply change nothing, and a deleted id stays deleted.
      await this.opts.db.run(
        `INSERT INTO schedules (id, channel, cron, text, tz, source, enabled, created_by, created_nick, created_role, created_at)
         VALUES (?, ?, ?, ?, ?, 'chat', true, ?, ?, ?, now()) ON CONFLICT (id) DO NOTHING`,
        [s.id, s.channel, s.cron, s.text, s.tz, s.created_by, s.created_nick, s.created_role],
      );
    } else {
      await this.opts.db.run(`UPDATE schedules SET deleted_at = now() WHERE id = ? AND source = 'chat' AND deleted_at IS NULL`, [change.id]);
    }
    await this.reload();
  }

  /** Sync observer: apply schedule changes announced by any process's schedule bot. */
  readonly observe = async (e: Envelope): Promise<void> => {
    if (e.type !== 'bot' || e.user.id !== SCHEDULE_BOT.id || e.meta.kind !== 'schedule' || e.meta.announce) return;
    if (e.meta.action === 'created') {
      const s = e.meta.schedule as Partial<Schedule> | undefined;
      if (!s || typeof s.id !== 'string' || typeof s.cron !== 'string' || typeof s.channel !== 'string' || typeof s.text !== 'string') return;
      try {
        parseCron(s.cron);
      } catch {
        return;
      }
      await this.apply({
        action: 'created',
        schedule: {
          id: s.id,
          channel: s.channel,
          cron: s.cron,
          text: s.text,
          tz: typeof s.tz === 'string' ? s.tz : this.opts.config.tzReports,
          source: 'chat',
          enabled: true,
          created_by: s.created_by ?? null,
          created_nick: s.created_nick ?? null,
          created_role: typeof s.created_role === 'string' ? s.created_role : null,
        },
      });
    } else if (e.meta.action === 'deleted' && typeof e.meta.id === 'string') {
      await this.apply({ action: 'deleted', id: e.meta.id });
    }
  };

  // ---- firing ----

  /**
   * Fire every occurrence in (last tick, now]. Returns the keys this process
   * fired (it lost the claim for the others). Ticks never overlap.
   */
  tick(now = this.now()): Promise<string[]> {
    this.ticking = this.ticking.then(() => this.fireDue(now));
    return this.ticking;
  }

  private async fireDue(now: number): Promise<string[]> {
    const from = Math.max(this.lastTick, now - CATCH_UP_MS);
    if (now <= this.lastTick) return [];
    this.lastTick = now;
    const fired: string[] = [];
    for (const s of this.active) {
      if (!s.enabled) continue;
      let spec;
      try {
        spec = parseCron(s.cron);
      } catch {
        continue;
      }
      if (!mayFire(s, this.limits)) continue;
      const by = attribution(s);
      for (let occ = nextOccurrence(spec, from, s.tz); occ !== null && occ <= now; occ = nextOccurrence(spec, occ, s.tz)) {
        const key = `sched:${s.id}:${occ}`;
        try {
          if (!(await this.opts.claimer.claim(key))) continue;
          await this.opts.publish(
            createEnvelope({
              id: key,
              type: 'bot',
              channel: s.channel,
              user: SCHEDULE_BOT,
              // A member's words stay theirs: the reminder names who set it up.
              text: by ? `⏰ ${by}: ${s.text}` : `⏰ ${s.text}`,
              // Stamped with the real time: the broker refuses timestamps far from its clock (the injected clock may be anywhere).
              ts: Date.now(),
              meta: { kind: 'reminder', schedule_id: s.id, occurrence: occ, source: s.source, ...(by ? { created_by: s.created_by, created_nick: s.created_nick } : {}) },
            }),
          );
          fired.push(key);
        } catch (err) {
          log.error({ err, key }, 'could not fire reminder');
        }
      }
    }
    return fired;
  }

  /** Real time: wake at the next occurrence (at most every 30 s, so new schedules are picked up). */
  start(): void {
    this.lastTick = this.now();
    this.arm();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    const now = this.now();
    let soonest = now + 30_000;
    for (const s of this.active) {
      if (!s.enabled || !mayFire(s, this.limits)) continue;
      const n = nextOccurrence(parseCron(s.cron), now, s.tz);
      if (n !== null && n < soonest) soonest = n;
    }
    this.timer = setTimeout(() => {
      void this.tick().finally(() => {
        if (this.timer) this.arm();
      });
    }, Math.max(0, soonest - now) + 5);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
