// Who is connected to this gateway: accounts (LocalUser) with their
// connections (Session), nicks held between a login and its websocket, and
// the per-account limits — connections per account and one frame budget per
// account shared by all its sockets (a second tab is not a second budget).
import type { Principal } from '../../core/auth.ts';
import type { GatewayLimits } from '../../core/config.ts';
import type { Channels } from './channels.ts';
import { foldNick } from './channels.ts';
import { TokenBucket } from './rate-limit.ts';
import type { Outlet } from './sockets.ts';

/** How long a login keeps its nick reserved for the websocket that follows. */
export const LOGIN_HOLD_MS = 60_000;

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
  channels: Set<string>;
}

export type OpenRefusal = { code: 'nick_taken' | 'too_many_connections'; message: string; close: number };

export class Users {
  private readonly byId = new Map<string, LocalUser>();
  private readonly held = new Map<string, { userId: string; until: number }>();
  private sessionCount = 0;

  constructor(
    private readonly limits: GatewayLimits,
    private readonly channels: Channels,
  ) {}

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
    if (!user && this.nickTaken(principal.nick, principal.id)) {
      return { code: 'nick_taken', message: `nick "${principal.nick}" is already in use by someone online; log in with another nick`, close: 4409 };
    }
    return null;
  }

  /** A new connection of this account (call refusal() first). */
  open(principal: Principal, out: Outlet): Session {
    let user = this.byId.get(principal.id);
    if (!user) {
      user = { id: principal.id, nick: principal.nick, sessions: new Set(), bucket: new TokenBucket(this.limits.ratePerSecond, this.limits.rateBurst) };
      this.byId.set(user.id, user);
    }
    this.held.delete(foldNick(principal.nick));
    const session: Session = { n: ++this.sessionCount, user, role: principal.role, out, channels: new Set() };
    user.sessions.add(session);
    return session;
  }

  /** Forget a connection (its channels are the caller's business). */
  remove(s: Session): void {
    s.user.sessions.delete(s);
    if (s.user.sessions.size === 0) this.byId.delete(s.user.id);
  }

  userInChannel(user: LocalUser, channel: string): boolean {
    for (const other of user.sessions) if (other.channels.has(channel)) return true;
    return false;
  }

  channelsOf(user: LocalUser): Set<string> {
    const out = new Set<string>();
    for (const s of user.sessions) for (const c of s.channels) out.add(c);
    return out;
  }

  /** Is this nick (or one that looks like it) worn or just reserved by someone online on any gateway? */
  nickTaken(nick: string, exceptUserId?: string): boolean {
    const folded = foldNick(nick);
    if (this.channels.nickInUse(nick, exceptUserId)) return true;
    for (const u of this.byId.values()) if (u.id !== exceptUserId && foldNick(u.nick) === folded) return true;
    const hold = this.held.get(folded);
    if (hold && hold.until > Date.now() && hold.userId !== exceptUserId) return true;
    if (hold && hold.until <= Date.now()) this.held.delete(folded);
    return false;
  }

  /** Reserve a nick for a user (a login's websocket, a nick change in flight). */
  hold(nick: string, userId: string): void {
    // holds that are never used must not pile up
    if (this.held.size > 256) for (const [k, h] of this.held) if (h.until <= Date.now()) this.held.delete(k);
    this.held.set(foldNick(nick), { userId, until: Date.now() + LOGIN_HOLD_MS });
  }

  release(nick: string): void {
    this.held.delete(foldNick(nick));
  }
}
