// GET /api/admin/imports/known?source=legacy:<file name> (auditor or admin):
// the ids already stored for one imported file, one per line, streamed. The
// `kchat import-legacy` CLI asks it before producing a file to Kafka when a
// running server holds the database, so its counts stay honest (records
// already stored are duplicates, not imports). Every call is in audit_log.
import { Hono } from 'hono';
import type { Auth } from '../../core/auth.ts';
import type { Database } from '../../core/db.ts';
import { requireAuditor, type AuditEnv } from '../../audit/index.ts';
import { storedIds } from '../../ingest/index.ts';

const SOURCE_RE = /^legacy:[^/\\\n\r\0]{1,255}$/u;

export function importRoutes(deps: { db: Database; auth: Auth }): Hono<AuditEnv> {
  const app = new Hono<AuditEnv>();
  app.use('/api/admin/imports/*', requireAuditor(deps.auth, deps.db));
  app.get('/api/admin/imports/known', (c) => {
    const source = c.req.query('source') ?? '';
    if (!SOURCE_RE.test(source)) return c.json({ error: `source must be "legacy:<file name>", got "${source.slice(0, 80)}"`, code: 'bad_source' }, 400);
    const ids = storedIds(deps.db, source);
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await ids.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value.join('\n') + '\n'));
      },
      async cancel() {
        await ids.return(undefined);
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
  });
  return app;
}
