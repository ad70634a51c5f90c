// Who may use the privileged API (auditors, admins), and the record of what
// they did. Every request to a guarded route — allowed or refused — becomes one
// `audit_log` row (audit/trail.ts): who, which action, its detail (SQL text,
// notebook, command line…), the query string, then the status and duration.
// An allowed request's row is written BEFORE the route runs; if it cannot be
// written the route does not run and the caller gets 503.
import type { Context, MiddlewareHandler } from 'hono';
import crypto from 'node:crypto';
import { bearerToken, hasRole, type Auth, type Principal, type Role } from '../core/auth.ts';
import type { Database } from '../core/db.ts';
import { InputError } from '../core/errors.ts';
import { finishAudit, recordAudit } from './trail.ts';

export { AUDIT_LOG_SCHEMA } from './trail.ts';

export type AuditEnv = { Variables: { principal: Principal } };

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** The JSON body of the request, when it has one (Hono caches it: the route reads the same). */
async function body(c: Context): Promise<Record<string, unknown>> {
  try {
    const b: unknown = await c.req.json();
    return b && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The stable action name and the detail worth keeping for a guarded request.
 * One table for the whole privileged surface: add a line when adding a route.
 */
async function describe(c: Context): Promise<{ action: string; detail?: unknown }> {
  const m = c.req.method;
  const p = c.req.path;
  const query = (name: string) => c.req.query(name);
  if (p === '/api/search') return { action: 'search', detail: { q: query('q') ?? null } };
  if (p === '/api/search/export') return { action: 'search.export', detail: { q: query('q') ?? null, format: 'csv' } };
  if (p.startsWith('/api/stats/')) return { action: `stats.${p.slice('/api/stats/'.length)}` };
  if (p === '/api/sql') {
    const b = await body(c);
    return { action: 'sql', detail: { sql: b.sql ?? null, params: b.params ?? null } };
  }
  if (p === '/api/audit-log') return { action: 'audit_log.read' };
  const msg = /^\/api\/messages\/([^/]+)(\/context)?\/?$/.exec(p);
  if (msg) return { action: msg[2] ? 'messages.context' : 'messages.read', detail: { id: safeDecode(msg[1]) } };
  if (p === '/api/admin/export') return { action: 'export', detail: { from: query('from') ?? null, to: query('to') ?? null, channel: query('channel') ?? null, format: query('format') ?? 'jsonl' } };
  if (p === '/api/audit/me') return { action: 'audit.sign_in' };
  if (p === '/api/admin/cli') {
    const b = await body(c);
    const files = b.files && typeof b.files === 'object' ? Object.entries(b.files as Record<string, unknown>) : [];
    return {
      action: 'cli',
      detail: {
        argv: Array.isArray(b.argv) ? b.argv : null,
        command_line: Array.isArray(b.argv) ? ['kchat', ...b.argv.map(String)].join(' ') : null,
        // the files' content is the user's; the trail keeps what identifies it
        files: files.map(([name, content]) => ({ name, bytes: typeof content === 'string' ? Math.floor((content.length * 3) / 4) : null, sha256: typeof content === 'string' ? sha256(content) : null })),
      },
    };
  }
  const nb = /^\/api\/notebooks(?:\/([^/]+)(?:\/(run|runs|cells)(?:\/([^/]+)(?:\/(run))?)?)?)?\/?$/.exec(p);
  if (nb) {
    const [, name, sub, cell, cellRun] = nb;
    if (!name) return m === 'POST' ? { action: 'notebooks.create', detail: await body(c) } : { action: 'notebooks.list' };
    const decoded = safeDecode(name);
    if (!sub) {
      if (m === 'PUT') {
        const b = await body(c);
        const text = typeof b.text === 'string' ? b.text : JSON.stringify(b);
        return { action: 'notebooks.save', detail: { name: decoded, chars: text.length, sha256: sha256(text) } };
      }
      return { action: 'notebooks.read', detail: { name: decoded } };
    }
    if (sub === 'run') {
      const b = await body(c);
      return { action: 'notebooks.run', detail: { name: decoded, params: b.params ?? {}, unsaved_edit: Boolean(b.notebook) } };
    }
    if (sub === 'cells' && cellRun) {
      const b = await body(c);
      return { action: 'notebooks.run_cell', detail: { name: decoded, cell: safeDecode(cell ?? ''), params: b.params ?? {}, unsaved_edit: Boolean(b.notebook) } };
    }
    if (sub === 'cells') return { action: 'notebooks.csv', detail: { name: decoded, cell: safeDecode(cell ?? '') } };
    return { action: 'notebooks.runs', detail: { name: decoded } };
  }
  return { action: `${m} ${p}` };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Hono middleware: a valid token of at least `needed` role, or 401/403; one
 * audit_log row per request, written before the route runs (503 when it
 * cannot be). `c.get('principal')` is set for handlers.
 */
export function requireRole(auth: Auth, db: Database, needed: Role): MiddlewareHandler<AuditEnv> {
  return async (c, next) => {
    const started = performance.now();
    const url = new URL(c.req.url);
    const base = { method: c.req.method, path: url.pathname, params: Object.fromEntries(url.searchParams) };
    const principal = await auth.verify(bearerToken(c.req.header('authorization')));
    let refusal: InputError | null = null;
    if (!principal) {
      refusal = new InputError('unauthorized', c.req.header('authorization') ? 'invalid token' : 'missing Authorization: Bearer <token>', { status: 401 });
    } else if (!hasRole(principal.role, needed)) {
      const who = needed === 'admin' ? 'an admin' : 'an auditor or admin';
      refusal = new InputError('forbidden', `this API needs ${who}; ${principal.nick} is a ${principal.role}`, { status: 403 });
    }
    if (refusal) {
      // a refusal runs nothing: it is recorded when possible, and refused either way
      await recordAudit(db, { ...base, actor: principal, action: 'refused', status: refusal.status, detail: (await describe(c)).action }).catch(() => undefined);
      throw refusal;
    }
    const what = await describe(c);
    const id = await recordAudit(db, { ...base, actor: principal, ...what });
    c.set('principal', principal!);
    try {
      await next();
    } finally {
      // not awaited: the response goes out while the outcome is written (finishAudit)
      void finishAudit(db, id, c.res.status, performance.now() - started);
    }
  };
}

/** Auditors and admins (the audit API, SQL, notebooks). */
export function requireAuditor(auth: Auth, db: Database): MiddlewareHandler<AuditEnv> {
  return requireRole(auth, db, 'auditor');
}

/** Admins only (remote CLI, the audit log). */
export function requireAdmin(auth: Auth, db: Database): MiddlewareHandler<AuditEnv> {
  return requireRole(auth, db, 'admin');
}
