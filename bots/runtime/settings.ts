// Bot settings from the environment (documented in docs/bots.md). The core
// config holds what every process needs; these only matter to the bots.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../core/config.ts';

export interface BotSettings {
  /** KCHAT_BOT_ALIASES: extra addresses besides @bot and @봇 */
  aliasesEnv: string | undefined;
  rateLimit: { limit: number; windowMs: number };
  schedulesFile: string;
  airflow: {
    apiUrl: string | null;
    user: string | null;
    password: string | null;
    token: string | null;
    pollSeconds: number;
    callbackGraceMinutes: number;
    /** raw deadline JSON (env KCHAT_AIRFLOW_DEADLINES or $DATA_DIR/airflow-deadlines.json) */
    deadlinesJson: string | null;
    deadlinesSource: string | null;
  };
}

function int(v: string | undefined, fallback: number, name: string): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${v}"`);
  return n;
}

export function botSettings(config: Config, env: NodeJS.ProcessEnv = process.env): BotSettings {
  const deadlinesFile = path.join(config.dataDir, 'airflow-deadlines.json');
  let deadlinesJson: string | null = env.KCHAT_AIRFLOW_DEADLINES || null;
  let deadlinesSource: string | null = deadlinesJson ? 'KCHAT_AIRFLOW_DEADLINES' : null;
  if (!deadlinesJson && fs.existsSync(deadlinesFile)) {
    deadlinesJson = fs.readFileSync(deadlinesFile, 'utf8');
    deadlinesSource = deadlinesFile;
  }
  return {
    aliasesEnv: env.KCHAT_BOT_ALIASES,
    rateLimit: { limit: int(env.KCHAT_BOT_RATE_LIMIT, 5, 'KCHAT_BOT_RATE_LIMIT'), windowMs: int(env.KCHAT_BOT_RATE_WINDOW_SECONDS, 30, 'KCHAT_BOT_RATE_WINDOW_SECONDS') * 1000 },
    schedulesFile: env.KCHAT_SCHEDULES_FILE ? path.resolve(env.KCHAT_SCHEDULES_FILE) : path.join(config.dataDir, 'schedules.json'),
    airflow: {
      apiUrl: env.AIRFLOW_API_URL || null,
      user: env.AIRFLOW_USER || null,
      password: env.AIRFLOW_PASSWORD || null,
      token: env.AIRFLOW_TOKEN || null,
      pollSeconds: int(env.AIRFLOW_POLL_SECONDS, 60, 'AIRFLOW_POLL_SECONDS'),
      callbackGraceMinutes: int(env.KCHAT_AIRFLOW_CALLBACK_GRACE_MINUTES, 15, 'KCHAT_AIRFLOW_CALLBACK_GRACE_MINUTES'),
      deadlinesJson,
      deadlinesSource,
    },
  };
}
