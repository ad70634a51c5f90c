// `kchat pipeline run --date D | --from D1 --to D2 [--json]`: the daily Parquet job.
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { opsNotifier } from '../../ingest/ops.ts';
import { countDay, runBackfill, runPipeline, type PipelineResult } from '../../ingest/pipeline.ts';
import { printJson, UsageError, type CliContext, type Exec } from '../context.ts';

function line(r: PipelineResult): string {
  if (r.status === 'success') return `${r.date}: success — ${r.rows} rows, ${r.channels} channels in ${r.duration_ms} ms → ${r.path}\n`;
  if (r.status === 'skipped') return `${r.date}: skipped — ${r.reason}\n`;
  return `${r.date}: FAILED — ${r.reason}\n`;
}

/** Post to #ops when a broker is reachable; a pipeline run never fails because chat is down. */
function notifier(ctx: CliContext, post: boolean) {
  if (!post) return undefined;
  const send = opsNotifier(async (e) => (await ctx.kafka()).publish(e));
  return async (r: PipelineResult) => {
    try {
      await send(r);
    } catch (err) {
      ctx.err.write(`kchat: note: could not post the result to #ops (${(err as Error).message.split('\n')[0]})\n`);
    }
  };
}

export function define(program: Command, exec: Exec): void {
  const pipeline = program.command('pipeline').description('the daily Parquet pipeline ($DATA_DIR/parquet/dt=YYYY-MM-DD/)');
  pipeline
    .command('count')
    .description('how many events a day has (what the Airflow DAG branches on); writes nothing')
    .requiredOption('--date <YYYY-MM-DD>', 'the day (in TZ_REPORTS, default Asia/Seoul)')
    .option('--json', 'print {"date","rows","channels"}')
    .action(
      exec(async (ctx, opts: { date: string; json?: boolean }) => {
        const c = await countDay(ctx.config, ctx.db, opts.date);
        if (opts.json) printJson(ctx, c);
        else ctx.out.write(`${c.date}: ${c.rows} events in ${c.channels} channels\n`);
      }),
    );
  pipeline
    .command('run')
    .description('export one day (--date) or a range (--from/--to, with a progress bar) of messages to zstd Parquet; a rerun replaces the day')
    .option('--date <YYYY-MM-DD>', 'the day to export (in TZ_REPORTS, default Asia/Seoul)')
    .option('--from <YYYY-MM-DD>', 'first day of a backfill')
    .option('--to <YYYY-MM-DD>', 'last day of a backfill (inclusive)')
    .option('--no-post', 'do not post the result to channel ops')
    .option('--json', 'print the run (or {"runs":[…]} for a range) as JSON')
    .action(
      exec(async (ctx, opts: { date?: string; from?: string; to?: string; post: boolean; json?: boolean }) => {
        const notify = notifier(ctx, opts.post);
        if (opts.date) {
          if (opts.from || opts.to) throw new UsageError('give either --date or --from/--to, not both');
          const r = await runPipeline({ config: ctx.config, db: ctx.db, date: opts.date, notify });
          if (opts.json) printJson(ctx, r);
          else ctx.out.write(line(r));
          return r.status === 'failed' ? 1 : 0;
        }
        if (!opts.from || !opts.to) throw new UsageError('give --date YYYY-MM-DD, or --from and --to for a backfill');
        const bar = ctx.interactive
          ? new cliProgress.SingleBar({ stream: process.stderr, format: 'backfill [{bar}] {value}/{total} days | {date} {status}' }, cliProgress.Presets.shades_classic)
          : null;
        let started = false;
        const runs = await runBackfill({
          config: ctx.config,
          db: ctx.db,
          from: opts.from,
          to: opts.to,
          notify,
          onDay: (r, done, total) => {
            if (bar && !started) {
              bar.start(total, 0, { date: '', status: '' });
              started = true;
            }
            bar?.update(done, { date: r.date, status: r.status });
            if (!bar) ctx.err.write(`[${done}/${total}] ${line(r)}`);
          },
        });
        bar?.stop();
        if (opts.json) printJson(ctx, { runs });
        else for (const r of runs) ctx.out.write(line(r));
        return runs.some((r) => r.status === 'failed') ? 1 : 0;
      }),
    );
}
