// Accounts in memory, rebuilt from chat.accounts (accounts/records.ts) by
// every process that needs them. Records are applied in log order; a
// conditional record (a claim, a rename) whose condition does not hold at its
// place in the log is refused, the same way on every node — so two gateways
// that claim one nick at the same moment agree on who got it: the first claim
// in the log. A writer learns the outcome of its own record with outcome().
import type { Role } from '../core/auth.ts';
import { nickSkeleton } from '../core/nick.ts';
import { accountRecord, type AccountRecord } from './records.ts';
import type { StateRecord } from './feed.ts';

/** Two nicks that look alike are one account (core/nick.ts). */
export const foldNick = nickSkeleton;

export type AccountStatus = 'reserved' | 'active' | 'disabled';

export interface Account {
  /** stable user id (`u_…`), the same across logins, devices and nick changes */
  id: string;
  nick: string;
  folded: string;
  role: Role;
  /** reserved: a nick seen before accounts existed, waiting for its first login with a password */
  status: AccountStatus;
  /** scrypt hash (accounts/password.ts), null for token-only and reserved accounts */
  password: string | null;
  /** SHA-256 of the bearer token of `kchat users add` (auditors, admins) */
  tokenHash: string | null;
  /** token version: bumped by every password or token change and by disabling, so older tokens stop working */
  tv: number;
  created: number;
  updated: number;
}

/** What became of one record: applied, or refused with a reason. */
export type Outcome = { ok: true } | { ok: false; reason: 'nick_taken' | 'unknown_account' | 'not_reserved' | 'id_taken' };

export type AccountListener = (change: { record: AccountRecord; account: Account | null; outcome: Outcome; offset: number; live: boolean }) => void;

const KEEP_OUTCOMES = 4096;

export class AccountBook {
  private readonly byId = new Map<string, Account>();
  private readonly byFolded = new Map<string, Account>();
  private readonly byToken = new Map<string, Account>();
  private readonly outcomes = new Map<number, Outcome>();
  private readonly listeners = new Set<AccountListener>();

  /** The feed's apply function for chat.accounts. */
  readonly apply = (r: StateRecord, live: boolean): void => {
    const parsed = accountRecord.safeParse(r.value);
    if (!parsed.success) throw new Error(`not an account record: ${parsed.error.issues[0]?.message}`);
    const record = parsed.data;
    const outcome = this.applyRecord(record);
    this.outcomes.set(r.offset, outcome);
    if (this.outcomes.size > KEEP_OUTCOMES) this.outcomes.delete(this.outcomes.keys().next().value!);
    const account = this.byId.get(record.id) ?? null;
    for (const l of this.listeners) l({ record, account, outcome, offset: r.offset, live });
  };

  private applyRecord(r: AccountRecord): Outcome {
    const existing = this.byId.get(r.id);
    switch (r.kind) {
      case 'reserve': {
        if (existing) return { ok: false, reason: 'id_taken' };
        const folded = foldNick(r.nick);
        if (this.byFolded.has(folded)) return { ok: false, reason: 'nick_taken' };
        this.add({ id: r.id, nick: r.nick, folded, role: 'member', status: 'reserved', password: null, tokenHash: null, tv: 0, created: r.ts, updated: r.ts });
        return { ok: true };
      }
      case 'claim': {
        const folded = foldNick(r.nick);
        if (existing) {
          // the first login of a nick reserved for this id (migration)
          if (existing.status !== 'reserved' || existing.folded !== folded) return { ok: false, reason: 'not_reserved' };
          Object.assign(existing, { nick: r.nick, role: r.role, status: 'active', password: r.password, updated: r.ts });
          this.setToken(existing, r.token_hash);
          return { ok: true };
        }
        if (this.byFolded.has(folded)) return { ok: false, reason: 'nick_taken' };
        const account: Account = { id: r.id, nick: r.nick, folded, role: r.role, status: 'active', password: r.password, tokenHash: null, tv: 0, created: r.ts, updated: r.ts };
        this.add(account);
        this.setToken(account, r.token_hash);
        return { ok: true };
      }
      case 'password':
        if (!existing) return { ok: false, reason: 'unknown_account' };
        existing.password = r.password;
        if (existing.status === 'reserved') existing.status = 'active';
        existing.tv++;
        existing.updated = r.ts;
        return { ok: true };
      case 'token':
        if (!existing) return { ok: false, reason: 'unknown_account' };
        this.setToken(existing, r.token_hash);
        if (existing.status === 'reserved') existing.status = 'active';
        existing.tv++;
        existing.updated = r.ts;
        return { ok: true };
      case 'rename': {
        if (!existing) return { ok: false, reason: 'unknown_account' };
        const folded = foldNick(r.nick);
        const holder = this.byFolded.get(folded);
        if (holder && holder !== existing) return { ok: false, reason: 'nick_taken' };
        this.byFolded.delete(existing.folded);
        existing.nick = r.nick;
        existing.folded = folded;
        existing.updated = r.ts;
        this.byFolded.set(folded, existing);
        return { ok: true };
      }
      case 'disable':
        if (!existing) return { ok: false, reason: 'unknown_account' };
        if (existing.status !== 'disabled') existing.tv++;
        existing.status = 'disabled';
        existing.updated = r.ts;
        return { ok: true };
      case 'enable':
        if (!existing) return { ok: false, reason: 'unknown_account' };
        existing.status = existing.password || existing.tokenHash ? 'active' : 'reserved';
        existing.updated = r.ts;
        return { ok: true };
    }
  }

  private add(a: Account): void {
    this.byId.set(a.id, a);
    this.byFolded.set(a.folded, a);
  }

  private setToken(a: Account, hash: string | null): void {
    if (a.tokenHash) this.byToken.delete(a.tokenHash);
    a.tokenHash = hash;
    if (hash) this.byToken.set(hash, a);
  }

  /** Be told about every applied (or refused) record; returns the unsubscribe function. */
  onChange(listener: AccountListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What became of the record at `offset` (after the feed applied it). */
  outcome(offset: number): Outcome | undefined {
    return this.outcomes.get(offset);
  }

  byUserId(id: string): Account | undefined {
    return this.byId.get(id);
  }

  /** The account whose nick looks like `nick` (compared as core/nick.ts folds), if any. */
  byNick(nick: string): Account | undefined {
    return this.byFolded.get(foldNick(nick));
  }

  byFoldedNick(folded: string): Account | undefined {
    return this.byFolded.get(folded);
  }

  byTokenHash(hash: string): Account | undefined {
    return this.byToken.get(hash);
  }

  all(): IterableIterator<Account> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }
}
