// `kchat ingest`: run the ingest consumer alone (the same one `npm start` runs
// in-process), until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { startIngest } from '../../ingest/consumer.ts';
import { UsageError, type Exec } from '../context.ts';

export function define(program: Command, exec: Exec): void {
  program
    .command('ingest')
    .description('consume chat events from Kafka into DuckDB (group "ingest") until interrupted; for deployments that run ingest apart from the server')
    .option('--session-timeout <ms>', 'Kafka group session timeout: how soon partitions of a killed ingest move on (6000–300000)', '30000')
    .action(
      exec(async (ctx, opts: { sessionTimeout: string }) => {
        const sessionTimeout = Number(opts.sessionTimeout);
        if (!Number.isInteger(sessionTimeout) || sessionTimeout < 6000 || sessionTimeout > 300000) throw new UsageError('--session-timeout must be 6000–300000 ms');
        const handle = await startIngest({ config: ctx.config, db: ctx.db, kafka: await ctx.kafka(), sessionTimeout });
        ctx.err.write(`kchat: ingesting ${ctx.config.topics.events} into ${ctx.config.dbPath} (Ctrl-C to stop)\n`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await handle.stop();
        const h = handle.health();
        ctx.err.write(`kchat: ingest stopped (${h.stored} stored, ${h.rejected} rejected this run)\n`);
      }, { runs: 'process' }),
    );
}
