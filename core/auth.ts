// Who is calling: members, auditors and admins.
// Session tokens (from POST /api/login) are signed (HMAC) and name an account
// by id with its token version; with the accounts directory attached
// (accounts/, every server) a token is valid only while its account is active
// and its version current, so a password reset or a disable ends every
// session at once. Auditor/admin bearer tokens are random and known only as
// SHA-256 hashes (in the accounts directory; DuckDB `users` holds those made
// before it). The admin token comes from ADMIN_TOKEN or $DATA_DIR/admin-token.
import crypto from 'node:crypto';
import type { Config } from './config.ts';
import type { Database } from './db.ts';
import { adminToken, fileToken, newToken, sameToken } from './secrets.ts';

export const ROLES = ['member', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  id: string;
  nick: string;
  role: Role;
}

/** What Auth needs to know about accounts (implemented by the accounts directory, accounts/). */
export interface AccountView {
  id: string;
  nick: string;
  role: Role;
  status: 'reserved' | 'active' | 'disabled';
  /** token version: a token carrying another one is stale */
  tv: number;
}
export interface AccountLookup {
  byUserId(id: string): AccountView | undefined;
  byTokenHash(sha256hex: string): AccountView | undefined;
}

/** How long a session token is valid after login. */
export const SESSION_MS = 30 * 24 * 3600_000;

export const USERS_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS users (
     id VARCHAR PRIMARY KEY,
     name VARCHAR NOT NULL,
     role VARCHAR NOT NULL,
     token_hash VARCHAR NOT NULL UNIQUE,
     created_at TIMESTAMPTZ NOT NULL DEFAULT now()
   )`,
];

/** The token of an `Authorization: Bearer <token>` header (the one parser every route uses), or null. */
export function bearerToken(header: string | null | undefined): string | null {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return m ? m[1] : null;
}

export const sha256 = (s: string): string => crypto.createHash('sha256').update(s).digest('hex');

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** May a principal with `role` do what needs `needed`? admin ⊇ auditor ⊇ member. */
export function hasRole(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

export class Auth {
  private readonly secret: Buffer;
  private readonly admin: string;
  private readonly cache = new Map<string, Principal | null>();
  private accounts: AccountLookup | null = null;

  /** `db` null: a node without DuckDB (a gateway only) knows the admin token and the accounts directory. */
  constructor(
    private readonly db: Database | null,
    config: Config,
  ) {
    this.secret = Buffer.from(config.sessionSecret ?? fileToken(config.dataDir, 'session-secret'));
    this.admin = adminToken(config);
  }

  async init(): Promise<void> {
    await this.db?.ensureSchema(USERS_SCHEMA);
  }

  /** Check every token against the accounts directory (servers always do; fixtures without Kafka do not). */
  attach(accounts: AccountLookup): void {
    this.accounts = accounts;
    this.cache.clear();
  }

  /** A session token for an account (login): signed, valid for SESSION_MS while the account keeps its token version. */
  issueToken(account: Pick<AccountView, 'id' | 'nick' | 'role' | 'tv'>, now = Date.now()): { token: string; user: { id: string; nick: string; role: Role }; expires: number } {
    const exp = now + SESSION_MS;
    const payload = Buffer.from(JSON.stringify({ id: account.id, nick: account.nick, role: account.role, tv: account.tv, iat: now, exp })).toString('base64url');
    return { token: `${payload}.${this.sign(payload)}`, user: { id: account.id, nick: account.nick, role: account.role }, expires: exp };
  }

  /** Tests and fixtures without accounts: a member token for a nickname with a fresh id. */
  issueMemberToken(nick: string): { token: string; user: { id: string; nick: string } } {
    const { token, user } = this.issueToken({ id: 'u_' + crypto.randomBytes(8).toString('hex'), nick, role: 'member', tv: 0 });
    return { token, user: { id: user.id, nick: user.nick } };
  }

  /** A stored user in DuckDB `users` (databases without the accounts directory: fixtures, older installs). `kchat users add` writes accounts instead. */
  async createUser(name: string, role: Role): Promise<{ id: string; name: string; role: Role; token: string }> {
    if (!this.db) throw new Error('this node has no database: create users with `kchat users add`, which writes the accounts topic');
    const token = newToken();
    const id = 'u_' + crypto.randomBytes(8).toString('hex');
    await this.db.run('INSERT INTO users (id, name, role, token_hash) VALUES (?, ?, ?, ?)', [id, name, role, sha256(token)]);
    return { id, name, role, token };
  }

  /** The principal a bearer token stands for, or null when the token is not valid (forged, expired, stale, disabled). */
  async verify(token: string | null | undefined): Promise<Principal | null> {
    if (!token || token.length > 4096) return null;
    if (sameToken(token, this.admin)) return { id: 'admin', nick: 'admin', role: 'admin' };
    const dot = token.indexOf('.');
    if (dot > 0) return this.verifySigned(token.slice(0, dot), token.slice(dot + 1));
    const hash = sha256(token);
    if (this.accounts) {
      const a = this.accounts.byTokenHash(hash);
      if (a) return a.status === 'active' ? { id: a.id, nick: a.nick, role: a.role } : null;
    }
    if (!this.db) return null;
    if (this.cache.has(hash)) return this.cache.get(hash) ?? null;
    const row = await this.db.one<{ id: string; name: string; role: string }>('SELECT id, name, role FROM users WHERE token_hash = ?', [hash]);
    const principal = row && isRole(row.role) ? { id: row.id, nick: row.name, role: row.role } : null;
    if (principal) this.cache.set(hash, principal);
    return principal;
  }

  private sign(payload: string): string {
    return crypto.createHmac('sha256', this.secret).update(payload).digest('base64url');
  }

  private verifySigned(payload: string, signature: string): Principal | null {
    const expected = this.sign(payload);
    if (signature.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) return null;
    let p: Partial<Principal> & { tv?: unknown; exp?: unknown };
    try {
      p = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof p;
    } catch {
      return null;
    }
    if (typeof p.id !== 'string' || typeof p.nick !== 'string' || !isRole(p.role)) return null;
    // tokens from before accounts (no expiry, no version) are no longer accepted
    if (typeof p.exp !== 'number' || typeof p.tv !== 'number' || p.exp <= Date.now()) return null;
    if (!this.accounts) return { id: p.id, nick: p.nick, role: p.role };
    const a = this.accounts.byUserId(p.id);
    if (!a || a.status !== 'active' || a.tv !== p.tv) return null;
    // the account's nick and role now (a rename or a role change since the login counts)
    return { id: a.id, nick: a.nick, role: a.role };
  }
}
