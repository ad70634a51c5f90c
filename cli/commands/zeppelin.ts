// `kchat zeppelin import FILE.zpln… --out DIR [--json]`: Zeppelin notes (and
// Zeppelin notes exported as .ipynb) → kchat notebooks in DIR.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { printJson, UsageError, type Exec } from '../context.ts';
import { isInputError } from '../../core/errors.ts';
import { importZeppelin, ZeppelinImportError, type ImportReport } from '../../audit/index.ts';
import { serialiseNotebook, parseNotebook } from '../../audit/index.ts';

export function define(program: Command, exec: Exec): void {
  const z = program.command('zeppelin').description('migrate Apache Zeppelin notes');
  z.command('import')
    .description('convert Zeppelin notes (.zpln, note.json, .ipynb) into notebooks: SQL paragraphs run, others are kept as non-running cells')
    .argument('<files...>', 'Zeppelin note files')
    .requiredOption('--out <dir>', 'folder to write <name>.md notebooks into')
    .option('--force', 'overwrite notebooks that already exist')
    .option('--json', 'print {"notebooks":[{file,out,name,title,schedule?,cells,params,warnings}],"errors":[…]}')
    .action(
      // a file conversion: no database, so it always runs in the CLI process, on the user's own files
      exec(async (ctx, files: string[], opts: { out: string; force?: boolean; json?: boolean }) => {
        const outDir = ctx.files.show(opts.out);
        const notebooks: (ImportReport & { out: string })[] = [];
        const errors: { file: string; error: string }[] = [];
        for (const f of files) {
          const abs = ctx.files.show(f);
          try {
            const { notebook, report } = importZeppelin((await ctx.files.read(f)).toString('utf8'), abs);
            const text = serialiseNotebook(notebook);
            parseNotebook(text); // what we write must read back
            const out = path.join(outDir, `${report.name}.md`);
            if (fs.existsSync(out) && !opts.force) throw new ZeppelinImportError(`${out} exists (use --force to overwrite)`);
            await ctx.files.write(out, text);
            notebooks.push({ ...report, out });
          } catch (err) {
            const known = isInputError(err);
            errors.push({ file: abs, error: known ? (err as Error).message : `unexpected: ${(err as Error).message}` });
          }
        }
        if (opts.json) printJson(ctx, { notebooks, errors });
        else {
          for (const n of notebooks) {
            const counts = n.cells.reduce<Record<string, number>>((acc, c) => ((acc[c.kind] = (acc[c.kind] ?? 0) + 1), acc), {});
            ctx.out.write(`${n.file} → ${n.out}: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}; ${n.params.length} params${n.schedule ? `; schedule ${n.schedule}` : ''}\n`);
            for (const w of n.warnings) ctx.err.write(`  warning: ${w}\n`);
          }
          for (const e of errors) ctx.err.write(`kchat: ${e.file}: ${e.error}\n`);
        }
        if (!notebooks.length && errors.length) throw new UsageError('nothing imported');
        return errors.length ? 1 : 0;
      }, { inputs: (files) => files, runs: 'local' }),
    );
}
