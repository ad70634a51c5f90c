// Accounts over HTTP (a Part of `npm start`, wherever the directory is):
//   POST /api/login             {nick, password} → {token, user}; the first login claims the nick
//   POST /api/account/password  {password, new_password} (signed in) → a fresh token; older ones stop working
//   GET  /api/channels          (signed in) → public channels and the private ones you belong to
// The logic is accounts/login.ts; this file is the HTTP side: bodies, the
// caller's address, Retry-After on 429.
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import {
  checkNewPassword,
  DirectoryMirror,
  ensureAuditChannel,
  hashPassword,
  login,
  LoginLimiter,
  migrateFromDatabase,
  verifyPassword,
  type Directory,
  type LoginLimits,
} from '../../accounts/index.ts';
import { bearerToken, type Auth, type Principal } from '../../core/auth.ts';
import type { Config } from '../../core/config.ts';
import type { Database } from '../../core/db.ts';
import { InputError, isInputError } from '../../core/errors.ts';
import type { ChannelInfo } from '../../core/protocol.ts';
import { jsonBody, maxBody, router } from '../http.ts';
import type { Part } from '../part.ts';

export interface AccountRoutesDeps {
  directory: Directory;
  auth: Auth;
  limits: LoginLimits;
  /** KCHAT_TRUST_PROXY: take the caller's address from X-Forwarded-For (behind haproxy/nginx) */
  trustProxy: boolean;
  /** time of a channel's last event, as a gateway in this process saw it */
  lastTs?(channel: string): number | null;
  /** is the process ready to log people in (the directory loaded)? */
  ready(): boolean;
}

function address(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

async function signedIn(auth: Auth, c: Context): Promise<Principal> {
  const token = bearerToken(c.req.header('authorization'));
  const principal = await auth.verify(token);
  if (!principal) {
    throw new InputError('unauthorized', token ? '로그인이 만료되었거나 올바르지 않은 토큰입니다 (invalid or expired token)' : '로그인이 필요합니다: Authorization: Bearer <token> (missing token)', { status: 401 });
  }
  return principal;
}

export function accountRoutes(d: AccountRoutesDeps) {
  const app = router();
  const limiter = new LoginLimiter(d.limits);
  const notReady = () => new InputError('unavailable', '서버가 아직 계정 정보를 읽는 중입니다. 잠시 후 다시 시도하세요 (not ready)', { status: 503 });

  app.post('/api/login', maxBody(4096), async (c) => {
    const body = await jsonBody(c, '{"nick": "…", "password": "…"}');
    if (!d.ready()) throw notReady();
    try {
      return c.json(await login({ directory: d.directory, auth: d.auth, limiter, limits: d.limits }, body, address(c, d.trustProxy)));
    } catch (err) {
      if (isInputError(err) && err.status === 429) c.header('retry-after', String(err.details?.retry_after ?? 60));
      throw err;
    }
  });

  app.post('/api/account/password', maxBody(4096), async (c) => {
    const principal = await signedIn(d.auth, c);
    const body = await jsonBody(c, '{"password": "…", "new_password": "…"}');
    const account = d.directory.accounts.byUserId(principal.id);
    if (!account?.password) throw new InputError('forbidden', '비밀번호로 로그인하는 계정만 비밀번호를 바꿀 수 있습니다 (not a password account)', { status: 403 });
    const key = `account ${account.folded}`;
    limiter.check(key, `address ${address(c, d.trustProxy)}`);
    if (typeof body.password !== 'string' || !(await verifyPassword(body.password, account.password))) {
      limiter.fail(key);
      throw new InputError('wrong_password', '지금 비밀번호가 맞지 않습니다 (wrong password)', { status: 401 });
    }
    const next = await hashPassword(checkNewPassword(body.new_password));
    await d.directory.setPassword(account, next, { id: account.id, nick: account.nick, role: account.role });
    const issued = d.auth.issueToken(d.directory.accounts.byUserId(account.id)!);
    return c.json({ token: issued.token, user: issued.user, expires: issued.expires });
  });

  app.get('/api/channels', async (c) => {
    const principal = await signedIn(d.auth, c);
    const channels: ChannelInfo[] = [];
    for (const def of d.directory.channels.all()) {
      const joined = def.members.has(principal.id);
      if (def.private && !joined) continue;
      const info: ChannelInfo = { name: def.name, private: def.private, members: def.members.size, last_ts: d.lastTs?.(def.name) ?? def.changed, joined };
      if (def.dm) {
        info.dm = true;
        info.with = def.dm.filter((id) => id !== principal.id).map((id) => d.directory.accounts.byUserId(id)?.nick ?? id);
      }
      channels.push(info);
    }
    channels.sort((a, b) => (b.last_ts ?? 0) - (a.last_ts ?? 0) || a.name.localeCompare(b.name, 'ko'));
    return c.json({ channels });
  });

  return app;
}

export interface AccountsPartDeps extends Omit<AccountRoutesDeps, 'ready' | 'limits' | 'trustProxy'> {
  config: Config;
  /** the DuckDB file, where this node has one: migration from it (ingest nodes) and the mirror into it */
  db: Database | null;
}

/**
 * The accounts part: the directory (read from Kafka at start, kept current),
 * its HTTP routes, and where this node has the DuckDB file and runs ingest:
 * the one-time migration and the mirror tables. The scheduler node keeps
 * #audit private to auditors and admins.
 */
export function accountsPart(d: AccountsPartDeps): Part {
  const { config, db, directory } = d;
  const withDb = db && config.run.ingest ? db : null;
  let mirror: DirectoryMirror | null = null;
  let ready = false;
  return {
    name: 'accounts',
    routes: (app) => void app.route('/', accountRoutes({ ...d, limits: config.accounts, trustProxy: config.accounts.trustProxy, ready: () => ready })),
    async start() {
      await directory.start();
      if (withDb) await migrateFromDatabase(directory, withDb);
      if (config.run.scheduler) await ensureAuditChannel(directory);
      if (withDb) {
        mirror = new DirectoryMirror(directory, withDb);
        await mirror.start();
      }
      ready = true;
    },
    async stop() {
      ready = false;
      await mirror?.stop();
      await directory.stop();
    },
    health: () => ({ ...directory.health(), ok: ready && directory.health().ok }),
  };
}
