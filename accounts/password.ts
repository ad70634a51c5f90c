// Passwords: scrypt from node:crypto (memory-hard, in libuv's thread pool so
// the event loop keeps serving), a random salt per hash, and a constant-time
// comparison. A hash is one self-describing string, so the cost can be raised
// later without invalidating the hashes already written:
//   scrypt$<log2 N>$<r>$<p>$<salt, base64url>$<hash, base64url>
import crypto from 'node:crypto';
import { InputError } from '../core/errors.ts';

/** 2^15 × 8 × 128 B = 32 MiB and ~50–100 ms per hash on a server core (OWASP's scrypt floor is N=2^17 with r=8 at ~128 MiB; we trade some of it for a 2-core machine). */
const COST = { logN: 15, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;

/** Shortest and longest password accepted (code points). */
export const MIN_PASSWORD = 6;
export const MAX_PASSWORD = 256;

function scrypt(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) =>
    crypto.scrypt(password.normalize('NFC'), salt, KEY_BYTES, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** Why a new password is refused (Korean, naming the rule), or null. */
export function passwordProblem(password: unknown): string | null {
  if (typeof password !== 'string') return '비밀번호는 문자열이어야 합니다 (password must be a string)';
  const n = [...password.normalize('NFC')].length;
  if (n < MIN_PASSWORD) return `비밀번호는 ${MIN_PASSWORD}자 이상이어야 합니다: 지금 ${n}자 (password must be at least ${MIN_PASSWORD} characters)`;
  if (n > MAX_PASSWORD) return `비밀번호는 ${MAX_PASSWORD}자 이하여야 합니다 (password must be at most ${MAX_PASSWORD} characters)`;
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001F\u007F]/.test(password)) return '비밀번호에 제어 문자를 쓸 수 없습니다 (password must not contain control characters)';
  return null;
}

/** Throw an InputError (400 `bad_password`) unless the password is acceptable as a new one. */
export function checkNewPassword(password: unknown): string {
  const problem = passwordProblem(password);
  if (problem) throw new InputError('bad_password', problem);
  return password as string;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, COST.logN, COST.r, COST.p);
  return ['scrypt', COST.logN, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Does `password` match `stored`? A malformed stored hash never matches. Constant time in the key comparison. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [logN, r, p] = parts.slice(1, 4).map(Number);
  if (![logN, r, p].every((n) => Number.isInteger(n) && n > 0) || logN > 20 || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4], 'base64url');
  const expected = Buffer.from(parts[5], 'base64url');
  if (expected.length !== KEY_BYTES) return false;
  const key = await scrypt(password, salt, logN, r, p);
  return crypto.timingSafeEqual(key, expected);
}

/** A password for `kchat users reset`: 16 characters from an alphabet without look-alikes, shown once. */
export function temporaryPassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789';
  let out = '';
  for (let i = 0; i < 16; i++) out += alphabet[crypto.randomInt(alphabet.length)];
  return `${out.slice(0, 4)}-${out.slice(4, 8)}-${out.slice(8, 12)}-${out.slice(12)}`;
}
