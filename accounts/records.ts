// The records of the state topics (core/topics.ts), spelled once. Every
// writer builds them here and every reader validates them here (a record a
// reader cannot read is skipped, never applied half).
//
// chat.accounts (key = folded nick) — an ordered log; each record names the
// account by its stable id:
//   reserve   a nick seen before accounts existed keeps its user id (migration); no password yet
//   claim     a nick becomes an account (first login, `kchat users add`); only if the nick is free,
//             or reserved for this very id
//   password  a new password hash (reset by an admin, or changed by its owner)
//   token     a new bearer-token hash (auditors' and admins' token logins)
//   rename    the account takes another nick; only if that nick is free
//   disable / enable
// chat.channels (key = channel) — an ordered log:
//   create    a private channel or a direct conversation (`dm`), with its first members; only if
//             the name is not in use
//   join      someone becomes a member (`via`: join, invite, create, dm, system)
//   leave     someone stops being one
// chat.reads (compacted, key = "<user id> <channel>"): how far someone has read a channel.
// chat.presence (compacted, key = "<gateway> <user id>"): online on that gateway; null = gone.
import { z } from 'zod';
import { ROLES } from '../core/auth.ts';
import { MAX_CHANNEL, MAX_ID, MAX_NICK } from '../core/protocol.ts';

const id = z.string().min(1).max(MAX_ID);
const nick = z.string().min(1).max(MAX_NICK * 2);
const channel = z.string().min(1).max(MAX_CHANNEL);
const ts = z.number().int().nonnegative();
/** who made the change: the account itself, an admin, or the system (null) */
const actor = z.object({ id: z.string(), nick: z.string(), role: z.string().optional() }).nullable();

export const accountRecord = z.discriminatedUnion('kind', [
  z.object({ v: z.literal(1), kind: z.literal('reserve'), id, nick, ts, by: actor, seen: z.number().int().nonnegative().optional() }),
  z.object({
    v: z.literal(1),
    kind: z.literal('claim'),
    id,
    nick,
    role: z.enum(ROLES),
    /** scrypt hash (accounts/password.ts); absent for token-only accounts */
    password: z.string().max(512).nullable(),
    /** SHA-256 hex of a bearer token (auditors and admins made by `kchat users add`) */
    token_hash: z.string().length(64).nullable(),
    ts,
    by: actor,
  }),
  z.object({ v: z.literal(1), kind: z.literal('password'), id, password: z.string().max(512), ts, by: actor }),
  z.object({ v: z.literal(1), kind: z.literal('token'), id, token_hash: z.string().length(64), ts, by: actor }),
  z.object({ v: z.literal(1), kind: z.literal('rename'), id, nick, ts, by: actor }),
  z.object({ v: z.literal(1), kind: z.literal('disable'), id, ts, by: actor, reason: z.string().max(500).optional() }),
  z.object({ v: z.literal(1), kind: z.literal('enable'), id, ts, by: actor }),
]);
export type AccountRecord = z.infer<typeof accountRecord>;

export const channelRecord = z.discriminatedUnion('kind', [
  z.object({
    v: z.literal(1),
    kind: z.literal('create'),
    channel,
    private: z.boolean(),
    /** a direct conversation between these user ids (its name is derived from them) */
    dm: z.array(id).max(16).nullable(),
    /** `auditors`: only auditors and admins may be members (where scheduled notebook reports go) */
    audience: z.enum(['everyone', 'auditors']),
    members: z.array(id).max(200),
    by: actor,
    ts,
  }),
  z.object({ v: z.literal(1), kind: z.literal('join'), channel, user: id, via: z.enum(['join', 'invite', 'create', 'dm', 'system']), by: actor, ts }),
  z.object({ v: z.literal(1), kind: z.literal('leave'), channel, user: id, by: actor, ts }),
]);
export type ChannelRecord = z.infer<typeof channelRecord>;

export const readRecord = z.object({ user: id, channel, ts });
export type ReadRecord = z.infer<typeof readRecord>;

export const presenceRecord = z.object({ user: id, nick, gateway: z.string().min(1).max(64), ts });
export type PresenceRecord = z.infer<typeof presenceRecord>;

export type Actor = z.infer<typeof actor>;

export const readKey = (user: string, channel: string) => `${user} ${channel}`;
export const presenceKey = (gateway: string, user: string) => `${gateway} ${user}`;
