// Runs a notebook: every sql cell through the sandbox with the notebook's
// parameters bound as SQL parameters, every plot cell checked against the
// result it draws. Results go to $DATA_DIR/notebook-runs/<notebook>/<run-id>/
// (JSON, never into the notebook file) and each run is a row in notebook_runs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Database } from '../../core/db.ts';
import { InputError, isInputError } from '../../core/errors.ts';
import { jsonSafe } from '../../core/text.ts';
import { logger } from '../../core/log.ts';
import type { SqlSandbox } from '../sql/sandbox.ts';
import { isInert, type Notebook } from './format.ts';
import { checkNotebookName } from './store.ts';
import { resolveParams } from './params.ts';
import { PlotSpecError, validatePlotSpec } from './plot-spec.ts';

const log = logger('audit.notebook');

export const NOTEBOOK_RUNS_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS notebook_runs (
     id VARCHAR PRIMARY KEY,
     notebook VARCHAR NOT NULL,
     title VARCHAR NOT NULL,
     trigger VARCHAR NOT NULL,
     run_by VARCHAR,
     status VARCHAR NOT NULL,
     params JSON NOT NULL,
     cells INTEGER NOT NULL,
     errors INTEGER NOT NULL,
     started_at TIMESTAMPTZ NOT NULL,
     finished_at TIMESTAMPTZ NOT NULL,
     path VARCHAR NOT NULL,
     -- scheduled runs: notebook + the minute they were due; UNIQUE so a slot never runs twice
     slot VARCHAR UNIQUE
   )`,
];

export type { CellResult, RunRecord, Trigger } from './types.ts';
import type { CellResult, RunRecord, Trigger } from './types.ts';

export interface EngineDeps {
  db: Database;
  sandbox: SqlSandbox;
  dataDir: string;
  tz: string;
}

export interface RunOptions {
  params?: Record<string, unknown>;
  trigger: Trigger;
  runBy?: string | null;
  /** run only these cell indexes (plus the sql cells their plots need) */
  only?: number[];
  /** don't write results or notebook_runs (single-cell runs from the editor) */
  ephemeral?: boolean;
  /** a schedule slot (notebook@minute); a second run for the same slot is refused */
  slot?: string;
}

export { INERT_NOTE } from './types.ts';
import { INERT_NOTE } from './types.ts';

export function parsePlotSource(source: string): unknown {
  try {
    return YAML.parse(source);
  } catch (err) {
    throw new PlotSpecError(`plot spec is neither JSON nor YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${crypto.randomBytes(3).toString('hex')}`;
}

const RUN_ID = /^[\w-]{1,64}$/;

/**
 * Run directories: $DATA_DIR/notebook-runs/<notebook>/<run-id>/run.json. The
 * name and id are checked against their rules and the resolved folder must
 * lie inside notebook-runs/, whoever calls (a name can come from a URL).
 */
export function runDir(dataDir: string, notebook: string, runId?: string): string {
  const root = path.resolve(dataDir, 'notebook-runs');
  if (runId !== undefined && !RUN_ID.test(runId)) throw new InputError('bad_run_id', `run id "${runId.slice(0, 80)}" is not valid`);
  const dir = path.resolve(root, checkNotebookName(notebook), runId ?? '');
  if (!dir.startsWith(root + path.sep)) throw new InputError('bad_notebook_name', `notebook "${notebook}" would leave the runs folder`);
  return dir;
}

export class SlotTakenError extends Error {}

export async function runNotebook(deps: EngineDeps, name: string, nb: Notebook, opts: RunOptions): Promise<RunRecord> {
  runDir(deps.dataDir, name); // refuses a name that is not a notebook name before anything runs
  const started = new Date();
  const params = resolveParams(nb.meta.params, opts.params ?? {}, deps.tz);
  const id = newRunId(started);
  if (opts.slot) {
    // Claim the schedule slot before running: the UNIQUE slot column makes a second claimant fail here.
    try {
      await deps.db.run(
        `INSERT INTO notebook_runs (id, notebook, title, trigger, run_by, status, params, cells, errors, started_at, finished_at, path, slot)
         VALUES (?, ?, ?, ?, ?, 'running', ?, 0, 0, ?, ?, '', ?)`,
        [id, name, nb.meta.title, opts.trigger, opts.runBy ?? null, JSON.stringify(params), started.toISOString(), started.toISOString(), opts.slot],
      );
    } catch (err) {
      throw new SlotTakenError(`schedule slot ${opts.slot} already ran (${(err as Error).message.split('\n')[0]})`);
    }
  }
  const wanted = new Set<number>(opts.only ?? nb.cells.map((_, i) => i));
  if (opts.only) {
    // a plot needs its sql cell
    for (const i of opts.only) {
      const c = nb.cells[i];
      if (c?.kind !== 'plot') continue;
      try {
        const spec = parsePlotSource(c.source) as { data?: unknown };
        const src = nb.cells.findIndex((x) => x.kind === 'sql' && x.name === spec?.data);
        if (src >= 0) wanted.add(src);
      } catch {
        // reported when the plot cell runs
      }
    }
  }
  const byName = new Map<string, CellResult>();
  const cells: CellResult[] = [];
  for (const [index, cell] of nb.cells.entries()) {
    const base: CellResult = { index, kind: cell.kind, ...(cell.name ? { name: cell.name } : {}), status: 'skipped' };
    if (!wanted.has(index) || cell.kind === 'markdown') {
      cells.push(base);
      continue;
    }
    if (isInert(cell)) {
      cells.push({ ...base, status: 'inert', note: INERT_NOTE });
      continue;
    }
    const t0 = performance.now();
    try {
      if (cell.kind === 'sql') {
        const r = await deps.sandbox.query(cell.source, params);
        const result: CellResult = { ...base, status: 'ok', columns: r.columns, types: r.types, rows: r.rows, truncated: r.truncated };
        if (cell.name) byName.set(cell.name, result);
        cells.push({ ...result, ms: Math.round(performance.now() - t0) });
      } else {
        const raw = parsePlotSource(cell.source) as { data?: unknown };
        const source = typeof raw?.data === 'string' ? byName.get(raw.data) : undefined;
        if (raw && typeof raw === 'object' && typeof raw.data === 'string' && !source) {
          const exists = nb.cells.some((c) => c.kind === 'sql' && c.name === raw.data);
          throw new PlotSpecError(exists ? `plot data "${raw.data}" has no result (its cell failed or has not run)` : `plot data "${raw.data}" is not the name of a sql cell above`);
        }
        const spec = validatePlotSpec(raw, source?.columns);
        cells.push({ ...base, status: 'ok', plot: spec, ms: Math.round(performance.now() - t0) });
      }
    } catch (err) {
      const known = isInputError(err);
      if (!known) log.error({ err, notebook: name, cell: index }, 'cell failed unexpectedly');
      cells.push({ ...base, status: 'error', error: (err as Error).message, ms: Math.round(performance.now() - t0) });
    }
  }
  const finished = new Date();
  const record: RunRecord = {
    id,
    notebook: name,
    title: nb.meta.title || name,
    trigger: opts.trigger,
    run_by: opts.runBy ?? null,
    status: cells.some((c) => c.status === 'error') ? 'error' : 'ok',
    params,
    started_at: started.toISOString(),
    finished_at: finished.toISOString(),
    cells,
  };
  if (!opts.ephemeral) await storeRun(deps, record, opts.slot);
  return record;
}

async function storeRun(deps: EngineDeps, record: RunRecord, slot?: string): Promise<void> {
  const dir = runDir(deps.dataDir, record.notebook, record.id);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'run.json');
  // write-then-rename: a crash never leaves a half-written run.json
  fs.writeFileSync(file + '.tmp', JSON.stringify(jsonSafe(record)));
  fs.renameSync(file + '.tmp', file);
  const errors = record.cells.filter((c) => c.status === 'error').length;
  const ran = record.cells.filter((c) => c.status === 'ok' || c.status === 'error').length;
  if (slot) {
    await deps.db.run(`UPDATE notebook_runs SET status = ?, cells = ?, errors = ?, finished_at = ?, path = ? WHERE id = ?`, [record.status, ran, errors, record.finished_at, dir, record.id]);
  } else {
    await deps.db.run(
      `INSERT INTO notebook_runs (id, notebook, title, trigger, run_by, status, params, cells, errors, started_at, finished_at, path)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [record.id, record.notebook, record.title, record.trigger, record.run_by, record.status, JSON.stringify(jsonSafe(record.params)), ran, errors, record.started_at, record.finished_at, dir],
    );
  }
}

/** A stored run, or null. */
export function loadRun(dataDir: string, notebook: string, runId: string): RunRecord | null {
  if (!RUN_ID.test(runId)) return null;
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir(dataDir, notebook, runId), 'run.json'), 'utf8')) as RunRecord;
  } catch {
    return null;
  }
}
