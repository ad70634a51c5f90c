// The shapes every bot shares: a command other rooms can register, the
// context a command runs in, and what it answers.
import type { Config } from '../../core/config.ts';
import type { Database } from '../../core/db.ts';
import type { Envelope } from '../../core/envelope.ts';
import type { Role } from '../../core/auth.ts';
import type { Logger } from '../../core/log.ts';

/** Who a bot is in the chat: user.id always starts with "bot" so bots never answer bots. */
export interface BotIdentity {
  id: string;
  nick: string;
}

export const RUNTIME_BOT: BotIdentity = { id: 'bot', nick: 'kchat봇' };

export interface Caller {
  id: string;
  nick: string;
  role: Role;
}

export interface CommandContext {
  /** text after the command word (trimmed; may be empty) */
  args: string;
  /** the word the caller typed for the command (an alias or the name) */
  word: string;
  question: Envelope;
  caller: Caller;
  channel: string;
  config: Config;
  db: Database;
  log: Logger;
  /** the runtime clock (injectable in tests) */
  now(): number;
  /** post an extra envelope (announcements); replies are returned instead */
  publish(e: Envelope): Promise<void>;
}

export interface CommandReply {
  text: string;
  /** 'error' = the command understood but failed (bad input); 'denied' = refused by a rule (a limit); logged as such */
  result?: 'ok' | 'error' | 'denied';
  meta?: Record<string, unknown>;
  /** answer as another bot identity (e.g. 일정봇) */
  bot?: BotIdentity;
  /**
   * For the asker's eyes only (auditors' search and statistics, refusals): the
   * reply carries `meta.visible_to: [asker id]`; gateways deliver it to that
   * user only and keep it out of everyone else's history. Ingest still stores it.
   */
  ephemeral?: boolean;
}

export interface BotCommand {
  /** canonical name, logged in bot_commands.command */
  name: string;
  /** words that call it (Korean and English), matched case-insensitively */
  aliases?: string[];
  /** least role that may run it (default member) */
  role?: Role;
  /** help lines shown by `@bot 도움말` to callers who may run it */
  help: string[];
  /** which bot answers (logged in bot_commands.bot; default the runtime bot) */
  bot?: BotIdentity;
  /** words that may follow the command ("추가", "list"): lets a typo of the command word be recognised */
  subcommands?: string[];
  handle(ctx: CommandContext): Promise<CommandReply | string>;
}

/** Free-text answerers tried after commands (the movie bot). */
export interface BotAnswerer {
  name: string;
  bot: BotIdentity;
  help: string[];
  role?: Role;
  answer(question: string, ctx: CommandContext): Promise<{ text: string; handled: boolean; meta?: Record<string, unknown> }>;
}

/** Observers see every event on the topic (in every process), e.g. to apply schedule changes. */
export type EventObserver = (e: Envelope) => Promise<void> | void;
