// `kchat movies import FILE… [--json]`: KOBIS JSON dumps (searchMovieList
// responses, bare arrays, JSON lines, movieInfo details) into the movie
// bot's catalog. Re-importing a file updates rows instead of adding them.
import fs from 'node:fs';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { isInputError } from '../../core/errors.ts';
import { importKobisFile, type FileReport } from '../../bots/movie/index.ts';
import { printJson, type Exec } from '../context.ts';

// Files with more records than this get a progress bar on an interactive stderr.
const BAR_FROM_BYTES = 2 * 1024 * 1024;

export function define(program: Command, exec: Exec): void {
  const movies = program.command('movies').description('the movie bot catalog');
  movies
    .command('import')
    .description('load KOBIS searchMovieList / movieInfo JSON dumps into the movie catalog (upsert by movieCd; curated films keep their facts)')
    .argument('<files...>', 'KOBIS JSON dumps: {"movieListResult":…}, a JSON array of movies, JSON lines, or {"movieInfoResult":…}')
    .option('--json', 'print {"files":[{file,format,read,imported,updated,curated,rejected:[{line,reason}]}]}')
    .action(
      exec(async (ctx, files: string[], opts: { json?: boolean }) => {
        const reports: FileReport[] = [];
        for (const name of files) {
          let file: string;
          try {
            file = await ctx.files.localPath(name);
          } catch (err) {
            // an unreadable file is reported like an unreadable dump; the other files still import
            if (!isInputError(err)) throw err;
            reports.push({ file: name, format: 'unknown', read: 0, imported: 0, updated: 0, curated: 0, rejected: [{ line: 0, reason: err.message }] });
            continue;
          }
          let bar: cliProgress.SingleBar | null = null;
          const big = ctx.interactive && (fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0) >= BAR_FROM_BYTES;
          const report = await importKobisFile(ctx.db, file, {
            label: name,
            onProgress: (done, total) => {
              if (!big) return;
              if (!bar) {
                bar = new cliProgress.SingleBar({ stream: process.stderr, format: `${name} [{bar}] {value}/{total} films` }, cliProgress.Presets.shades_classic);
                bar.start(total, 0);
              }
              bar.update(done);
            },
          });
          (bar as cliProgress.SingleBar | null)?.stop();
          reports.push(report);
        }
        if (opts.json) printJson(ctx, { files: reports });
        else {
          for (const f of reports) {
            ctx.out.write(`${f.file} (${f.format}): read ${f.read}, imported ${f.imported}, updated ${f.updated}, kept curated ${f.curated}, rejected ${f.rejected.length}\n`);
            for (const r of f.rejected.slice(0, 20)) ctx.out.write(`  ${r.line ? `record ${r.line}` : 'file'}: ${r.reason}\n`);
            if (f.rejected.length > 20) ctx.out.write(`  … ${f.rejected.length - 20} more (use --json for all)\n`);
          }
        }
        // A file that could not be read or is not a KOBIS dump at all fails the command.
        return reports.some((f) => f.format === 'unknown') ? 1 : 0;
      }, { inputs: (files) => files }),
    );
}
