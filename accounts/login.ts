// POST /api/login, the logic: the first login of a nick claims it with a
// password (an account with a stable user id); later logins need that
// password. Auditors and admins made with `kchat users add` log in with their
// token as the password. Failed attempts are limited per account and per
// address (sliding window); a limited attempt is refused before any password
// is hashed, with the time to wait.
import crypto from 'node:crypto';
import { sha256, type Auth, type Role } from '../core/auth.ts';
import { InputError } from '../core/errors.ts';
import { nickProblem } from '../core/nick.ts';
import { foldNick, type Account } from './book.ts';
import type { Directory } from './directory.ts';
import { checkNewPassword, hashPassword, MAX_PASSWORD, verifyPassword } from './password.ts';

export interface LoginLimits {
  /** failed logins of one account within the window before it is refused for a while */
  failuresPerAccount: number;
  /** failed logins from one address within the window */
  failuresPerAddress: number;
  windowMs: number;
}

/** Failures in a sliding window, per key. In memory, per gateway (docs/accounts.md says what that means behind a load balancer). */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limits: LoginLimits) {}

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => t > now - this.limits.windowMs);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /** Milliseconds to wait before `key` may try again (0: now). */
  retryAfter(key: string, limit: number, now = Date.now()): number {
    const list = this.recent(key, now);
    if (list.length < limit) return 0;
    return list[list.length - limit] + this.limits.windowMs - now;
  }

  /** Failures of `key` within the window. */
  count(key: string, now = Date.now()): number {
    return this.recent(key, now).length;
  }

  fail(key: string, now = Date.now()): void {
    const list = this.recent(key, now);
    list.push(now);
    this.failures.set(key, list);
    // a flood of distinct keys must not grow without bound
    if (this.failures.size > 100_000) for (const k of [...this.failures.keys()].slice(0, 50_000)) this.failures.delete(k);
  }

  clear(key: string): void {
    this.failures.delete(key);
  }

  /** Throw 429 when either the account or the address is over its limit. */
  check(accountKey: string, addressKey: string): void {
    const wait = Math.max(this.retryAfter(accountKey, this.limits.failuresPerAccount), this.retryAfter(addressKey, this.limits.failuresPerAddress));
    if (wait <= 0) return;
    const secs = Math.ceil(wait / 1000);
    throw new InputError('rate_limited', `로그인 실패가 너무 많습니다. ${secs}초 뒤에 다시 시도하세요 (too many failed logins; retry in ${secs} s)`, {
      status: 429,
      details: { retry_after_ms: wait, retry_after: secs },
    });
  }
}

export interface LoginDeps {
  directory: Directory;
  auth: Auth;
  limiter: LoginLimiter;
  limits: LoginLimits;
}

export interface LoginAnswer {
  token: string;
  user: { id: string; nick: string; role: Role };
  /** true when this login created the account (claimed the nick) */
  created: boolean;
  /** when the token stops working (epoch ms) */
  expires: number;
}

function field(body: Record<string, unknown>, name: string): unknown {
  return body[name];
}

/** One login attempt from `address`. Throws InputError for every refusal (400/401/403/409/429). */
export async function login(deps: LoginDeps, body: unknown, address: string): Promise<LoginAnswer> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new InputError('bad_request', 'body must be a JSON object {"nick": "…", "password": "…"}');
  const rawNick = field(body as Record<string, unknown>, 'nick');
  if (rawNick === undefined) throw new InputError('missing_field', "missing field 'nick'");
  const problem = nickProblem(rawNick);
  if (problem) throw new InputError('bad_nick', problem);
  const nick = (rawNick as string).normalize('NFC').trim();
  const password = field(body as Record<string, unknown>, 'password');
  if (password !== undefined && password !== null && (typeof password !== 'string' || password.length > MAX_PASSWORD * 4)) {
    throw new InputError('bad_password', "field 'password' must be a string");
  }
  const accountKey = `account ${foldNick(nick)}`;
  const addressKey = `address ${address}`;
  deps.limiter.check(accountKey, addressKey);

  let account = deps.directory.accounts.byNick(nick);
  if (account && !sameName(account.nick, nick)) {
    // not a typing variant of the account's nick but a look-alike of it (Cyrillic о for o, 0 for O, I for l…)
    throw new InputError('nick_taken', `"${nick}"은(는) 이미 있는 계정 "${account.nick}"과(와) 똑같아 보여 쓸 수 없습니다. 다른 닉네임을 고르세요 (looks like an existing account)`, { status: 409 });
  }
  let created = false;
  if (!account || account.status === 'reserved') {
    if (typeof password !== 'string' || password === '') {
      throw new InputError('password_required', `"${nick}"은(는) 아직 아무도 쓰지 않는 닉네임입니다. 처음 로그인할 때 이 닉네임에 쓸 비밀번호를 정하세요 (a new nick needs a password)`, { details: { field: 'password' } });
    }
    checkNewPassword(password);
    const hash = await hashPassword(password);
    try {
      account = await deps.directory.claim({ nick, role: 'member', password: hash, tokenHash: null, by: null });
      created = true;
    } catch (err) {
      // someone claimed it a moment before us: this is now an ordinary login against their password
      if (!(err instanceof InputError && err.code === 'nick_taken')) throw err;
      account = deps.directory.accounts.byNick(nick);
      if (!account) throw err;
    }
  }
  if (!created) await checkPassword(deps, account, nick, password, accountKey, addressKey);
  if (account.status === 'disabled') {
    throw new InputError('account_disabled', `"${account.nick}" 계정은 관리자가 사용을 중지했습니다. 관리자에게 문의하세요 (account disabled)`, { status: 403 });
  }
  deps.limiter.clear(accountKey);
  const issued = deps.auth.issueToken(account);
  return { token: issued.token, user: issued.user, created, expires: issued.expires };
}

/** The same name as typed by its owner: equal after Unicode compatibility folding and case (민수 = 민수, Alice = alice), not just alike. */
function sameName(a: string, b: string): boolean {
  const norm = (s: string) => s.normalize('NFKC').toLowerCase().trim();
  return norm(a) === norm(b);
}

async function checkPassword(deps: LoginDeps, account: Account, nick: string, password: unknown, accountKey: string, addressKey: string): Promise<void> {
  if (typeof password !== 'string' || password === '') {
    throw new InputError('password_required', `"${account.nick}"은(는) 이미 있는 계정입니다. 비밀번호를 입력하세요 (password required)`, { status: 401, details: { field: 'password' } });
  }
  let ok = false;
  if (account.password) ok = await verifyPassword(password, account.password);
  else if (account.tokenHash) {
    // auditors and admins made with `kchat users add`: their token is the password
    ok = crypto.timingSafeEqual(Buffer.from(sha256(password), 'hex'), Buffer.from(account.tokenHash, 'hex'));
  }
  if (ok) return;
  deps.limiter.fail(accountKey);
  deps.limiter.fail(addressKey);
  // how many more failures before the account is refused for a while
  const left = Math.max(0, deps.limits.failuresPerAccount - deps.limiter.count(accountKey));
  throw new InputError('wrong_password', `"${nick}" 계정의 비밀번호가 맞지 않습니다 (wrong password)`, { status: 401, details: { attempts_left: left } });
}
