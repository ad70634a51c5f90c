// `kchat notebook run FILE [--param k=v]… [--html OUT] [--json]` and
// `kchat notebook inspect FILE --json`: notebooks from the command line.
import path from 'node:path';
import type { Command } from 'commander';
import { printJson, UsageError, type CliContext, type Exec } from '../context.ts';
import { NotebookFormatError, parseNotebook, type Notebook } from '../../audit/index.ts';
import { NotebookService, parseParamArgs, renderHtml, runDir } from '../../audit/index.ts';

async function readNotebook(ctx: CliContext, file: string): Promise<Notebook> {
  const text = (await ctx.files.read(file)).toString('utf8');
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

type RunOptions = { param: string[]; html?: string; json?: boolean };

async function runNotebookFile(ctx: CliContext, file: string, opts: RunOptions): Promise<number> {
  const notebook = await readNotebook(ctx, file);
  let given: Record<string, string>;
  try {
    given = parseParamArgs(opts.param);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const service = await NotebookService.open(ctx.config, ctx.db);
  try {
    const name = notebookName(file);
    const run = await service.run(name, notebook, { params: given, trigger: 'cli', runBy: 'cli' });
    const html = opts.html ? await ctx.files.write(opts.html, renderHtml(notebook, run)) : undefined;
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
}

async function inspectNotebookFile(ctx: CliContext, file: string, opts: { json?: boolean }): Promise<void> {
  const notebook = await readNotebook(ctx, file);
  const doc = inspectJson(notebook);
  if (opts.json) printJson(ctx, doc);
  else {
    ctx.out.write(`${doc.title || '(untitled)'}\n`);
    for (const p of doc.params) ctx.out.write(`param ${p.name} = ${JSON.stringify(p.default)}${p.options ? ` (${p.options.join(' | ')})` : ''}\n`);
    for (const [i, c] of doc.cells.entries()) ctx.out.write(`[${i}] ${c.kind}: ${c.source.split('\n')[0].slice(0, 70)}\n`);
  }
}

export function define(program: Command, exec: Exec): void {
  const nb = program.command('notebook').description('run and inspect SQL notebooks (Markdown files with sql/plot cells)');
  nb.command('run')
    .description('run every cell of a notebook; results go to $DATA_DIR/notebook-runs/<name>/<run-id>/')
    .argument('<file>', 'notebook file (.md)')
    .option('--param <name=value>', 'set a parameter (repeatable)', collect, [])
    .option('--html <out>', 'also write the notebook with results and charts (inline SVG) as one HTML file')
    .option('--json', 'print the run as one JSON document')
    .action(exec(runNotebookFile, { inputs: (file) => [file], outputs: (_file, opts) => [opts.html] }));
  nb.command('inspect')
    .description("show a notebook's title, parameters and cells")
    .argument('<file>', 'notebook file (.md)')
    .option('--json', 'print {title, params:[{name, default, options?}], cells:[{kind, source}]}')
    .action(exec(inspectNotebookFile, { inputs: (file) => [file], runs: 'local' }));
}
