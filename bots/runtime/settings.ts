// Bot settings: the env-derived values come from the one config loader
// (core/config.ts, section `bots`); this adds what needs the data directory,
// the Airflow deadlines file. Documented in docs/bots.md.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../core/config.ts';

export interface BotSettings {
  /** KCHAT_BOT_ALIASES: extra addresses besides @bot and @봇 */
  aliases: string | undefined;
  rateLimit: { limit: number; windowMs: number };
  schedulesFile: string;
  scheduleLimits: Config['bots']['scheduleLimits'];
  airflow: Omit<Config['bots']['airflow'], 'deadlinesJson'> & {
    /** raw deadline JSON (env KCHAT_AIRFLOW_DEADLINES or $DATA_DIR/airflow-deadlines.json) */
    deadlinesJson: string | null;
    deadlinesSource: string | null;
  };
}

export function botSettings(config: Config): BotSettings {
  const { bots } = config;
  const deadlinesFile = path.join(config.dataDir, 'airflow-deadlines.json');
  let deadlinesJson = bots.airflow.deadlinesJson;
  let deadlinesSource: string | null = deadlinesJson ? 'KCHAT_AIRFLOW_DEADLINES' : null;
  if (!deadlinesJson && fs.existsSync(deadlinesFile)) {
    deadlinesJson = fs.readFileSync(deadlinesFile, 'utf8');
    deadlinesSource = deadlinesFile;
  }
  return {
    aliases: bots.aliases,
    rateLimit: bots.rateLimit,
    schedulesFile: bots.schedulesFile,
    scheduleLimits: bots.scheduleLimits,
    airflow: { ...bots.airflow, deadlinesJson, deadlinesSource },
  };
}
