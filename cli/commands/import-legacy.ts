// `kchat import-legacy FILE… [--channel C] [--json]`: the bootcamp's logs → messages.
import type { Command } from 'commander';
import { importLegacy } from '../../ingest/legacy/import.ts';
import { printJson, type Exec } from '../context.ts';

export function define(program: Command, exec: Exec): void {
  program
    .command('import-legacy')
    .description(
      'import bootcamp chat logs (Python dict lines, JSON Lines, JSON arrays, CSV, Parquet) into DuckDB; re-importing a file adds nothing',
    )
    .argument('<files...>', 'log files to import (format detected from extension and content)')
    .option('--channel <name>', 'channel for records that do not name one', 'legacy')
    .option('--json', 'print {"files":[{file,format,read,imported,duplicates,rejected:[{line,reason}]}]}')
    .action(
      exec(async (ctx, files: string[], opts: { channel: string; json?: boolean }) => {
        const paths: string[] = [];
        for (const f of files) paths.push(await ctx.files.localPath(f));
        const result = await importLegacy({ db: ctx.db, config: ctx.config, files: paths, channel: opts.channel });
        // report files as the user named them
        result.files.forEach((f, i) => (f.file = files[i]));
        if (opts.json) printJson(ctx, result);
        else {
          for (const f of result.files) {
            ctx.out.write(`${f.file} (${f.format}): read ${f.read}, imported ${f.imported}, duplicates ${f.duplicates}, rejected ${f.rejected.length}\n`);
            for (const r of f.rejected.slice(0, 20)) ctx.out.write(`  line ${r.line}: ${r.reason}\n`);
            if (f.rejected.length > 20) ctx.out.write(`  … ${f.rejected.length - 20} more (use --json for all)\n`);
          }
        }
      }, { inputs: (files) => files }),
    );
}
