// bot_commands: one row per handled command (who, what, result), owned by the bot runtime.
import { createTableSql, defineTable, type Database } from '../../core/db.ts';

const NN = 'VARCHAR NOT NULL';
export const BOT_COMMANDS = defineTable('bot_commands', {
  ts: 'TIMESTAMPTZ NOT NULL', channel: NN, user_id: NN, nick: NN, bot: NN, command: NN, args: NN, result: NN,
  question_id: 'VARCHAR', reply_id: 'VARCHAR', duration_ms: 'DOUBLE NOT NULL',
});
export const BOT_COMMANDS_SCHEMA = [createTableSql(BOT_COMMANDS)];

export type CommandResult = 'ok' | 'error' | 'denied' | 'rate_limited';

export interface CommandLogRow {
  ts: number;
  channel: string;
  user_id: string;
  nick: string;
  bot: string;
  command: string;
  args: string;
  result: CommandResult;
  question_id: string | null;
  reply_id: string | null;
  duration_ms: number;
}

export async function logCommand(db: Database, row: CommandLogRow): Promise<void> {
  await db.run(
    `INSERT INTO bot_commands (ts, channel, user_id, nick, bot, command, args, result, question_id, reply_id, duration_ms)
     VALUES (to_timestamp(?::DOUBLE / 1000), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [row.ts, row.channel, row.user_id, row.nick, row.bot, row.command, row.args.slice(0, 1000), row.result, row.question_id, row.reply_id, row.duration_ms],
  );
}
