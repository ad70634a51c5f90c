// POST /hooks/airflow: Airflow's on_success/on_failure callbacks (see
// bots/airflow/kchat_notifier.py). The route only moves bytes; token, size,
// schema and the post to #ops live in bots/system/airflow.ts.
import { Hono } from 'hono';
import { bearerToken } from '../../core/auth.ts';
import type { Config } from '../../core/config.ts';
import { InputError } from '../../core/errors.ts';
import type { Envelope } from '../../core/envelope.ts';
import { hookToken, sameToken } from '../../core/secrets.ts';
import { handleAirflowHook, HOOK_MAX_BYTES, runningBots } from '../../bots/index.ts';
import { maxBody, router } from '../http.ts';

export interface HooksDeps {
  config: Config;
  /** where posts go; default: the bots running in this process (503 when they are off) */
  publish?: (e: Envelope) => Promise<void>;
  now?: () => number;
}

export function hooksRoutes(deps: HooksDeps): Hono {
  const app = router();
  const expected = hookToken(deps.config);
  app.post(
    '/hooks/airflow',
    // Check the token before reading a byte of an oversized body, so strangers learn nothing about limits.
    async (c, next) => {
      const presented = bearerToken(c.req.header('authorization'));
      if (!presented) throw new InputError('unauthorized', 'missing Authorization: Bearer <HOOK_TOKEN>', { status: 401 });
      if (!sameToken(presented, expected)) throw new InputError('unauthorized', 'invalid hook token', { status: 401 });
      await next();
    },
    maxBody(HOOK_MAX_BYTES),
    async (c) => {
      const publish = deps.publish ?? runningBots()?.publish ?? null;
      const r = await handleAirflowHook(
        { authorization: c.req.header('authorization'), body: await c.req.text() },
        { expectedToken: expected, sameToken, tz: deps.config.tzReports, now: deps.now ?? Date.now, publish },
      );
      return c.json(r.body, r.status);
    },
  );
  return app;
}

/** The hooks as a server Part (server/part.ts). */
export function hooksPart(deps: HooksDeps) {
  return { name: 'hooks', routes: (app: Hono) => void app.route('/', hooksRoutes(deps)) };
}
