// The gateway's HTTP side: POST /api/login (a member token for a nick) and
// GET /ws (the websocket upgrade). Refusals before the upgrade are plain
// HTTP answers; everything after it is frames (handlers.ts).
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { WSContext } from 'hono/ws';
import { upgradeWebSocket, type WebSocketLike } from '@hono/node-server';
import type { Auth, Principal } from '../../core/auth.ts';
import { nickProblem } from '../../core/nick.ts';
import { logger } from '../../core/log.ts';
import type { Users } from './users.ts';

const log = logger('gateway');

/** What the routes need from the gateway. */
export interface RouteContext {
  auth: Auth;
  users: Users;
  accepting(): boolean;
  /** a websocket opened for this principal; returns its frame/close handlers, or null when refused */
  connect(principal: Principal, ws: WSContext<WebSocketLike>): { frame(data: unknown): void; close(): void } | null;
}

export function gatewayRoutes(g: RouteContext): Hono<{ Variables: { principal: Principal } }> {
  const r = new Hono<{ Variables: { principal: Principal } }>();
  r.post(
    '/api/login',
    bodyLimit({ maxSize: 4096, onError: (c) => c.json({ error: 'request body is larger than 4096 bytes' }, 413) }),
    async (c) => {
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch (err) {
        return c.json({ error: `body is not valid JSON: ${(err as Error).message}` }, 400);
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body)) return c.json({ error: 'body must be a JSON object {"nick": "…"}' }, 400);
      const raw = (body as Record<string, unknown>).nick;
      if (raw === undefined) return c.json({ error: "missing field 'nick'" }, 400);
      const problem = nickProblem(raw);
      if (problem) return c.json({ error: problem, code: 'bad_nick' }, 400);
      const nick = (raw as string).normalize('NFC').trim();
      if (!g.accepting()) return c.json({ error: 'the gateway is not ready yet' }, 503);
      if (g.users.nickTaken(nick)) return c.json({ error: `nick "${nick}" is already in use by someone online (or looks like one that is)`, code: 'nick_taken' }, 409);
      const issued = g.auth.issueMemberToken(nick);
      g.users.hold(nick, issued.user.id);
      return c.json(issued);
    },
  );
  r.get(
    '/ws',
    async (c, next) => {
      if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return c.json({ error: 'this endpoint needs a websocket upgrade (GET /ws?token=…)' }, 426);
      const principal = await g.auth.verify(c.req.query('token'));
      // rejected before the upgrade: the client sees HTTP 401
      if (!principal) return c.json({ error: 'unauthorized: missing or invalid token' }, 401);
      if (!g.accepting()) return c.json({ error: 'the gateway is not ready yet' }, 503);
      const refusal = g.users.refusal(principal);
      if (refusal?.code === 'too_many_connections') return c.json({ error: refusal.message, code: refusal.code }, 429);
      c.set('principal', principal);
      await next();
    },
    upgradeWebSocket((c) => {
      const principal = c.get('principal');
      let handlers: ReturnType<RouteContext['connect']> = null;
      return {
        onOpen: (_evt, ws) => {
          handlers = g.connect(principal, ws as WSContext<WebSocketLike>);
        },
        onMessage: (evt) => handlers?.frame(evt.data),
        onClose: () => {
          handlers?.close();
          handlers = null;
        },
        onError: (evt) => log.debug({ err: String((evt as ErrorEvent).error ?? evt) }, 'websocket error'),
      };
    }),
  );
  return r;
}
