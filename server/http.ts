// The one mapping from errors to HTTP answers, and the small request helpers
// every route shares. A caller's mistake is an InputError (core/errors.ts):
// its status and `{"error", "code", …details}`. Anything else is a bug or an
// outage: logged with its stack, answered 500 `{"error":"internal error"}`
// without details (they may hold paths or SQL).
import { Hono, type Context, type Env, type ErrorHandler } from 'hono';
import type { BlankEnv } from 'hono/types';
import { bodyLimit } from 'hono/body-limit';
import { InputError, isInputError } from '../core/errors.ts';
import { logger } from '../core/log.ts';

const log = logger('server.http');

export const onHttpError: ErrorHandler = (err, c) => {
  if (isInputError(err)) return c.json(err.toJSON(), err.status);
  log.error({ err, method: c.req.method, path: c.req.path }, 'request failed');
  return c.json({ error: 'internal error', code: 'internal' }, 500);
};

/** A Hono router that answers errors with onHttpError: every route module starts from one, so the mapping holds also when a router is used alone (tests). */
export function router<E extends Env = BlankEnv>(): Hono<E> {
  const app = new Hono<E>();
  app.onError(onHttpError);
  return app;
}

/** The JSON object a POST/PUT carries, or an InputError naming what is wrong with it. */
export async function jsonBody(c: Context, shape = '{…}'): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new InputError('bad_json', `body must be JSON ${shape}`);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new InputError('bad_json', `body must be a JSON object ${shape}`);
  return body as Record<string, unknown>;
}

/** Refuse bodies over `maxBytes` with 413 before reading them. */
export function maxBody(maxBytes: number) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new InputError('too_large', `body larger than ${maxBytes} bytes`, { status: 413, details: { max_bytes: maxBytes } });
    },
  });
}
