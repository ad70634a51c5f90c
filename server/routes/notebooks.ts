// The notebooks part of `npm start`: /api/notebooks (list, get, create,
// save, run, run one cell, CSV of a cell, stored runs), /api/sql, and the
// scheduler that runs notebooks with a `schedule:` and posts to their channel.
// Auditors and admins only (members get 403, bad tokens 401).
import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { requireAuditor, AUDIT_LOG_SCHEMA } from '../../audit/index.ts';
import {
  checkNotebookName,
  NotebookFormatError,
  NotebookScheduler,
  NotebookService,
  loadRun,
  newNotebook,
  parseNotebook,
  publicCells,
  lastDayWithData,
  resolveParams,
  serialiseNotebook,
  SqlError,
  type SqlSandbox,
  type Cell,
  type Notebook,
  type NotebookMeta,
} from '../../audit/index.ts';
import type { Principal } from '../../core/auth.ts';
import { InputError } from '../../core/errors.ts';
import { CSV_BOM, csvLine } from '../../core/csv.ts';
import { nextOccurrence, parseCron } from '../../core/cron.ts';
import { isoInstant } from '../../core/time.ts';
import { router } from '../http.ts';
import type { Part, PartContext } from '../part.ts';
import { sqlRoutes } from './sql.ts';


type Env = { Variables: { principal: Principal } };

/** Incoming {meta, cells} → a notebook that reuses the saved file's exact text for every unchanged part. */
function mergeWithSaved(incoming: { meta?: unknown; cells?: unknown }, saved: Notebook | null): Notebook {
  if (!incoming.meta || typeof incoming.meta !== 'object') throw new NotebookFormatError('notebook.meta must be an object (title, params…)');
  if (!Array.isArray(incoming.cells)) throw new NotebookFormatError('notebook.cells must be a list of {kind, source, name?}');
  const cells: Cell[] = incoming.cells.map((c, i) => {
    const cell = c as Record<string, unknown>;
    if (!cell || typeof cell.kind !== 'string' || !/^[A-Za-z][\w.+-]*$/.test(cell.kind)) throw new NotebookFormatError(`cells[${i}].kind must be markdown, sql, plot or a language name`);
    if (typeof cell.source !== 'string') throw new NotebookFormatError(`cells[${i}].source must be text`);
    const out: Cell = { kind: cell.kind, source: cell.source.replace(/\r\n/g, '\n') };
    if (typeof cell.name === 'string' && cell.name) out.name = cell.name;
    if (cell.attrs && typeof cell.attrs === 'object') out.attrs = Object.fromEntries(Object.entries(cell.attrs as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    return out;
  });
  // re-validate through the text form (names, params, fences) by a round trip
  const draft: Notebook = { meta: incoming.meta as NotebookMeta, cells };
  const check = parseNotebook(serialiseNotebook(draft));
  if (!saved) return check;
  const byKey = new Map<string, Cell[]>();
  for (const c of saved.cells) {
    const list = byKey.get(c.rawKey ?? '') ?? [];
    list.push(c);
    byKey.set(c.rawKey ?? '', list);
  }
  for (const c of check.cells) {
    const same = byKey.get(c.rawKey ?? '')?.shift();
    if (same) {
      c.raw = same.raw;
      c.gap = same.gap;
    } else {
      delete c.raw;
      delete c.gap;
    }
  }
  const merged: Notebook = { meta: check.meta, cells: check.cells, tail: saved.tail };
  if (saved.frontKey === JSON.stringify(check.meta)) {
    merged.frontRaw = saved.frontRaw;
    merged.frontKey = saved.frontKey;
  }
  return merged;
}

/** Parameter values from a query string (repeated keys or commas for multi-selects). */
function queryParams(c: Context, nb: Notebook): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of nb.meta.params) {
    const all = c.req.queries(p.name);
    if (!all?.length) continue;
    out[p.name] = p.multiple ? all.flatMap((v) => v.split(',')).filter(Boolean) : all[0];
  }
  return out;
}

function cellIndex(nb: Notebook, ref: string): number {
  const i = /^\d+$/.test(ref) ? Number(ref) : nb.cells.findIndex((c) => c.name === ref);
  if (i < 0 || i >= nb.cells.length) throw new InputError('not_found', `no cell "${ref}" in this notebook`, { status: 404 });
  return i;
}


/**
 * Run one sql cell into a CSV file under `tmpDir` (mode 0600) and open it for
 * reading; the file is unlinked once open, so it disappears with the answer
 * (finished, cancelled or crashed). At most `maxBytes` (413 beyond).
 */
async function writeCsv(sandbox: SqlSandbox, sql: string, params: Record<string, unknown>, tmpDir: string, maxBytes: number): Promise<fs.ReadStream> {
  await fs.promises.mkdir(tmpDir, { recursive: true, mode: 0o700 });
  const file = path.join(tmpDir, `csv-${crypto.randomUUID()}.csv`);
  const out = fs.createWriteStream(file, { mode: 0o600, flags: 'wx' });
  let bytes = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (bytes > maxBytes) throw new SqlError(`CSV가 ${Math.round(maxBytes / 1048576)} MiB(KCHAT_SQL_MAX_CSV_MB)를 넘습니다. 조건으로 줄여 주세요`, 413);
    if (!out.write(text)) await once(out, 'drain');
  };
  try {
    await sandbox.stream(sql, params, (cols) => write(CSV_BOM + csvLine(cols)), (rows) => write(rows.map(csvLine).join('')));
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  } catch (err) {
    out.destroy();
    await fs.promises.rm(file, { force: true });
    throw err;
  }
  const reader = fs.createReadStream(file);
  await once(reader, 'open');
  await fs.promises.rm(file, { force: true });
  return reader;
}

/** When a schedule fires next, as an instant (epoch ms and ISO 8601 with the zone's offset); null without one or when it never does. */
function nextRun(schedule: string | undefined, tz: string): { ts: number; time: string } | null {
  if (!schedule) return null;
  try {
    const ts = nextOccurrence(parseCron(schedule), Date.now(), tz);
    return ts === null ? null : { ts, time: isoInstant(ts, tz) };
  } catch {
    return null;
  }
}

/**
 * The values a notebook's form starts with: each default resolved (today,
 * yesterday, -7d → a date), and a relative date default moved back to the
 * last day that has messages when its own day has none (a fresh install
 * with imported history opens on data, not on an empty yesterday).
 */
async function formDefaults(service: NotebookService, meta: NotebookMeta): Promise<Record<string, unknown>> {
  const tz = service.config.tzReports;
  let values: Record<string, unknown>;
  try {
    values = resolveParams(meta.params, {}, tz);
  } catch {
    return {};
  }
  for (const p of meta.params) {
    const v = values[p.name];
    if (p.type !== 'date' || typeof v !== 'string' || String(p.default ?? '') === v) continue;
    values[p.name] = (await lastDayWithData(service.db, v, tz)) ?? v;
  }
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null));
}

/** Routes over a service that may come up later (`get` is called per request). */
export function notebookRoutes(
  get: () => NotebookService,
  guard: MiddlewareHandler,
  onSaved: () => void = () => undefined,
  /** why a scheduled notebook may not post to a channel (accounts' directory), or null */
  targetProblem?: (channel: string) => string | null,
): Hono<Env> {
  const app = router<Env>();
  app.use('/api/notebooks', guard);
  app.use('/api/notebooks/*', guard);

  /** the :name of the URL, checked against the notebook name rule (400 otherwise) before anything else looks at it */
  const nameOf = (c: Context) => checkNotebookName(c.req.param('name'));
  const load = (name: string) => (get().store.exists(name) ? get().store.read(name) : null);
  const notFound = (name: string) => new InputError('not_found', `no notebook "${name}"`, { status: 404 });
  const body = async (c: Context): Promise<Record<string, unknown>> => {
    try {
      const b = await c.req.json();
      return b && typeof b === 'object' ? (b as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  /** the notebook a run uses: unsaved editor content when the body carries it, else the file */
  const runTarget = (name: string, b: Record<string, unknown>): Notebook | null => {
    const saved = load(name);
    if (b.notebook && typeof b.notebook === 'object') return mergeWithSaved(b.notebook as Record<string, unknown>, saved?.notebook ?? null);
    return saved?.notebook ?? null;
  };

  app.get('/api/notebooks', (c) => c.json({ notebooks: get().store.list() }));

  app.post('/api/notebooks', async (c) => {
    const b = await body(c);
    const name = checkNotebookName(String(b.name ?? ''));
    if (get().store.exists(name)) throw new InputError('exists', `notebook "${name}" already exists`, { status: 409 });
    const text = get().store.write(name, newNotebook(typeof b.title === 'string' && b.title.trim() ? b.title.trim() : name));
    onSaved();
    return c.json({ name, text }, 201);
  });

  app.get('/api/notebooks/:name', async (c) => {
    const name = nameOf(c);
    const loaded = load(name);
    if (!loaded) throw notFound(name);
    const runs = await get().db.all(
      'SELECT id, trigger, run_by, status, cells, errors, started_at, finished_at FROM notebook_runs WHERE notebook = ? ORDER BY started_at DESC LIMIT 20',
      [name],
    );
    return c.json({ name, meta: loaded.notebook.meta, cells: publicCells(loaded.notebook), text: loaded.text, runs, defaults: await formDefaults(get(), loaded.notebook.meta), next_run: nextRun(loaded.notebook.meta.schedule, get().config.tzReports) });
  });

  app.put('/api/notebooks/:name', async (c) => {
    const name = nameOf(c);
    const b = await body(c);
    const saved = get().store.exists(name) ? get().store.read(name).notebook : null;
    const nb = typeof b.text === 'string' ? parseNotebook(b.text) : mergeWithSaved(b, saved);
    // a schedule that is not cron, or never comes, is refused here (the scheduler would only log and skip it)
    if (nb.meta.schedule && parseCron(nb.meta.schedule).never) throw new InputError('bad_cron', `일정 "${nb.meta.schedule}"은(는) 실행되는 날이 오지 않습니다 (예: 31일이 없는 달만 고름)`, { details: { field: 'schedule' } });
    const problem = nb.meta.schedule ? targetProblem?.(nb.meta.channel ?? 'audit') : null;
    if (problem) throw new InputError('bad_channel', problem, { details: { field: 'channel' } });
    const text = get().store.write(name, nb);
    onSaved();
    return c.json({ name, text, meta: nb.meta, cells: publicCells(parseNotebook(text)) });
  });

  app.post('/api/notebooks/:name/run', async (c) => {
    const name = nameOf(c);
    const b = await body(c);
    const nb = runTarget(name, b);
    if (!nb) throw notFound(name);
    return c.json(await get().run(name, nb, { params: (b.params as Record<string, unknown>) ?? {}, trigger: 'web', runBy: c.get('principal')?.id ?? null }));
  });

  app.post('/api/notebooks/:name/cells/:cell/run', async (c) => {
    const name = nameOf(c);
    const b = await body(c);
    const nb = runTarget(name, b);
    if (!nb) throw notFound(name);
    const index = cellIndex(nb, c.req.param('cell'));
    return c.json(await get().run(name, nb, { params: (b.params as Record<string, unknown>) ?? {}, trigger: 'web', runBy: c.get('principal')?.id ?? null, only: [index], ephemeral: true }));
  });

  // CSV of one sql cell, every row (no row cap). The rows go to a private temp file first, within the
  // sandbox's timeout, and the connection is released; the answer is then sent from that file, so a slow
  // or paused download holds a file handle, never one of the sandbox's connections.
  app.get('/api/notebooks/:name/cells/:file{.+\\.csv}', async (c) => {
    const name = nameOf(c);
    const loaded = load(name);
    if (!loaded) throw notFound(name);
    const nb = loaded.notebook;
    const index = cellIndex(nb, c.req.param('file').replace(/\.csv$/, ''));
    const cell = nb.cells[index];
    if (cell.kind !== 'sql') throw new InputError('not_sql', `cell ${index} is a ${cell.kind} cell; only sql cells have CSV`);
    const { config, sandbox } = get();
    const params = resolveParams(nb.meta.params, queryParams(c, nb), config.tzReports);
    const file = await writeCsv(sandbox, cell.source, params, path.join(config.dataDir, 'tmp'), config.sql.maxCsvBytes);
    const download = `${name}-${cell.name ?? index}.csv`;
    return new Response(Readable.toWeb(file) as ReadableStream<Uint8Array>, {
      headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(download)}` },
    });
  });

  app.get('/api/notebooks/:name/runs', async (c) => {
    const name = nameOf(c);
    const runs = await get().db.all('SELECT id, trigger, run_by, status, cells, errors, started_at, finished_at FROM notebook_runs WHERE notebook = ? ORDER BY started_at DESC LIMIT 100', [name]);
    return c.json({ runs });
  });

  app.get('/api/notebooks/:name/runs/:id', (c) => {
    const name = nameOf(c);
    const run = loadRun(get().config.dataDir, name, c.req.param('id'));
    if (!run) throw new InputError('not_found', `no run "${c.req.param('id')}" of ${name}`, { status: 404 });
    return c.json(run);
  });

  return app;
}

export interface NotebooksPartOptions {
  /** notebooks folder (default: the repo's notebooks/) */
  dir?: string;
}

/** The `npm start` part: routes + (when KCHAT_SCHEDULER is on) the notebook scheduler. */
export function createNotebooksPart(ctx: PartContext, opts: NotebooksPartOptions = {}): Part {
  let service: NotebookService | null = null;
  let scheduler: NotebookScheduler | null = null;
  const guard = requireAuditor(ctx.auth, ctx.db) as unknown as MiddlewareHandler;
  return {
    name: 'notebooks',
    routes(app) {
      // mounted lazily: the service exists once start() ran (main.ts starts parts before serving)
      const starting: MiddlewareHandler = async (c, next) => {
        if (!service) throw new InputError('starting', 'notebooks are starting', { status: 503 });
        await next();
      };
      for (const p of ['/api/notebooks', '/api/notebooks/*', '/api/sql']) app.use(p, starting);
      app.route('/', sqlRoutes(() => service!.sandbox, guard));
      const targetProblem = ctx.directory ? (channel: string) => ctx.directory!.reportTargetProblem(channel) : undefined;
      app.route('/', notebookRoutes(() => service!, guard, () => scheduler?.reload(), targetProblem));
    },
    async start() {
      await ctx.db.ensureSchema(AUDIT_LOG_SCHEMA);
      service = await NotebookService.open(ctx.config, ctx.db, { dir: opts.dir });
      if (ctx.config.run.scheduler) {
        const svc = service;
        scheduler = new NotebookScheduler({
          ...svc.engineDeps,
          store: svc.store,
          post: (envelope) => ctx.kafka.publish(envelope),
          ...(ctx.directory ? { targetProblem: (channel: string) => ctx.directory!.reportTargetProblem(channel) } : {}),
        });
        scheduler.reload();
      }
    },
    async stop() {
      scheduler?.stop();
      service?.close();
    },
    health() {
      return { ok: service !== null, scheduled: scheduler?.scheduled() ?? [] };
    },
  };
}
