// Who may use the audit API, and the record of what they did. Every request
// to an audit route — allowed or refused — becomes one `audit_log` row
// (who, role, method, path, query, status, duration), written after the
// response status is known.
import type { MiddlewareHandler } from 'hono';
import { bearerToken, hasRole, type Auth, type Principal } from '../core/auth.ts';
import type { Database } from '../core/db.ts';
import { jsonSafe } from '../core/text.ts';
import { logger } from '../core/log.ts';

const log = logger('audit.access');

export const AUDIT_LOG_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS audit_log (
     ts TIMESTAMPTZ NOT NULL,
     user_id VARCHAR,
     role VARCHAR,
     method VARCHAR NOT NULL,
     path VARCHAR NOT NULL,
     params JSON,
     status INTEGER NOT NULL,
     duration_ms DOUBLE NOT NULL
   )`,
];

export type AuditEnv = { Variables: { principal: Principal } };

/**
 * Hono middleware: a valid auditor or admin token or 401/403, and one
 * audit_log row per request. `c.get('principal')` is set for handlers.
 */
export function requireAuditor(auth: Auth, db: Database): MiddlewareHandler<AuditEnv> {
  return async (c, next) => {
    const started = performance.now();
    let principal: Principal | null = null;
    try {
      principal = await auth.verify(bearerToken(c.req.header('authorization')));
      if (!principal) {
        c.res = c.json({ error: c.req.header('authorization') ? 'invalid token' : 'missing Authorization: Bearer <token>' }, 401);
      } else if (!hasRole(principal.role, 'auditor')) {
        c.res = c.json({ error: `the audit API needs an auditor or admin; ${principal.nick} is a ${principal.role}` }, 403);
      } else {
        c.set('principal', principal);
        await next();
      }
    } finally {
      const url = new URL(c.req.url);
      const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
      await db
        .run('INSERT INTO audit_log (ts, user_id, role, method, path, params, status, duration_ms) VALUES (now(), ?, ?, ?, ?, ?, ?, ?)', [
          principal?.id ?? null,
          principal?.role ?? null,
          c.req.method,
          url.pathname,
          JSON.stringify(jsonSafe(params)),
          c.res.status,
          Math.round((performance.now() - started) * 100) / 100,
        ])
        .catch((err: unknown) => log.error({ err }, 'could not write audit_log'));
    }
  };
}
