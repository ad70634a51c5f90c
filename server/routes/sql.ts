// POST /api/sql {sql, params?} → {"columns":[…],"rows":[[…]]} (plus types and
// truncated), or 4xx {"error","code"}. Auditors and admins only; the statement
// runs in the SQL sandbox (audit/sql/sandbox.ts).
import { Hono, type MiddlewareHandler } from 'hono';
import type { SqlSandbox } from '../../audit/index.ts';
import { router, validBody } from '../http.ts';
import { sqlRequestSchema } from '../schemas.ts';

export function sqlRoutes(sandbox: () => SqlSandbox, guard: MiddlewareHandler): Hono {
  const app = router();
  app.use('/api/sql', guard);
  app.post('/api/sql', async (c) => {
    const body = await validBody(c, sqlRequestSchema, 'bad_sql');
    const r = await sandbox().query(body.sql, body.params ?? undefined);
    return c.json({ columns: r.columns, rows: r.rows, types: r.types, truncated: r.truncated });
  });
  return app;
}
