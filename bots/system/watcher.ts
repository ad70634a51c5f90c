// The Airflow REST watcher. Callbacks do not fire when a task is killed (OOM,
// pod evicted, scheduler restart), so when AIRFLOW_API_URL is set the system
// bot also polls dagRuns and reports, once each:
// - runs that finished but whose callback never reached /hooks/airflow, and
// - "expected by HH:MM" deadlines a DAG missed.
// Works with the v1 API (Airflow 2, basic auth) and v2 (Airflow 3, bearer
// token from AIRFLOW_TOKEN or POST /auth/token).
import { z } from 'zod';
import type { Database } from '../../core/db.ts';
import { createEnvelope, type Envelope } from '../../core/envelope.ts';
import { logger } from '../../core/log.ts';
import { dayRange, localDate, zonedTime } from '../../core/time.ts';
import type { Claimer } from '../runtime/claims.ts';
import { localParts } from '../../core/time.ts';
import { parseDays } from '../schedule/when.ts';
import { OPS_CHANNEL, SYSTEM_BOT } from './airflow.ts';
import { callbackSeen } from './jobs.ts';

const log = logger('bots.airflow');

export const AIRFLOW_REPORTS_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS airflow_reports (
     key VARCHAR PRIMARY KEY,
     ts TIMESTAMPTZ NOT NULL DEFAULT now()
   )`,
];

export interface DagRun {
  dag_id: string;
  run_id: string;
  state: string;
  logical_date: string | null;
  end_date: string | null;
}

const runSchema = z.object({
  dag_id: z.string(),
  dag_run_id: z.string(),
  state: z.string().nullable().optional(),
  logical_date: z.string().nullable().optional(),
  execution_date: z.string().nullable().optional(),
  end_date: z.string().nullable().optional(),
});
const pageSchema = z.object({ dag_runs: z.array(runSchema), total_entries: z.number().optional() });

export interface AirflowApiOptions {
  apiUrl: string;
  user?: string | null;
  password?: string | null;
  token?: string | null;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export class AirflowClient {
  readonly version: 'v1' | 'v2';
  private readonly base: string;
  private readonly root: string;
  private bearer: string | null;
  private readonly fetch: typeof fetch;

  constructor(private readonly o: AirflowApiOptions) {
    const url = o.apiUrl.replace(/\/+$/, '');
    const m = /^(.*?)\/api\/(v1|v2)$/.exec(url);
    this.version = m ? (m[2] as 'v1' | 'v2') : 'v2';
    this.root = m ? m[1] : url;
    this.base = m ? url : `${url}/api/v2`;
    this.bearer = o.token ?? null;
    this.fetch = o.fetch ?? fetch;
  }

  private async headers(): Promise<Record<string, string>> {
    if (this.version === 'v1') {
      if (this.o.user && this.o.password) return { authorization: 'Basic ' + Buffer.from(`${this.o.user}:${this.o.password}`).toString('base64') };
      return this.bearer ? { authorization: `Bearer ${this.bearer}` } : {};
    }
    if (!this.bearer && this.o.user && this.o.password) this.bearer = await this.login();
    return this.bearer ? { authorization: `Bearer ${this.bearer}` } : {};
  }

  /** Airflow 3: POST /auth/token {username, password} → {access_token}. */
  private async login(): Promise<string> {
    const res = await this.fetch(`${this.root}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: this.o.user, password: this.o.password }),
      signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
    });
    if (!res.ok) throw new Error(`Airflow /auth/token answered ${res.status}`);
    const body = (await res.json()) as { access_token?: unknown };
    if (typeof body.access_token !== 'string') throw new Error('Airflow /auth/token returned no access_token');
    return body.access_token;
  }

  private async get(path: string, retried = false): Promise<unknown> {
    const res = await this.fetch(`${this.base}${path}`, { headers: { accept: 'application/json', ...(await this.headers()) }, signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000) });
    if (res.status === 401 && this.version === 'v2' && !retried && this.o.user && !this.o.token) {
      this.bearer = null; // expired token: log in again once
      return this.get(path, true);
    }
    if (!res.ok) throw new Error(`Airflow ${path.split('?')[0]} answered ${res.status}`);
    return res.json();
  }

  /** Runs of all DAGs that ended at or after `endGte` (ISO), newest first, following pages. */
  async dagRuns(endGte: string): Promise<DagRun[]> {
    const out: DagRun[] = [];
    const limit = 100;
    for (let offset = 0; offset < 2000; offset += limit) {
      const q = new URLSearchParams({ end_date_gte: endGte, limit: String(limit), offset: String(offset), order_by: '-end_date' });
      const page = pageSchema.safeParse(await this.get(`/dags/~/dagRuns?${q}`));
      if (!page.success) throw new Error(`unexpected dagRuns response: ${page.error.issues[0]?.message}`);
      for (const r of page.data.dag_runs) {
        out.push({ dag_id: r.dag_id, run_id: r.dag_run_id, state: r.state ?? 'unknown', logical_date: r.logical_date ?? r.execution_date ?? null, end_date: r.end_date ?? null });
      }
      if (page.data.dag_runs.length < limit || (page.data.total_entries !== undefined && offset + limit >= page.data.total_entries)) break;
    }
    return out;
  }

  /** Runs of one DAG that started on or after `startGte`, any state (for deadlines). */
  async dagRunsOf(dagId: string, startGte: string): Promise<DagRun[]> {
    const q = new URLSearchParams({ start_date_gte: startGte, limit: '100', order_by: '-start_date' });
    const page = pageSchema.safeParse(await this.get(`/dags/${encodeURIComponent(dagId)}/dagRuns?${q}`));
    if (!page.success) throw new Error(`unexpected dagRuns response: ${page.error.issues[0]?.message}`);
    return page.data.dag_runs.map((r) => ({ dag_id: r.dag_id, run_id: r.dag_run_id, state: r.state ?? 'unknown', logical_date: r.logical_date ?? r.execution_date ?? null, end_date: r.end_date ?? null }));
  }
}

const deadlineSchema = z.array(
  z.object({
    dag_id: z.string().min(1),
    by: z.string().regex(/^([01]?\d|2[0-3]):[0-5]\d$/, 'by must be HH:MM'),
    days: z.string().optional(),
  }),
);

export interface Deadline {
  dag_id: string;
  hour: number;
  minute: number;
  by: string;
  days: number[];
  daysLabel: string;
}

export function parseDeadlines(json: string | null, source = 'deadlines'): { deadlines: Deadline[]; problems: string[] } {
  if (!json) return { deadlines: [], problems: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    return { deadlines: [], problems: [`${source}: not valid JSON (${(err as Error).message})`] };
  }
  const r = deadlineSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    return { deadlines: [], problems: [`${source}: field '${i.path.join('.')}': ${i.message}`] };
  }
  const deadlines: Deadline[] = [];
  const problems: string[] = [];
  for (const d of r.data) {
    const days = parseDays(d.days ?? '매일');
    if (!days) {
      problems.push(`${source}: ${d.dag_id}: days '${d.days}' is not 매일/평일/주말/월·수…`);
      continue;
    }
    const [h, m] = d.by.split(':').map(Number);
    deadlines.push({ dag_id: d.dag_id, hour: h, minute: m, by: `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`, days, daysLabel: d.days ?? '매일' });
  }
  return { deadlines, problems };
}

export interface WatcherOptions {
  client: AirflowClient;
  db: Database;
  claimer: Claimer;
  publish: (e: Envelope) => Promise<void>;
  tz: string;
  deadlines: Deadline[];
  callbackGraceMinutes: number;
  now?: () => number;
}

export class AirflowWatcher {
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;

  constructor(private readonly o: WatcherOptions) {
    this.now = o.now ?? Date.now;
  }

  async init(): Promise<void> {
    await this.o.db.ensureSchema(AIRFLOW_REPORTS_SCHEMA);
    // Runs that ended before the watcher was first switched on are history, not alarms.
    await this.o.db.run(`INSERT INTO airflow_reports (key, ts) VALUES ('watcher:since', to_timestamp(?::DOUBLE / 1000)) ON CONFLICT (key) DO NOTHING`, [this.now()]);
  }

  /** One poll; returns the keys this process reported. */
  async poll(now = this.now()): Promise<string[]> {
    const reported: string[] = [];
    const since = (await this.o.db.one<{ ms: number }>(`SELECT epoch_ms(ts) AS ms FROM airflow_reports WHERE key = 'watcher:since'`))?.ms ?? now;
    const graceMs = this.o.callbackGraceMinutes * 60_000;
    const windowStart = Math.max(since - graceMs, now - 24 * 3600_000);
    const runs = await this.o.client.dagRuns(new Date(windowStart).toISOString());
    for (const r of runs) {
      if (r.state !== 'success' && r.state !== 'failed') continue;
      const end = r.end_date ? Date.parse(r.end_date) : NaN;
      if (Number.isNaN(end) || end < since || now - end < graceMs) continue;
      if (await callbackSeen(this.o.db, r.dag_id, r.run_id)) continue;
      const icon = r.state === 'success' ? '✅' : '❌';
      const text = `⚠️ Airflow 콜백 없이 끝난 실행: ${r.dag_id}\n• 실행(run): ${r.run_id}\n• 상태: ${icon} ${r.state}\n• 끝난 시각: ${fmt(end, this.o.tz)}\n콜백(on_success/on_failure_callback)이 오지 않았어요 — 태스크가 강제 종료됐거나 알림 설정이 빠졌을 수 있어요.`;
      if (await this.report(`airflow:missing:${r.dag_id}:${r.run_id}`, text, { dag_id: r.dag_id, run_id: r.run_id, state: r.state, reason: 'missing-callback' })) {
        reported.push(`airflow:missing:${r.dag_id}:${r.run_id}`);
      }
    }
    for (const d of this.o.deadlines) {
      const today = localDate(now, this.o.tz);
      const wd = localParts(now, this.o.tz).wd;
      if (!d.days.includes(wd)) continue;
      const [y, mo, da] = today.split('-').map(Number);
      const due = zonedTime(y, mo, da, d.hour, d.minute, 0, this.o.tz);
      if (now < due) continue;
      const key = `airflow:deadline:${d.dag_id}:${today}`;
      if (await this.alreadyReported(key)) continue;
      const dayStart = dayRange(today, this.o.tz).start;
      const todays = await this.o.client.dagRunsOf(d.dag_id, new Date(dayStart).toISOString());
      const okRun = todays.find((r) => r.state === 'success' && r.end_date && Date.parse(r.end_date) <= due);
      if (okRun) continue;
      const latest = todays[0];
      const status = latest ? `최근 실행 ${latest.run_id}: ${latest.state}` : '오늘 실행 없음';
      const text = `⏰ ${d.dag_id}: ${d.daysLabel} ${d.by}까지 성공해야 하는데 아직 성공하지 않았어요 (${status}).`;
      if (await this.report(key, text, { dag_id: d.dag_id, run_id: latest?.run_id ?? `deadline ${today}`, state: latest?.state ?? 'missing', reason: 'deadline', by: d.by })) reported.push(key);
    }
    return reported;
  }

  private async alreadyReported(key: string): Promise<boolean> {
    return (await this.o.db.one(`SELECT 1 AS x FROM airflow_reports WHERE key = ?`, [key])) !== undefined;
  }

  /** Report once: skip keys this process saw; across processes the claim log picks one reporter. */
  private async report(key: string, text: string, meta: Record<string, unknown>): Promise<boolean> {
    if (await this.alreadyReported(key)) return false;
    const won = await this.o.claimer.claim(key);
    if (won) {
      await this.o.publish(createEnvelope({ type: 'bot', channel: OPS_CHANNEL, user: SYSTEM_BOT, text, meta: { kind: 'airflow', source: 'watcher', ...meta } }));
    }
    await this.o.db.run(`INSERT INTO airflow_reports (key) VALUES (?) ON CONFLICT (key) DO NOTHING`, [key]);
    return won;
  }

  start(pollSeconds: number): void {
    // Sequential: the next poll is scheduled only after this one finished.
    const loop = async () => {
      await this.poll().catch((err) => log.warn({ err: (err as Error).message }, 'Airflow poll failed; will retry'));
      if (!this.timer) return;
      this.timer = setTimeout(() => void loop(), pollSeconds * 1000);
      this.timer.unref?.();
    };
    this.timer = setTimeout(() => void loop(), 1000);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

function fmt(ts: number, tz: string): string {
  const p = new Intl.DateTimeFormat('en-CA', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(ts);
  const g = (k: string) => p.find((x) => x.type === k)?.value ?? '';
  return `${g('year')}-${g('month')}-${g('day')} ${g('hour')}:${g('minute')}`;
}
