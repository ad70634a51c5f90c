// The nightly run: 00:10 in the reporting zone (Asia/Seoul by default) for the
// day before. Started by server/main.ts with the other in-process parts.
import { schedule } from 'node-cron';
import type { Config } from '../core/config.ts';
import type { Database } from '../core/db.ts';
import type { Publish } from '../core/kafka.ts';
import { logger } from '../core/log.ts';
import { opsNotifier } from './ops.ts';
import { nightlyDate, runPipeline } from './pipeline.ts';

const log = logger('ingest.schedule');

export const NIGHTLY_CRON = '10 0 * * *';

export interface PipelineScheduleOptions {
  config: Config;
  db: Database;
  /** posts results to #ops (omit to only record runs) */
  publish?: Publish;
}

export function startPipelineSchedule(o: PipelineScheduleOptions): { stop(): Promise<void> } {
  const notify = o.publish ? opsNotifier(o.publish) : undefined;
  const task = schedule(
    NIGHTLY_CRON,
    async () => {
      const date = nightlyDate(Date.now(), o.config.tzReports);
      try {
        await runPipeline({ config: o.config, db: o.db, date, notify });
      } catch (err) {
        log.error({ err, date }, 'nightly pipeline could not run');
      }
    },
    { timezone: o.config.tzReports, name: 'kchat-nightly-pipeline', noOverlap: true },
  );
  log.info({ cron: NIGHTLY_CRON, tz: o.config.tzReports }, 'nightly pipeline scheduled');
  return {
    async stop() {
      await task.stop();
    },
  };
}
