// POST /api/sql {sql, params?} → {"columns":[…],"rows":[[…]]} (plus types and
// truncated), or 4xx {"error","code"}. Auditors and admins only; the statement
// runs in the SQL sandbox (audit/sql/sandbox.ts).
import { Hono, type MiddlewareHandler } from 'hono';
import type { SqlSandbox } from '../../audit/sql/sandbox.ts';
import { InputError } from '../../core/errors.ts';
import { jsonBody, router } from '../http.ts';

export function sqlRoutes(sandbox: () => SqlSandbox, guard: MiddlewareHandler): Hono {
  const app = router();
  app.use('/api/sql', guard);
  app.post('/api/sql', async (c) => {
    const body = await jsonBody(c, '{"sql": "...", "params"?: {...} | [...]}');
    if (typeof body.sql !== 'string') throw new InputError('bad_sql', 'sql must be a string');
    const params = body.params;
    if (params !== undefined && params !== null && typeof params !== 'object') throw new InputError('bad_param', 'params must be an object ($name) or an array ($1, ?)');
    const r = await sandbox().query(body.sql, (params ?? undefined) as Record<string, unknown> | unknown[] | undefined);
    return c.json({ columns: r.columns, rows: r.rows, types: r.types, truncated: r.truncated });
  });
  return app;
}
