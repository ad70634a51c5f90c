// Who is calling: members (open login with a nickname), auditors and admins.
// Member tokens are signed (HMAC) and need no storage; auditor/admin tokens
// are random, stored only as SHA-256 hashes in DuckDB (`users`), and the
// admin token comes from ADMIN_TOKEN or $DATA_DIR/admin-token.
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

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

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

  /** `db` null: a node without DuckDB (a gateway only) knows the admin token and signed member tokens, not stored users. */
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

  /** Open-mode login: a member token for a nickname (the caller validates the nick). */
  issueMemberToken(nick: string): { token: string; user: { id: string; nick: string } } {
    const id = 'u_' + crypto.randomBytes(8).toString('hex');
    const payload = Buffer.from(JSON.stringify({ id, nick, role: 'member', iat: Date.now() })).toString('base64url');
    return { token: `${payload}.${this.sign(payload)}`, user: { id, nick } };
  }

  /** `kchat users add NAME --role R`: a stored user and its token (printed once, kept only as a hash). */
  async createUser(name: string, role: Role): Promise<{ id: string; name: string; role: Role; token: string }> {
    if (!this.db) throw new Error('this node has no database (a gateway only): create users on a node that runs ingest');
    const token = newToken();
    const id = 'u_' + crypto.randomBytes(8).toString('hex');
    await this.db.run('INSERT INTO users (id, name, role, token_hash) VALUES (?, ?, ?, ?)', [id, name, role, sha256(token)]);
    return { id, name, role, token };
  }

  /** The principal a bearer token stands for, or null when the token is not valid. */
  async verify(token: string | null | undefined): Promise<Principal | null> {
    if (!token || token.length > 4096) return null;
    if (sameToken(token, this.admin)) return { id: 'admin', nick: 'admin', role: 'admin' };
    const dot = token.indexOf('.');
    if (dot > 0) return this.verifySigned(token.slice(0, dot), token.slice(dot + 1));
    if (!this.db) return null;
    const hash = sha256(token);
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
    try {
      const p = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<Principal>;
      if (typeof p.id !== 'string' || typeof p.nick !== 'string' || p.role !== 'member') return null;
      return { id: p.id, nick: p.nick, role: 'member' };
    } catch {
      return null;
    }
  }
}
