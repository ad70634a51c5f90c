// The gateway's HTTP side: GET /ws (the websocket upgrade; logins are
// server/routes/accounts.ts). Refusals before the upgrade are plain HTTP
// answers (401 for a missing, forged, expired or stale token); everything
// after it is frames (handlers/).
import { Hono } from 'hono';
import type { WSContext } from 'hono/ws';
import { upgradeWebSocket, type WebSocketLike } from '@hono/node-server';
import type { Auth, Principal } from '../../core/auth.ts';
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
  r.get(
    '/ws',
    async (c, next) => {
      if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return c.json({ error: 'this endpoint needs a websocket upgrade (GET /ws?token=…)' }, 426);
      const principal = await g.auth.verify(c.req.query('token'));
      // rejected before the upgrade: the client sees HTTP 401
      if (!principal) return c.json({ error: '로그인이 만료되었거나 올바르지 않은 토큰입니다 (unauthorized: missing, invalid, expired or replaced token)', code: 'unauthorized' }, 401);
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
