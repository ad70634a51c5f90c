// Who is connected to this gateway: accounts (LocalUser) with their
// connections (Session), and the per-account limits — connections per
// account and one frame budget per account shared by all its sockets (a
// second tab is not a second budget). Who an account is and where it belongs
// is the accounts directory's (accounts/); this is only who is here.
import type { Principal } from '../../core/auth.ts';
import type { GatewayLimits } from '../../core/config.ts';
import { TokenBucket } from './rate-limit.ts';
import type { Outlet } from './sockets.ts';

export interface LocalUser {
  id: string;
  nick: string;
  sessions: Set<Session>;
  /** frames of all this account's sockets together */
  bucket: TokenBucket;
}

export interface Session {
  n: number;
  user: LocalUser;
  role: Principal['role'];
  out: Outlet;
  /** channels this connection receives (the account's memberships, followed as they change) */
  channels: Set<string>;
  /** a membership frame (join, leave, create, invite, dm, nick) still being handled: later frames wait for it */
  barrier?: Promise<void>;
}

export type OpenRefusal = { code: 'too_many_connections'; message: string; close: number };

export class Users {
  private readonly byId = new Map<string, LocalUser>();
  private sessionCount = 0;

  constructor(private readonly limits: GatewayLimits) {}

  get(id: string): LocalUser | undefined {
    return this.byId.get(id);
  }

  all(): IterableIterator<LocalUser> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }

  get connections(): number {
    let n = 0;
    for (const u of this.byId.values()) n += u.sessions.size;
    return n;
  }

  /** Why this account may not open another connection now, or null. */
  refusal(principal: Principal): OpenRefusal | null {
    const user = this.byId.get(principal.id);
    if (user && user.sessions.size >= this.limits.connectionsPerUser) {
      return {
        code: 'too_many_connections',
        message: `이 계정은 이미 연결이 ${user.sessions.size}개 열려 있습니다 (최대 ${this.limits.connectionsPerUser}개). 쓰지 않는 탭을 닫아 주세요 (too many connections for one account)`,
        close: 4429,
      };
    }
    return null;
  }

  /** A new connection of this account (call refusal() first); `first`: the account had none here. */
  open(principal: Principal, out: Outlet): { session: Session; first: boolean } {
    let user = this.byId.get(principal.id);
    const first = !user;
    if (!user) {
      user = { id: principal.id, nick: principal.nick, sessions: new Set(), bucket: new TokenBucket(this.limits.ratePerSecond, this.limits.rateBurst) };
      this.byId.set(user.id, user);
    }
    const session: Session = { n: ++this.sessionCount, user, role: principal.role, out, channels: new Set() };
    user.sessions.add(session);
    return { session, first };
  }

  /** Forget a connection; true when it was the account's last one here. */
  remove(s: Session): boolean {
    s.user.sessions.delete(s);
    if (s.user.sessions.size > 0) return false;
    this.byId.delete(s.user.id);
    return true;
  }
}
