// Shared setup for the bot tests: a temp DATA_DIR, its config and DuckDB,
// and a clock the test moves by hand.
import { loadConfig, type Config } from '../../core/config.ts';
import { Database } from '../../core/db.ts';
import { zonedTime } from '../../core/time.ts';
import { tempDir, uniquePrefix } from './server.ts';

export interface BotEnv {
  config: Config;
  db: Database;
  dataDir: string;
  clock: ManualClock;
  close(): Promise<void>;
}

export class ManualClock {
  constructor(public t: number) {}
  readonly now = (): number => this.t;
  set(t: number): void {
    this.t = t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Seoul wall-clock time as an instant: seoul(2024, 9, 2, 9, 30). */
export const seoul = (y: number, mo: number, d: number, h = 0, mi = 0) => zonedTime(y, mo, d, h, mi, 0, 'Asia/Seoul');

export async function botEnv(env: Record<string, string> = {}, start = seoul(2024, 9, 2, 8, 0)): Promise<BotEnv> {
  const dataDir = tempDir('kchat-bots-');
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, KCHAT_TOPIC_PREFIX: uniquePrefix('bots'), KCHAT_SCHEDULES_FILE: '', ...env });
  const db = await Database.open(config.dbPath);
  return { config, db, dataDir, clock: new ManualClock(start), close: () => db.close() };
}
