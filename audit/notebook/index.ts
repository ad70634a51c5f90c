// Public entry of the notebook engine (used by server/routes, cli/commands and tests).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../core/config.ts';
import type { Database } from '../../core/db.ts';
import { SqlSandbox, type SandboxOptions } from '../sql/sandbox.ts';
import { NOTEBOOK_RUNS_SCHEMA, runNotebook, type RunOptions, type RunRecord } from './engine.ts';
import { NotebookStore } from './store.ts';
import type { Notebook } from './format.ts';

export * from './format.ts';
export * from './engine.ts';
export * from './params.ts';
export { NotebookStore, NOTEBOOK_NAME, checkNotebookName } from './store.ts';
export { renderHtml, renderPlotSvg } from './render.ts';
export { NotebookScheduler, runSummary, NOTEBOOK_BOT } from './schedule.ts';
export { SqlSandbox, SqlError } from '../sql/sandbox.ts';

/** The shipped notebooks folder of this checkout. */
export const SHIPPED_NOTEBOOKS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'notebooks');

export interface NotebookServiceOptions {
  /** where notebooks live (default: the repo's notebooks/) */
  dir?: string;
  sandbox?: Omit<SandboxOptions, 'dataDir'>;
}

/** Store + sandbox + engine over one database. */
export class NotebookService {
  private constructor(
    readonly config: Config,
    readonly db: Database,
    readonly sandbox: SqlSandbox,
    readonly store: NotebookStore,
  ) {}

  static async open(config: Config, db: Database, opts: NotebookServiceOptions = {}): Promise<NotebookService> {
    await db.ensureSchema(NOTEBOOK_RUNS_SCHEMA);
    const limits = { timeoutMs: config.sql.timeoutMs, rowCap: config.sql.rowCap, maxResultBytes: config.sql.maxResultBytes, tz: config.tzReports };
    const sandbox = await SqlSandbox.open(db, { dataDir: config.dataDir, ...limits, ...(opts.sandbox ?? {}) });
    return new NotebookService(config, db, sandbox, new NotebookStore(opts.dir ?? SHIPPED_NOTEBOOKS));
  }

  get engineDeps() {
    return { db: this.db, sandbox: this.sandbox, dataDir: this.config.dataDir, tz: this.config.tzReports };
  }

  run(name: string, nb: Notebook, opts: RunOptions): Promise<RunRecord> {
    return runNotebook(this.engineDeps, name, nb, opts);
  }

  close(): void {
    this.sandbox.close();
  }
}
