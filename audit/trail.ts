// The audit trail: one `audit_log` row for every privileged action (audit API
// calls, SQL, notebook runs, remote CLI commands, admin reads of the log),
// written BEFORE the action runs. `recordAudit()` is the only writer: when the
// row cannot be written (disk full, database down) it throws a 503 InputError
// and the action does not happen. The outcome (status, duration) is added
// after the action; losing that second write loses no accountability. Both go
// through the database's `audit` write lane (core/db.ts): a request does not
// queue behind ingest's bulk transactions or the topic count for its row (it
// waits at most for a commit in progress).
import crypto from 'node:crypto';
import type { Principal } from '../core/auth.ts';
import type { Database } from '../core/db.ts';
import { InputError } from '../core/errors.ts';
import { logger } from '../core/log.ts';
import { jsonSafe } from '../core/text.ts';
import { dayRange, isDate, isoInstant } from '../core/time.ts';

const log = logger('audit.trail');

export const AUDIT_LOG_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS audit_log (
     ts TIMESTAMPTZ NOT NULL,
     user_id VARCHAR,
     role VARCHAR,
     method VARCHAR NOT NULL,
     path VARCHAR NOT NULL,
     params JSON,
     status INTEGER,
     duration_ms DOUBLE
   )`,
  // second edition: an id to finish the row, the actor's name, a stable action name and its detail (SQL text, command line…)
  'ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS id VARCHAR',
  'ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS nick VARCHAR',
  'ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS action VARCHAR',
  'ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS detail JSON',
  // the row is written before the action, so its outcome is unknown at first
  'ALTER TABLE audit_log ALTER COLUMN status DROP NOT NULL',
  'ALTER TABLE audit_log ALTER COLUMN duration_ms DROP NOT NULL',
];

/** The longest detail kept per row (SQL text is capped at 100 000 characters by the sandbox). */
const MAX_DETAIL_CHARS = 200_000;

export interface AuditEntry {
  /** who; null when the caller could not be identified (a refused request) */
  actor: Pick<Principal, 'id' | 'nick' | 'role'> | null;
  /** stable name to filter on: `search`, `sql`, `notebooks.run`, `cli`, `audit_log.read`… */
  action: string;
  method: string;
  path: string;
  /** the query string */
  params?: Record<string, unknown>;
  /** what exactly was done: SQL text and parameters, the CLI command line, … */
  detail?: unknown;
  /** known up front for refusals (401/403); otherwise set by finishAudit */
  status?: number;
}

/** Thrown when the trail cannot be written: the action must not run. */
export function auditUnavailable(cause: unknown): InputError {
  return new InputError('audit_unavailable', `감사 기록(audit_log)을 남길 수 없어 요청을 실행하지 않았습니다: ${String((cause as Error)?.message ?? cause).split('\n')[0].slice(0, 200)}`, {
    status: 503,
    cause,
  });
}

function boundedDetail(detail: unknown): string | null {
  if (detail === undefined) return null;
  const text = JSON.stringify(jsonSafe(detail));
  if (text.length <= MAX_DETAIL_CHARS) return text;
  return JSON.stringify({ truncated: true, chars: text.length, head: text.slice(0, MAX_DETAIL_CHARS) });
}

/** Write one audit row; resolves to its id, or throws a 503 InputError when it cannot be written. */
export async function recordAudit(db: Database, e: AuditEntry): Promise<string> {
  const id = crypto.randomUUID();
  try {
    await db.lane('audit').run('INSERT INTO audit_log (id, ts, user_id, nick, role, action, method, path, params, detail, status) VALUES (?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      id,
      e.actor?.id ?? null,
      e.actor?.nick ?? null,
      e.actor?.role ?? null,
      e.action,
      e.method,
      e.path,
      JSON.stringify(jsonSafe(e.params ?? {})),
      boundedDetail(e.detail),
      e.status ?? null,
    ]);
  } catch (err) {
    log.error({ err, action: e.action, actor: e.actor?.id }, 'could not write audit_log: refusing the action');
    throw auditUnavailable(err);
  }
  return id;
}

/**
 * Add the outcome to a recorded action (best effort: the row that matters
 * exists already). The response need not wait for it: the audit lane writes
 * in order, so an audited read of the trail (itself recorded first) sees it;
 * a reader in this process without a row of its own waits with auditWritten().
 */
export async function finishAudit(db: Database, id: string, status: number, durationMs: number): Promise<void> {
  await db
    .lane('audit')
    .run('UPDATE audit_log SET status = ?, duration_ms = ? WHERE id = ?', [status, Math.round(durationMs * 100) / 100, id])
    .catch((err: unknown) => log.error({ err, id }, 'could not record the outcome of an audited action'));
}

/** Resolves once the audit rows and outcomes written so far in this process are stored. */
export function auditWritten(db: Database): Promise<void> {
  return db.lane('audit').settled();
}

export interface AuditQuery {
  limit?: string;
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
}

export interface AuditLogEntry {
  id: string | null;
  /** epoch ms */
  ts: number;
  /** the same instant, ISO 8601 with the reporting zone's offset */
  time: string;
  actor: { id: string | null; nick: string | null; role: string | null };
  action: string;
  method: string;
  path: string;
  params: Record<string, unknown>;
  detail: unknown;
  status: number | null;
  duration_ms: number | null;
}

export const AUDIT_LOG_MAX = 1000;

/**
 * An instant from a query parameter: epoch ms, ISO 8601, or a local date
 * (YYYY-MM-DD in TZ_REPORTS; `to` includes the whole day).
 */
function instant(value: string, name: string, tz: string, end: boolean): number {
  if (/^\d{1,16}$/.test(value)) return Number(value);
  if (isDate(value)) {
    const r = dayRange(value, tz);
    return end ? r.end : r.start;
  }
  const t = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}T/.test(value) && Number.isFinite(t)) return t + (end ? 1 : 0);
  throw new InputError('bad_parameter', `${name}은(는) epoch ms, ISO 8601 시각 또는 YYYY-MM-DD 날짜여야 합니다 (받은 값: "${value.slice(0, 60)}")`);
}

/** The newest audit rows matching the filters (newest first). */
export async function listAuditLog(db: Database, q: AuditQuery, tz: string): Promise<{ entries: AuditLogEntry[]; limit: number }> {
  const limit = q.limit === undefined || q.limit === '' ? 100 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_LOG_MAX) throw new InputError('bad_parameter', `limit은(는) 1–${AUDIT_LOG_MAX} 사이의 정수여야 합니다 (받은 값: "${q.limit}")`);
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.actor) {
    where.push('(user_id = ? OR nick = ?)');
    args.push(q.actor, q.actor);
  }
  if (q.action) {
    // `sql` matches `sql`; `notebooks` matches every `notebooks.*` action
    where.push("(action = ? OR starts_with(action, ? || '.'))");
    args.push(q.action, q.action);
  }
  if (q.from) {
    where.push('epoch_ms(ts) >= ?');
    args.push(instant(q.from, 'from', tz, false));
  }
  if (q.to) {
    where.push('epoch_ms(ts) < ?');
    args.push(instant(q.to, 'to', tz, true));
  }
  await auditWritten(db); // outcomes still being written (finishAudit) are part of the answer
  const rows = await db.all<{
    id: string | null;
    ms: number;
    user_id: string | null;
    nick: string | null;
    role: string | null;
    action: string | null;
    method: string;
    path: string;
    params: string | null;
    detail: string | null;
    status: number | null;
    duration_ms: number | null;
  }>(
    `SELECT id, epoch_ms(ts) AS ms, user_id, nick, role, action, method, path, params::VARCHAR AS params, detail::VARCHAR AS detail, status, duration_ms
       FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY ts DESC, rowid DESC LIMIT ${limit}`,
    args,
  );
  const entries = rows.map((r) => ({
    id: r.id,
    ts: r.ms,
    time: isoInstant(r.ms, tz),
    actor: { id: r.user_id, nick: r.nick, role: r.role },
    action: r.action ?? `${r.method} ${r.path}`,
    method: r.method,
    path: r.path,
    params: r.params ? (JSON.parse(r.params) as Record<string, unknown>) : {},
    detail: r.detail ? (JSON.parse(r.detail) as unknown) : null,
    status: r.status,
    duration_ms: r.duration_ms,
  }));
  return { entries, limit };
}
