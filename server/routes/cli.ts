// POST /api/admin/cli {argv, cwd}: runs a `kchat` command line inside this
// server, which owns the DuckDB file. Admin token only. The CLI uses it
// automatically when it finds the database locked by a running server.
import { Hono } from 'hono';
import type { Auth } from '../../core/auth.ts';
import type { Config } from '../../core/config.ts';
import type { Database } from '../../core/db.ts';
import type { KafkaClient } from '../../core/kafka.ts';
import { runCommandLine } from '../../cli/run.ts';
import type { CliContext } from '../../cli/context.ts';

export interface CliRouteDeps {
  config: Config;
  db: Database;
  auth: Auth;
  kafka: KafkaClient;
}

export function cliRoutes(deps: CliRouteDeps): Hono {
  const app = new Hono();
  app.post('/api/admin/cli', async (c) => {
    const header = c.req.header('authorization') ?? '';
    const principal = await deps.auth.verify(header.replace(/^Bearer\s+/i, ''));
    if (!principal) return c.json({ error: 'missing or invalid token' }, 401);
    if (principal.role !== 'admin') return c.json({ error: 'admin role required' }, 403);
    let body: { argv?: unknown; cwd?: unknown };
    try {
      body = await c.req.json();
    } catch {
      return c.json({ error: 'body must be JSON {argv, cwd}' }, 400);
    }
    if (!Array.isArray(body.argv) || !body.argv.every((a) => typeof a === 'string')) return c.json({ error: 'argv must be an array of strings' }, 400);
    let stdout = '';
    let stderr = '';
    const io = { out: { write: (s: string) => void (stdout += s) }, err: { write: (s: string) => void (stderr += s) } };
    const ctx: CliContext = {
      config: deps.config,
      db: deps.db,
      auth: deps.auth,
      out: io.out,
      err: io.err,
      interactive: false,
      cwd: typeof body.cwd === 'string' ? body.cwd : process.cwd(),
      kafka: async () => deps.kafka,
    };
    const code = await runCommandLine(body.argv as string[], io, async () => ({ ctx, close: async () => undefined }));
    return c.json({ stdout, stderr, code });
  });
  return app;
}
