// `create`: `{"type":"create","channel","private":true,"members":[nick…]}`
// makes a private channel with you and those people as members (a `join`
// event for each, `meta.via` = "create"). The first create of a name in the
// log wins; a name already in use is `channel_exists`. Without `private` it
// is a public channel: you join it and the people named are invited.
import { InputError } from '../../../core/errors.ts';
import { DM_PREFIX } from '../../../core/protocol.ts';
import type { ClientFrame } from '../frames.ts';
import type { Session } from '../users.ts';
import { actor, produce, type GatewayContext } from './context.ts';
import { invite } from './invite.ts';
import { join } from './join.ts';
import { accountsNamed } from './people.ts';

export async function create(g: GatewayContext, s: Session, f: Extract<ClientFrame, { type: 'create' }>): Promise<void> {
  const { directory, channels } = g;
  const name = f.channel;
  if (name.startsWith(DM_PREFIX)) throw new InputError('bad_channel', `'${DM_PREFIX}'로 시작하는 이름은 1:1 대화용입니다 (reserved for direct conversations)`);
  const people = accountsNamed(directory, f.members).filter((a) => a.id !== s.user.id);
  if (!f.private) {
    await join(g, s, { type: 'join', channel: name, ref: f.ref });
    for (const a of people) if (!directory.channels.isMember(name, a.id)) await invite(g, s, { type: 'invite', channel: name, nick: a.nick, ref: f.ref });
    return;
  }
  if (directory.channels.get(name) || channels.has(name)) {
    throw new InputError('channel_exists', `#${name}은(는) 이미 있는 채널입니다. 다른 이름을 고르세요 (channel exists)`, { status: 409 });
  }
  if (directory.channels.channelsOf(s.user.id).length >= g.limits.joinedPerSession) {
    throw new InputError('too_many_joined', `한 계정이 들어갈 수 있는 채널은 ${g.limits.joinedPerSession}개까지입니다 (too many joined channels)`);
  }
  const by = actor(s);
  const outcome = await directory.create({ channel: name, private: true, members: [s.user.id, ...people.map((a) => a.id)], by });
  if (!outcome.ok) throw new InputError('channel_exists', `#${name}은(는) 방금 다른 사람이 먼저 만들었습니다 (channel exists)`, { status: 409 });
  const meta = { via: 'create', by: { id: by.id, nick: by.nick } };
  await produce(g, 'join', name, s.user, { meta });
  for (const a of people) await produce(g, 'join', name, { id: a.id, nick: a.nick }, { meta });
}
