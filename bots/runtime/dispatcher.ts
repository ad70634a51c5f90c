// The dispatcher: one chat event in, at most one reply out. It decides
// whether the bot was addressed, who is asking (role), applies the fair-use
// limit (ratelimit.ts), runs the command or a free-text answerer, and logs
// the outcome. Answers meant for one person (refusals, auditors' results,
// help that lists privileged commands) are ephemeral: `meta.visible_to`
// names the one user the gateways deliver them to.
import { createEnvelope, type Envelope } from '../../core/envelope.ts';
import { hasRole, isRole, type Role } from '../../core/auth.ts';
import type { Config } from '../../core/config.ts';
import type { Database } from '../../core/db.ts';
import { pickJosa } from '../../core/korean/josa.ts';
import { logger } from '../../core/log.ts';
import { addressed } from './address.ts';
import { nearMiss } from './fuzzy.ts';
import { logCommand, type CommandResult } from './log.ts';
import { RateLimiter, durationText, type LogPosition } from './ratelimit.ts';
import type { CommandRegistry } from './registry.ts';
import { RUNTIME_BOT, type BotIdentity, type Caller, type CommandContext, type CommandReply } from './types.ts';

const log = logger('bots.runtime');

/** The refusal of a question sent while too many earlier ones were unanswered; it names the wait. */
export function rateLimitText(retryAfterMs: number): string {
  const wait = durationText(retryAfterMs);
  return `질문이 너무 빨리 이어져서 이 질문은 건너뛰었어요. 앞의 답을 받은 뒤에 물어보시거나 ${wait} 후에 다시 물어봐 주세요. (Too many questions at once — ask again after an answer, or in ${wait}.)`;
}

/** `meta` of an answer only `userId` sees (gateways deliver it to that user's sockets only). */
export function visibleTo(userId: string): { visible_to: string[] } {
  return { visible_to: [userId] };
}

/** Bots never answer bots, system messages or themselves. */
export function fromBotOrSystem(e: Envelope): boolean {
  if (e.type === 'bot' || e.type === 'system') return true;
  const id = e.user.id.toLowerCase();
  return id.startsWith('bot') || id.startsWith('system');
}

export interface DispatcherOptions {
  config: Config;
  db: Database;
  registry: CommandRegistry;
  aliases: readonly string[];
  /** where replies and announcements go (Kafka in production, an array in the harness); resolves with where it landed */
  publish: (e: Envelope) => Promise<LogPosition | void>;
  now?: () => number;
  limiter?: RateLimiter;
}

export class Dispatcher {
  readonly now: () => number;
  private readonly limiter: RateLimiter;
  private readonly roleCache = new Map<string, Role>();
  private handled = 0;

  constructor(private readonly opts: DispatcherOptions) {
    this.now = opts.now ?? Date.now;
    this.limiter = opts.limiter ?? new RateLimiter();
  }

  /**
   * Handle one event; resolves with the reply once it is published (null when
   * the bot stays silent). `at` is where the event sits on the topic.
   */
  async handle(e: Envelope, at?: LogPosition): Promise<Envelope | null> {
    if (e.type !== 'message' || fromBotOrSystem(e)) return null;
    const a = addressed(e.text, this.opts.aliases);
    if (!a) return null;
    const started = performance.now();
    const caller: Caller = { id: e.user.id, nick: e.user.nick, role: await this.roleOf(e) };
    const match = this.opts.registry.match(a.rest);
    const commandName = a.rest === '' ? 'help' : (match?.cmd.name ?? 'ask');
    const args = match ? match.args : a.rest;

    const now = this.now();
    if (++this.handled % 1000 === 0) this.limiter.sweep(now);
    const rate = this.limiter.check(caller.id, { ts: e.ts, at }, now);
    if (!rate.allowed) {
      // Every refusal is answered, to the asker only, with the wait.
      const reply = this.reply(e, RUNTIME_BOT, rateLimitText(rate.retryAfterMs), { command: commandName, result: 'rate_limited', retry_after_ms: rate.retryAfterMs, ...visibleTo(caller.id) });
      await this.send(caller, reply);
      await this.record(e, caller, RUNTIME_BOT, commandName, args, 'rate_limited', reply, started);
      return reply;
    }

    let bot: BotIdentity = match?.cmd.bot ?? RUNTIME_BOT;
    let out: CommandReply;
    let result: CommandResult;
    let command = commandName;
    try {
      const ctx = this.context(e, caller, match?.word ?? '', args);
      if (a.rest === '' || (!match && /^(help|도움말|도움|명령어|\?)$/i.test(a.rest))) {
        command = 'help';
        // Auditors' and admins' help lists their commands: for their eyes only.
        out = { text: this.helpText(caller.role), ephemeral: caller.role !== 'member' };
      } else if (match) {
        const needed = match.cmd.role ?? 'member';
        if (!hasRole(caller.role, needed)) {
          out = { text: `'${match.word}' 명령은 ${needed} 권한이 필요합니다. \`@bot 도움말\`에서 쓸 수 있는 명령을 확인하세요.`, result: 'error', ephemeral: true };
          result = 'denied';
        } else {
          const r = await match.cmd.handle(ctx);
          out = typeof r === 'string' ? { text: r } : r;
        }
      } else {
        out = (await this.freeText(ctx, a.rest, caller)) ?? this.unknown(a.rest, caller);
        if (out.bot) bot = out.bot;
        command = (out.meta?.command as string | undefined) ?? command;
      }
      if (out.bot) bot = out.bot;
      result ??= out.result ?? 'ok';
    } catch (err) {
      log.error({ err, command, question: e.id }, 'bot command failed');
      out = { text: '요청을 처리하지 못했어요. 잠시 후 다시 시도해 주세요.', result: 'error', ephemeral: true };
      result = 'error';
    }
    const reply = this.reply(e, bot, out.text, { command, result, ...(out.meta ?? {}), ...(out.ephemeral ? visibleTo(caller.id) : {}) });
    await this.send(caller, reply);
    await this.record(e, caller, bot, command, args, result, reply, started);
    return reply;
  }

  /** Publish a reply; later questions of this person are measured against where it landed. */
  private async send(caller: Caller, reply: Envelope): Promise<void> {
    const at = await this.opts.publish(reply);
    this.limiter.answered(caller.id, { ts: reply.ts, at: at ?? undefined }, this.now());
  }

  helpText(role: Role): string {
    const lines = ['할 수 있는 일 (What I can do):'];
    lines.push('• `@bot 도움말` / `@bot help` — 이 목록');
    for (const cmd of this.opts.registry.commands()) {
      if (hasRole(role, cmd.role ?? 'member')) lines.push(...cmd.help.map((h) => `• ${h}`));
    }
    for (const a of this.opts.registry.freeText()) {
      if (hasRole(role, a.role ?? 'member')) lines.push(...a.help.map((h) => `• ${h}`));
    }
    return lines.join('\n');
  }

  private context(e: Envelope, caller: Caller, word: string, args: string): CommandContext {
    return {
      args,
      word,
      question: e,
      caller,
      channel: e.channel,
      config: this.opts.config,
      db: this.opts.db,
      log,
      now: this.now,
      publish: async (x) => {
        await this.opts.publish(x);
      },
    };
  }

  private async freeText(ctx: CommandContext, text: string, caller: Caller): Promise<CommandReply | null> {
    // A typo of a command word followed by one of its sub-commands ("일쩡 추가 …")
    // is surely a command: say so before a free-text bot guesses at it.
    const suggestion = this.suggest(text, caller, true);
    if (suggestion) return suggestion;
    for (const a of this.opts.registry.freeText()) {
      if (!hasRole(caller.role, a.role ?? 'member')) continue;
      const r = await a.answer(text, ctx);
      if (r.handled) return { text: r.text, bot: a.bot, meta: { command: a.name, ...(r.meta ?? {}) } };
    }
    return this.suggest(text, caller, false);
  }

  /** "혹시 '일정'을 말씀하신 건가요?" for a near miss of a command word the caller may run. */
  private suggest(text: string, caller: Caller, needSub: boolean): CommandReply | null {
    const [first = '', second = ''] = text.toLowerCase().split(/\s+/u);
    for (const cmd of this.opts.registry.commands()) {
      if (!hasRole(caller.role, cmd.role ?? 'member')) continue;
      if (needSub && !(cmd.subcommands ?? []).includes(second)) continue;
      const word = this.opts.registry.words(cmd).find((w) => nearMiss(first, w) || nearMiss([...first].slice(0, [...w].length).join(''), w));
      if (word) {
        return {
          text: `'${first}'${pickJosa(first, '은/는')} 모르는 명령이에요. 혹시 '${word}'${pickJosa(word, '을/를')} 말씀하신 건가요? 예: ${cmd.help[0] ?? '@bot ' + word}`,
          result: 'error',
          meta: { command: 'unknown', suggestion: word },
        };
      }
    }
    return null;
  }

  private unknown(text: string, caller: Caller): CommandReply {
    void caller;
    return {
      text: `'${text.slice(0, 40)}'${pickJosa(text.slice(0, 40), '은/는')} 무슨 말씀인지 모르겠어요. \`@bot 도움말\`로 할 수 있는 일을 확인해 보세요.`,
      result: 'error',
      meta: { command: 'unknown' },
    };
  }

  private reply(q: Envelope, bot: BotIdentity, text: string, meta: Record<string, unknown>): Envelope {
    return createEnvelope({ type: 'bot', channel: q.channel, user: bot, text, reply_to: q.id, meta: { bot: bot.nick, ...meta } });
  }

  /**
   * The caller's role. The gateway is the only producer of user messages and
   * stamps meta.role from the verified token, so meta.role is trusted; without
   * it, stored users are looked up, and everyone else is a member.
   */
  private async roleOf(e: Envelope): Promise<Role> {
    if (isRole(e.meta.role)) return e.meta.role;
    if (e.user.id === 'admin') return 'admin';
    const cached = this.roleCache.get(e.user.id);
    if (cached) return cached;
    let role: Role = 'member';
    try {
      const row = await this.opts.db.one<{ role: string }>('SELECT role FROM users WHERE id = ?', [e.user.id]);
      if (row && isRole(row.role)) role = row.role;
    } catch {
      // no users table yet (bots started without Auth): everyone is a member
    }
    this.roleCache.set(e.user.id, role);
    return role;
  }

  private async record(e: Envelope, caller: Caller, bot: BotIdentity, command: string, args: string, result: CommandResult, reply: Envelope | null, started: number): Promise<void> {
    try {
      await logCommand(this.opts.db, {
        ts: e.ts,
        channel: e.channel,
        user_id: caller.id,
        nick: caller.nick,
        bot: bot.nick,
        command,
        args,
        result,
        question_id: e.id,
        reply_id: reply?.id ?? null,
        duration_ms: Math.round((performance.now() - started) * 100) / 100,
      });
    } catch (err) {
      log.error({ err, question: e.id }, 'could not log bot command');
    }
  }
}
