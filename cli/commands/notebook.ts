// `kchat notebook run FILE [--param k=v]… [--html OUT] [--json]` and
// `kchat notebook inspect FILE --json`: notebooks from the command line.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { printJson, resolvePath, UsageError, type Exec } from '../context.ts';
import { NotebookFormatError, parseNotebook, type Notebook } from '../../audit/notebook/format.ts';
import { NotebookService, ParamError, parseParamArgs, renderHtml, runDir } from '../../audit/notebook/index.ts';

function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return parseNotebook(text);
  } catch (err) {
    if (err instanceof NotebookFormatError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
}

/** The run directory name of a notebook file: its base name, made safe. */
export function notebookName(file: string): string {
  const base = path.basename(file).replace(/\.(md|markdown)$/i, '');
  const safe = base.replace(/[^\p{L}\p{N}_-]+/gu, '_').replace(/^[_-]+/, '').slice(0, 80);
  return safe || 'notebook';
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** inspect's JSON (the public contract in design.md). */
export function inspectJson(nb: Notebook) {
  return {
    title: nb.meta.title,
    params: nb.meta.params.map((p) => ({ name: p.name, default: p.default ?? null, ...(p.options ? { options: p.options } : {}) })),
    cells: nb.cells.map((c) => ({ kind: c.kind, source: c.source })),
  };
}

export function define(program: Command, exec: Exec): void {
  const nb = program.command('notebook').description('run and inspect SQL notebooks (Markdown files with sql/plot cells)');
  nb.command('run')
    .description('run every cell of a notebook; results go to $DATA_DIR/notebook-runs/<name>/<run-id>/')
    .argument('<file>', 'notebook file (.md)')
    .option('--param <name=value>', 'set a parameter (repeatable)', collect, [])
    .option('--html <out>', 'also write the notebook with results and charts (inline SVG) as one HTML file')
    .option('--json', 'print the run as one JSON document')
    .action(
      exec(async (ctx, file: string, opts: { param: string[]; html?: string; json?: boolean }) => {
        const abs = resolvePath(ctx, file);
        const notebook = readNotebook(abs);
        let given: Record<string, string>;
        try {
          given = parseParamArgs(opts.param);
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        const service = await NotebookService.open(ctx.config, ctx.db, { dir: path.dirname(abs) });
        try {
          const name = notebookName(abs);
          let run;
          try {
            run = await service.run(name, notebook, { params: given, trigger: 'cli', runBy: 'cli' });
          } catch (err) {
            if (err instanceof ParamError) throw new UsageError(err.message);
            throw err;
          }
          let html: string | undefined;
          if (opts.html) {
            html = resolvePath(ctx, opts.html);
            fs.mkdirSync(path.dirname(html), { recursive: true });
            fs.writeFileSync(html + '.tmp', renderHtml(notebook, run));
            fs.renameSync(html + '.tmp', html);
          }
          const dir = runDir(ctx.config.dataDir, name, run.id);
          if (opts.json) printJson(ctx, { ...run, dir, ...(html ? { html } : {}) });
          else {
            ctx.out.write(`${run.title}: run ${run.id} ${run.status}\n`);
            for (const c of run.cells) {
              if (c.status === 'skipped') continue;
              const label = `[${c.index}] ${c.kind}${c.name ? ' ' + c.name : ''}`;
              if (c.status === 'error') ctx.out.write(`${label}: ERROR ${c.error}\n`);
              else if (c.status === 'inert') ctx.out.write(`${label}: not run (kept as written)\n`);
              else if (c.columns) ctx.out.write(`${label}: ${c.rows?.length ?? 0} rows${c.truncated ? ' (cut at the row cap)' : ''} [${c.columns.join(', ')}]\n`);
              else ctx.out.write(`${label}: ok\n`);
            }
            ctx.out.write(`results: ${dir}\n`);
            if (html) ctx.out.write(`html: ${html}\n`);
          }
          return run.status === 'ok' ? 0 : 1;
        } finally {
          service.close();
        }
      }),
    );
  nb.command('inspect')
    .description('show a notebook\'s title, parameters and cells')
    .argument('<file>', 'notebook file (.md)')
    .option('--json', 'print {title, params:[{name, default, options?}], cells:[{kind, source}]}')
    .action(
      exec(async (ctx, file: string, opts: { json?: boolean }) => {
        const notebook = readNotebook(resolvePath(ctx, file));
        const doc = inspectJson(notebook);
        if (opts.json) printJson(ctx, doc);
        else {
          ctx.out.write(`${doc.title || '(untitled)'}\n`);
          for (const p of doc.params) ctx.out.write(`param ${p.name} = ${JSON.stringify(p.default)}${p.options ? ` (${p.options.join(' | ')})` : ''}\n`);
          for (const [i, c] of doc.cells.entries()) ctx.out.write(`[${i}] ${c.kind}: ${c.source.split('\n')[0].slice(0, 70)}\n`);
        }
      }),
    );
}
