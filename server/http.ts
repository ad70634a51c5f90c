// The one mapping from errors to HTTP answers, and the small request helpers
// every route shares. A caller's mistake is an InputError (core/errors.ts):
// its status and `{"error", "code", …details}`. Anything else is a bug or an
// outage: logged with its stack, answered 500 `{"error":"internal error"}`
// without details (they may hold paths or SQL).
import { Hono, type Context, type Env, type ErrorHandler, type MiddlewareHandler } from 'hono';
import type { BlankEnv } from 'hono/types';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { InputError, isInputError } from '../core/errors.ts';
import { logger } from '../core/log.ts';

const log = logger('server.http');

export const onHttpError: ErrorHandler = (err, c) => {
  if (isInputError(err)) return c.json(err.toJSON(), err.status);
  log.error({ err, method: c.req.method, path: c.req.path }, 'request failed');
  return c.json({ error: 'internal error', code: 'internal' }, 500);
};

/**
 * The Content-Security-Policy of every HTML page kchat serves: scripts only
 * from our own files (no inline script, no eval), nothing loaded from other
 * sites, no plugins, no <base> tricks, never framed. Styles allow inline
 * because CodeMirror, Observable Plot and swagger-ui set style attributes.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Security headers on every response; the CSP on every HTML one (set after the route answered, so no route can forget). */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.res.headers.set('x-content-type-options', 'nosniff');
    c.res.headers.set('referrer-policy', 'no-referrer');
    if ((c.res.headers.get('content-type') ?? '').startsWith('text/html')) {
      c.res.headers.set('content-security-policy', CONTENT_SECURITY_POLICY);
      c.res.headers.set('x-frame-options', 'DENY');
    }
  };
}

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

/** The JSON body checked against a zod schema (server/schemas.ts); an InputError naming the first wrong fields otherwise. */
export async function validBody<T extends z.ZodType>(c: Context, schema: T, code = 'bad_body'): Promise<z.infer<T>> {
  const raw = await jsonBody(c);
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const why = r.error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `field '${i.path.join('.')}': ${i.message}` : i.message))
    .join('; ');
  throw new InputError(code, why);
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

/** How to send a query with Korean or spaces in it: the sentence every malformed-URL answer carries. */
export const URL_ENCODING_HINT = "percent-encode the query string, e.g. curl -G --data-urlencode 'q=점심' URL (한글·공백은 퍼센트 인코딩해서 보내 주세요)";

/**
 * A query string whose %-escapes are not UTF-8 (`%zz`, `%ED%A0`) is refused
 * with 400 `bad_url` naming the parameter, instead of being read as the
 * literal text (Hono keeps an undecodable value as it was).
 */
export function checkQueryString(): MiddlewareHandler {
  return async (c, next) => {
    const url = c.req.url;
    const at = url.indexOf('?');
    if (at >= 0 && url.includes('%', at)) {
      for (const pair of url.slice(at + 1).split('&')) {
        try {
          decodeURIComponent(pair.replace(/\+/g, ' '));
        } catch {
          const name = pair.split('=')[0].slice(0, 40);
          throw new InputError('bad_url', `query parameter "${name}" is not valid percent-encoded UTF-8 (${pair.slice(0, 60)}): ${URL_ENCODING_HINT}`);
        }
      }
    }
    await next();
  };
}

/**
 * Requests Node's HTTP parser refuses before any route sees them — most often
 * raw (not percent-encoded) Korean in the URL, `curl "…?q=점심"` — get a JSON
 * 400 that says so, instead of Node's bare 400 without a body.
 */
export function answerMalformedRequests(server: { on(event: 'clientError', fn: (err: Error & { code?: string }, socket: import('node:stream').Duplex) => void): unknown }): void {
  server.on('clientError', (err, socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const [status, reason, body] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', { error: 'request headers are too large', code: 'headers_too_large' }]
        : [400, 'Bad Request', { error: `malformed HTTP request (${err.code ?? err.message}): the URL may hold raw non-ASCII characters or spaces; ${URL_ENCODING_HINT}`, code: 'bad_request' }];
    const json = JSON.stringify(body);
    socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(json)}\r\nconnection: close\r\n\r\n${json}`);
  });
}
