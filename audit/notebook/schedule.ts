// Scheduled notebook runs: `schedule:` (cron, in TZ_REPORTS, Asia/Seoul by
// default) and `channel:` in a notebook's front matter. Each run is recorded
// like any other and a summary is posted to the channel as a `bot` envelope
// through Kafka: title, key numbers, a text sparkline of the first chart
// (chat cannot show SVG) and the link /notebooks/<name>?run=<id> that renders it.
//
// No double firing: only a process with KCHAT_SCHEDULER on runs schedules
// (npm start has it on; scaled-out API nodes set KCHAT_SCHEDULER=0), and each
// firing first claims the slot "<notebook>@<minute>" in notebook_runs, whose
// UNIQUE column refuses a second claim (DuckDB has one writer process, so
// every scheduler writes to the same table).
import cron, { type ScheduledTask } from 'node-cron';
import { createEnvelope, type Envelope } from '../../core/envelope.ts';
import { logger } from '../../core/log.ts';
import { runNotebook, SlotTakenError, type EngineDeps, type RunRecord } from './engine.ts';
import type { NotebookStore } from './store.ts';
import { sparkline } from './plot-spec.ts';
import type { Notebook } from './format.ts';

const log = logger('audit.notebook.schedule');

export const NOTEBOOK_BOT = { id: 'bot:notebooks', nick: '노트북' };

/** The chat summary of a run (plain text; the chart itself is behind the link). */
export function runSummary(name: string, nb: Notebook, run: RunRecord, baseUrl = ''): string {
  const lines: string[] = [`📒 ${nb.meta.title || name} — ${run.status === 'ok' ? '실행 완료' : '일부 셀 오류'} (${run.id})`];
  for (const c of run.cells) {
    if (c.kind !== 'sql' || !c.columns) continue;
    const label = c.name ?? `셀 ${c.index + 1}`;
    if (c.rows?.length === 1 && c.columns.length <= 4) {
      // a one-row result is a set of key numbers: show them
      lines.push(`• ${label}: ${c.columns.map((col, i) => `${col}=${formatValue(c.rows![0][i])}`).join(', ')}`);
    } else lines.push(`• ${label}: ${c.rows?.length ?? 0}행${c.truncated ? '+' : ''}`);
  }
  const errors = run.cells.filter((c) => c.status === 'error');
  if (errors.length) lines.push(`⚠ 오류 ${errors.length}개: ${errors.map((c) => c.name ?? `셀 ${c.index + 1}`).join(', ')}`);
  const chart = run.cells.find((c) => c.kind === 'plot' && c.plot);
  if (chart?.plot) {
    const src = run.cells.find((c) => c.name === chart.plot!.data);
    const y = chart.plot.marks[0]?.y;
    const idx = typeof y === 'string' && src?.columns ? src.columns.indexOf(y) : -1;
    if (src?.rows && idx >= 0) {
      const values = src.rows.map((r) => Number(r[idx]));
      const line = sparkline(values.slice(0, 60));
      if (line) lines.push(`📈 ${chart.plot.data}.${y}: ${line} (최소 ${Math.min(...values)}, 최대 ${Math.max(...values)})`);
    }
  }
  lines.push(`🔗 ${baseUrl}/notebooks/${encodeURIComponent(name)}?run=${encodeURIComponent(run.id)}`);
  return lines.join('\n');
}

function formatValue(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('ko-KR') : v.toFixed(2);
  return String(v ?? '∅');
}

export interface SchedulerDeps extends EngineDeps {
  store: NotebookStore;
  /** why results may not be posted to a channel (its members may not read them), or null (accounts' Directory.reportTargetProblem) */
  targetProblem?(channel: string): string | null;
  /** send an envelope to Kafka (the server's producer) */
  post(envelope: Envelope): Promise<void>;
  baseUrl?: string;
}

export class NotebookScheduler {
  private tasks = new Map<string, { expr: string; channel: string; task: ScheduledTask }>();

  constructor(private readonly deps: SchedulerDeps) {}

  /** (Re)read the notebooks folder and (re)schedule what changed. */
  reload(): void {
    const seen = new Set<string>();
    for (const entry of this.deps.store.list()) {
      if (!entry.schedule) continue;
      if (!cron.validate(entry.schedule)) {
        log.warn({ notebook: entry.name, schedule: entry.schedule }, 'invalid cron in notebook; not scheduled');
        continue;
      }
      const channel = entry.channel ?? 'audit';
      const problem = this.deps.targetProblem?.(channel);
      if (problem) {
        log.error({ notebook: entry.name, channel, problem }, 'notebook not scheduled: its channel is readable by people who are not auditors');
        continue;
      }
      seen.add(entry.name);
      const existing = this.tasks.get(entry.name);
      if (existing && existing.expr === entry.schedule && existing.channel === channel) continue;
      if (existing) void existing.task.stop();
      const task = cron.schedule(entry.schedule, (ctx) => this.fire(entry.name, ctx.date), { timezone: this.deps.tz, name: `notebook:${entry.name}`, noOverlap: true });
      this.tasks.set(entry.name, { expr: entry.schedule, channel, task });
      log.info({ notebook: entry.name, schedule: entry.schedule, channel }, 'notebook scheduled');
    }
    for (const [name, t] of this.tasks) {
      if (seen.has(name)) continue;
      void t.task.stop();
      this.tasks.delete(name);
    }
  }

  scheduled(): string[] {
    return [...this.tasks.keys()];
  }

  /** One scheduled run: claim the slot, run, post the summary. Exposed for tests and `run now`. */
  async fire(name: string, at: Date = new Date()): Promise<RunRecord | null> {
    const slot = `${name}@${new Date(Math.floor(at.getTime() / 60000) * 60000).toISOString()}`;
    try {
      const { notebook } = this.deps.store.read(name);
      // checked again at each firing: the channel's members may have changed since it was scheduled
      const target = notebook.meta.channel ?? 'audit';
      const problem = this.deps.targetProblem?.(target);
      if (problem) {
        log.error({ notebook: name, channel: target, problem }, 'scheduled notebook not run: its channel is readable by people who are not auditors');
        return null;
      }
      const run = await runNotebook(this.deps, name, notebook, { trigger: 'schedule', runBy: 'scheduler', slot });
      const channel = notebook.meta.channel ?? 'audit';
      await this.deps.post(createEnvelope({ type: 'bot', channel, user: NOTEBOOK_BOT, text: runSummary(name, notebook, run, this.deps.baseUrl), meta: { notebook: name, run_id: run.id, status: run.status } }));
      return run;
    } catch (err) {
      if (err instanceof SlotTakenError) log.info({ notebook: name, slot }, 'slot already ran elsewhere; skipped');
      else log.error({ err, notebook: name }, 'scheduled notebook run failed');
      return null;
    }
  }

  stop(): void {
    for (const t of this.tasks.values()) void t.task.stop();
    this.tasks.clear();
  }
}
