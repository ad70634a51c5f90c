// Bringing an installation from before accounts into the directory, once,
// on a node that has the DuckDB file (where ingest stored the history):
//   - auditors and admins of DuckDB `users` become token accounts (same ids);
//   - every nick seen in the message log keeps the user id it had last
//     (`reserve`): its first login with a password claims it with that id;
//   - those people stay members of the public channels they spoke or joined in.
// It runs when the accounts topic is still empty; several audit nodes doing
// it at once write the same records, and the first of each wins.
// Then, on every start: #audit (where notebook reports go) is a private
// channel of the auditors and admins.
import { hasRole, isRole } from '../core/auth.ts';
import type { Database } from '../core/db.ts';
import { logger } from '../core/log.ts';
import { nickProblem } from '../core/nick.ts';
import { DM_PREFIX } from '../core/protocol.ts';
import { messageLog } from '../ingest/index.ts';
import { foldNick } from './book.ts';
import { AUDIT_CHANNEL, type Directory } from './directory.ts';

const log = logger('accounts.migrate');

export interface Migration {
  tokens: number;
  reserved: number;
  memberships: number;
}

/** Import users and nicks from DuckDB when the accounts topic is empty; null when there was nothing to do. */
export async function migrateFromDatabase(directory: Directory, db: Database): Promise<Migration | null> {
  if (directory.accounts.size > 0) return null;
  const users = await db.all<{ id: string; name: string; role: string; token_hash: string }>('SELECT id, name, role, token_hash FROM users ORDER BY created_at').catch(() => []);
  const accounts: { key: string; value: Record<string, unknown> }[] = [];
  const taken = new Set<string>();
  for (const u of users) {
    if (!isRole(u.role) || taken.has(foldNick(u.name))) continue;
    taken.add(foldNick(u.name));
    accounts.push({ key: foldNick(u.name), value: { kind: 'claim', id: u.id, nick: u.name, role: u.role, password: null, token_hash: u.token_hash, by: null } });
  }
  // the latest nick of every user id, then the latest id of every nick
  const latest = new Map<string, { nick: string; ts: number }>();
  const spoke = new Map<string, Set<string>>();
  const log_ = messageLog(db);
  for await (const b of log_.read({ fields: ['user_id', 'nick', 'channel', 'ts'], types: ['message', 'join', 'leave', 'nick'] })) {
    for (let i = 0; i < b.size; i++) {
      const id = b.user_id[i];
      if (id.startsWith('bot:')) continue;
      const ts = b.ts[i] ?? 0;
      const seen = latest.get(id);
      if (!seen || ts >= seen.ts) latest.set(id, { nick: b.nick[i], ts });
      let channels = spoke.get(id);
      if (!channels) spoke.set(id, (channels = new Set()));
      channels.add(b.channel[i]);
    }
  }
  const byNick = new Map<string, { id: string; nick: string; ts: number }>();
  for (const [id, { nick, ts }] of latest) {
    if (nickProblem(nick)) continue;
    const folded = foldNick(nick);
    const other = byNick.get(folded);
    if (!other || ts > other.ts) byNick.set(folded, { id, nick, ts });
  }
  let reserved = 0;
  for (const [folded, { id, nick, ts }] of byNick) {
    if (taken.has(folded)) continue;
    accounts.push({ key: folded, value: { kind: 'reserve', id, nick, by: null, seen: Math.max(0, Math.trunc(ts)) } });
    reserved++;
  }
  if (!accounts.length) return null;
  await directory.seed('accounts', accounts);
  const joins: { key: string; value: Record<string, unknown> }[] = [];
  for (const { id } of byNick.values()) {
    if (directory.accounts.byUserId(id)?.status !== 'reserved') continue;
    for (const channel of spoke.get(id) ?? []) {
      if (channel === AUDIT_CHANNEL || channel.startsWith(DM_PREFIX)) continue;
      joins.push({ key: channel, value: { kind: 'join', channel, user: id, via: 'system', by: null } });
    }
  }
  await directory.seed('channels', joins);
  const result = { tokens: users.length, reserved, memberships: joins.length };
  log.info(result, 'accounts migrated from the database: nicks seen before keep their user ids');
  return result;
}

/** #audit exists as a private channel of the auditors and admins (the admin token included); missing ones are added. */
export async function ensureAuditChannel(directory: Directory): Promise<void> {
  const privileged = [...directory.accounts.all()].filter((a) => a.status !== 'disabled' && hasRole(a.role, 'auditor')).map((a) => a.id);
  const def = directory.channels.get(AUDIT_CHANNEL);
  if (!def) {
    const outcome = await directory.create({ channel: AUDIT_CHANNEL, private: true, members: ['admin', ...privileged], by: null, audience: 'auditors' });
    if (outcome.ok) log.info({ members: privileged.length + 1 }, `#${AUDIT_CHANNEL} created: private to auditors and admins`);
    return;
  }
  if (!def.private) {
    log.error(`#${AUDIT_CHANNEL} is a public channel in this directory: notebook reports will not be posted there (see docs/accounts.md)`);
    return;
  }
  for (const id of privileged) if (!def.members.has(id)) await directory.join(AUDIT_CHANNEL, id, 'system', null);
}
