// A bot runtime in its own process (own DATA_DIR and DuckDB file, shared
// broker and topics), driven over IPC by test/schedule-two-process.test.ts:
// {tick: ts} → {fired: [...]}, {waitSchedule: id, gone?} → {ok}, {stop} → exit.
import { loadConfig } from '../../core/config.ts';
import { Database } from '../../core/db.ts';
import { testKafka } from './kafka.ts';
import { startBots } from '../../bots/index.ts';

const config = loadConfig();
const db = await Database.open(config.dbPath);
const bots = await startBots({ config, db, kafka: await testKafka(config, `bot-process-${process.pid}`), manualClock: true, movie: false });
process.send!({ ready: true, pid: process.pid });

process.on('message', (m: { id: number; tick?: number; waitSchedule?: string; gone?: boolean; stop?: boolean }) => {
  void (async () => {
    if (m.tick !== undefined) process.send!({ id: m.id, fired: await bots.schedule.tick(m.tick) });
    else if (m.waitSchedule !== undefined) {
      await bots.schedule.waitFor(m.waitSchedule, m.gone);
      process.send!({ id: m.id, ok: true });
    } else if (m.stop) {
      await bots.stop();
      await db.close();
      process.send!({ id: m.id, ok: true }, () => process.exit(0));
    }
  })();
});
