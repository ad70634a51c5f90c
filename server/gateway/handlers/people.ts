// Nicks named in a frame (create's members, invite, dm) → accounts, or a
// clear `unknown_nick` naming every nick nobody has.
import type { Account } from '../../../accounts/book.ts';
import type { Directory } from '../../../accounts/directory.ts';
import { InputError } from '../../../core/errors.ts';

export function accountsNamed(directory: Directory, nicks: readonly string[]): Account[] {
  const found: Account[] = [];
  const unknown: string[] = [];
  for (const n of nicks) {
    const a = directory.accounts.byNick(n);
    if (a) found.push(a);
    else unknown.push(n);
  }
  if (unknown.length) {
    throw new InputError('unknown_nick', `이런 닉네임의 계정이 없습니다: ${unknown.map((n) => `"${n}"`).join(', ')} (no account with that nick)`, { status: 404, details: { nicks: unknown } });
  }
  return found;
}
