// The Hono app of `npm start`: /healthz, every part's routes (gateway login
// and websocket, ingest, bots, audit API…), then the static web UI. Returns
// the app together with the `ws` server that @hono/node-server's serve()
// needs for websocket upgrades.
import { Hono } from 'hono';
import { WebSocketServer } from 'ws';
import type { Database } from '../core/db.ts';
import { checkQueryString, onHttpError, securityHeaders } from './http.ts';
import type { Part, PartHealth } from './part.ts';
import { serveWeb, WEB_DIST } from './static.ts';

export interface AppDeps {
  /** null on a node without DuckDB (a gateway only) */
  db: Database | null;
  parts: Part[];
  /** extra facts shown on /healthz (e.g. which broker is used) */
  info?: Record<string, unknown>;
  /** where the built web UI lives (default web/dist) */
  webDist?: string;
}

/** Largest websocket message ws accepts at all; the gateway answers frames over 64 KiB itself with an error frame. */
const WS_MAX_PAYLOAD = 1024 * 1024;

async function partHealth(p: Part): Promise<PartHealth> {
  if (!p.health) return { ok: true };
  try {
    return await Promise.race([
      Promise.resolve(p.health()),
      new Promise<PartHealth>((resolve) => setTimeout(() => resolve({ ok: false, error: 'health check timed out' }), 3000).unref()),
    ]);
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

export function createApp(deps: AppDeps): { app: Hono; websocket: { server: WebSocketServer } } {
  const app = new Hono();
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD });

  // Every route's errors are answered here, once (server/http.ts): InputError → its status and code, anything else → 500.
  app.onError(onHttpError);
  // nosniff and referrer policy everywhere, the Content-Security-Policy on every HTML page (server/http.ts)
  app.use('*', securityHeaders());
  // a query string that is not percent-encoded UTF-8 is a 400 naming the parameter (server/http.ts)
  app.use('*', checkQueryString());

  // 200 once Kafka (the gateway's producer/consumer), DuckDB and every part are up; 503 with details otherwise.
  app.get('/healthz', async (c) => {
    const parts: Record<string, PartHealth> = {};
    const db = deps.db
      ? await deps.db
          .one<{ ok: number }>('SELECT 1 AS ok')
          .then(() => ({ ok: true }))
          .catch((err: Error) => ({ ok: false, error: err.message }))
      : { ok: true, none: 'this node runs neither ingest nor bots (KCHAT_INGEST=0, KCHAT_BOTS=0)' };
    for (const p of deps.parts) parts[p.name] = await partHealth(p);
    const ok = db.ok && Object.values(parts).every((h) => h.ok);
    return c.json({ status: ok ? 'ok' : 'unavailable', duckdb: db, parts, ...deps.info }, ok ? 200 : 503);
  });

  for (const p of deps.parts) p.routes?.(app);
  serveWeb(app, deps.webDist ?? WEB_DIST);
  return { app, websocket: { server: wss } };
}
