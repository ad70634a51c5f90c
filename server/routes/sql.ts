// POST /api/sql {sql, params?} → {"columns":[…],"rows":[[…]]} (plus types and
// truncated), or 4xx {"error"}. Auditors and admins only; the statement runs
// in the SQL sandbox (audit/sql/sandbox.ts).
import { Hono, type MiddlewareHandler } from 'hono';
import { SqlError, type SqlSandbox } from '../../audit/sql/sandbox.ts';

export function sqlRoutes(sandbox: () => SqlSandbox, guard: MiddlewareHandler): Hono {
  const app = new Hono();
  app.use('/api/sql', guard);
  app.post('/api/sql', async (c) => {
    let body: { sql?: unknown; params?: unknown };
    try {
      body = await c.req.json();
    } catch {
      return c.json({ error: 'body must be JSON {"sql": "...", "params"?: {...} | [...]}' }, 400);
    }
    if (!body || typeof body !== 'object') return c.json({ error: 'body must be a JSON object' }, 400);
    if (typeof body.sql !== 'string') return c.json({ error: 'sql must be a string' }, 400);
    const params = body.params;
    if (params !== undefined && params !== null && typeof params !== 'object') return c.json({ error: 'params must be an object ($name) or an array ($1, ?)' }, 400);
    try {
      const r = await sandbox().query(body.sql, (params ?? undefined) as Record<string, unknown> | unknown[] | undefined);
      return c.json({ columns: r.columns, rows: r.rows, types: r.types, truncated: r.truncated });
    } catch (err) {
      if (err instanceof SqlError) return c.json({ error: err.message }, err.status as 400 | 408);
      throw err;
    }
  });
  return app;
}
