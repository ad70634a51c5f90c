// What ran: Airflow results (callbacks and watcher reports) and the project's
// own pipeline runs (posted by ingest as `system` envelopes in `ops` with
// meta.kind = 'pipeline'). Every process records them from the topic, and
// `@bot 작업` / `@bot jobs` lists the latest.
import { createTableSql, defineTable, type Database } from '../../core/db.ts';
import type { Envelope } from '../../core/envelope.ts';
import type { BotCommand } from '../runtime/types.ts';
import { localTime, SYSTEM_BOT } from './airflow.ts';

const NN = 'VARCHAR NOT NULL';
export const JOB_EVENTS = defineTable(
  'bot_job_events',
  { id: NN, source: NN, origin: NN, name: NN, run: NN, status: NN, ts: 'TIMESTAMPTZ NOT NULL', detail: 'VARCHAR' },
  ['PRIMARY KEY (id)'],
);
export const JOB_EVENTS_SCHEMA = [createTableSql(JOB_EVENTS)];

interface JobRow {
  source: string;
  origin: string;
  name: string;
  run: string;
  status: string;
  ts_ms: number;
  detail: string | null;
}

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

export function jobObserver(db: Database) {
  return async (e: Envelope): Promise<void> => {
    let row: Omit<JobRow, 'ts_ms'> | null = null;
    if (e.user.id === SYSTEM_BOT.id && e.meta.kind === 'airflow') {
      row = { source: 'airflow', origin: str(e.meta.source) || 'callback', name: str(e.meta.dag_id), run: str(e.meta.run_id), status: str(e.meta.state), detail: str(e.meta.task_id) || null };
    } else if (e.type === 'system' && e.meta.kind === 'pipeline') {
      const detail = { rows: e.meta.rows ?? null, channels: e.meta.channels ?? null, duration_ms: e.meta.duration_ms ?? null, reason: e.meta.reason ?? null };
      row = { source: 'pipeline', origin: 'pipeline', name: 'daily-parquet', run: str(e.meta.date), status: str(e.meta.status), detail: JSON.stringify(detail) };
    }
    if (!row || !row.name || !row.status) return;
    await db.run(
      `INSERT INTO bot_job_events (id, source, origin, name, run, status, ts, detail)
       VALUES (?, ?, ?, ?, ?, ?, to_timestamp(?::DOUBLE / 1000), ?) ON CONFLICT (id) DO NOTHING`,
      [e.id, row.source, row.origin, row.name, row.run, row.status, e.ts, row.detail],
    );
  };
}

/** Has a callback for this Airflow run been seen (in any process, via the topic)? */
export async function callbackSeen(db: Database, dagId: string, runId: string): Promise<boolean> {
  const r = await db.one(`SELECT 1 AS x FROM bot_job_events WHERE source = 'airflow' AND origin = 'callback' AND name = ? AND run = ? LIMIT 1`, [dagId, runId]);
  return r !== undefined;
}

function pipelineLine(r: JobRow, tz: string): string {
  let d: Record<string, unknown> = {};
  try {
    d = JSON.parse(r.detail ?? '{}') as Record<string, unknown>;
  } catch {
    // shown without details
  }
  const icon = /^(ok|success|succeeded|done)$/i.test(r.status) ? '✅' : /^(fail|failed|error)$/i.test(r.status) ? '❌' : '•';
  const parts = [`${icon} 파이프라인 ${r.run} ${r.status}`];
  if (d.rows !== null && d.rows !== undefined) parts.push(`${d.rows}행`);
  if (d.channels !== null && d.channels !== undefined) parts.push(`채널 ${Array.isArray(d.channels) ? d.channels.length : d.channels}`);
  if (typeof d.duration_ms === 'number') parts.push(`${(d.duration_ms / 1000).toFixed(1)}초`);
  if (d.reason) parts.push(`사유: ${String(d.reason).slice(0, 80)}`);
  return `${parts.join(', ')} — ${localTime(new Date(r.ts_ms).toISOString(), tz)}`;
}

export function jobsCommand(): BotCommand {
  return {
    name: 'jobs',
    aliases: ['작업', '잡', '파이프라인', 'pipeline', 'airflow', '에어플로우'],
    bot: SYSTEM_BOT,
    help: ['`@bot 작업` / `@bot jobs` — 최근 파이프라인 실행과 Airflow 결과'],
    async handle(ctx) {
      const rows = await ctx.db.all<JobRow>(
        `SELECT source, origin, name, run, status, epoch_ms(ts) AS ts_ms, detail FROM (
           SELECT *, row_number() OVER (PARTITION BY source ORDER BY ts DESC) AS n FROM bot_job_events
         ) WHERE n <= 5 ORDER BY source DESC, ts DESC`,
      );
      const tz = ctx.config.tzReports;
      const pipeline = rows.filter((r) => r.source === 'pipeline').map((r) => pipelineLine(r, tz));
      const airflow = rows
        .filter((r) => r.source === 'airflow')
        .map((r) => `${r.status === 'success' ? '✅' : r.status === 'failed' ? '❌' : '⚠️'} ${r.name} ${r.run}${r.detail ? ` (${r.detail})` : ''} ${r.status}${r.origin === 'callback' ? '' : ' [감시]'} — ${localTime(new Date(r.ts_ms).toISOString(), tz)}`);
      if (!pipeline.length && !airflow.length) return { text: '아직 기록된 작업이 없어요. 파이프라인 결과와 Airflow 알림이 #ops에 올라오면 여기에 보여요.' };
      const out = ['최근 작업:'];
      out.push('[파이프라인]', ...(pipeline.length ? pipeline : ['(없음)']));
      out.push('[Airflow]', ...(airflow.length ? airflow : ['(없음)']));
      return { text: out.join('\n'), meta: { kind: 'jobs', pipeline: pipeline.length, airflow: airflow.length } };
    },
  };
}
