// Start the schedule bot on DATA_DIR's database, then die like a SIGKILLed
// server (no close, no checkpoint): what start-up wrote must replay from the WAL.
import { loadConfig } from '../../core/config.ts';
import { Database } from '../../core/db.ts';
import { LocalClaimer } from '../../bots/runtime/claims.ts';
import { ScheduleBot } from '../../bots/schedule/index.ts';

const config = loadConfig();
const db = await Database.open(config.dbPath);
const bot = new ScheduleBot({ config, db, claimer: new LocalClaimer(), publish: async () => undefined, schedulesFile: null });
await bot.init();
process.kill(process.pid, 'SIGKILL');
