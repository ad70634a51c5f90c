// `kchat topics rebuild [--from D] [--to D] [--stale] [--json]`: recount the
// topic terms of counted days with the current analyser (Kiwi when its model
// is there), one day at a time, with a progress bar.
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { rebuildTopics } from '../../audit/index.ts';
import { isInputError } from '../../core/errors.ts';
import { printJson, UsageError, type Exec } from '../context.ts';

export function define(program: Command, exec: Exec): void {
  const topics = program.command('topics').description('topic statistics: the per-day term counts behind /api/stats/topics');
  topics
    .command('rebuild')
    .description('recount topic terms of counted days with the current analyser (Kiwi nouns; the rule tokenizer when Kiwi is unavailable), newest day first')
    .option('--from <YYYY-MM-DD>', 'first day to recount (default: the first counted day)')
    .option('--to <YYYY-MM-DD>', 'last day to recount, inclusive (default: the last counted day)')
    .option('--stale', 'only days counted by another analyser than the current one')
    .option('--json', 'print {"days","messages","ms","analyzer","complete"}')
    .action(
      exec(async (ctx, opts: { from?: string; to?: string; stale?: boolean; json?: boolean }) => {
        const bar = ctx.interactive
          ? new cliProgress.SingleBar({ stream: process.stderr, format: 'topics [{bar}] {value}/{total} days | {day} | {messages} messages' }, cliProgress.Presets.shades_classic)
          : null;
        let started = false;
        try {
          const r = await rebuildTopics(ctx.db, ctx.config.tzReports, {
            from: opts.from,
            to: opts.to,
            staleOnly: opts.stale,
            onProgress: (p) => {
              if (bar && !started) {
                bar.start(p.total, 0, { day: '', messages: 0 });
                started = true;
              }
              bar?.update(p.done, { day: p.day, messages: p.messages });
              if (!bar && (p.done % 10 === 0 || p.done === p.total)) ctx.err.write(`[${p.done}/${p.total}] ${p.day}: ${p.messages} messages recounted\n`);
            },
          });
          bar?.stop();
          if (opts.json) printJson(ctx, r);
          else ctx.out.write(`recounted ${r.days} day(s), ${r.messages} messages with ${r.analyzer} in ${(r.ms / 1000).toFixed(1)} s${r.complete ? '' : ' (stopped early)'}\n`);
          return r.complete ? 0 : 1;
        } catch (err) {
          bar?.stop();
          if (isInputError(err)) throw new UsageError(err.message);
          throw err;
        }
      }),
    );
}
