// `nick`: the account takes another nick (it is the account's, for every
// later login: chat.accounts `rename`), then a `nick` event in each of its
// channels. The first rename in the log wins a nick two people want at once.
import type { ClientFrame } from '../frames.ts';
import type { Session } from '../users.ts';
import { actor, produce, type GatewayContext } from './context.ts';
import { InputError } from '../../../core/errors.ts';

export async function nick(g: GatewayContext, s: Session, f: Extract<ClientFrame, { type: 'nick' }>): Promise<void> {
  const { directory, sockets } = g;
  const user = s.user;
  const old = user.nick;
  if (old === f.nick) return sockets.frame(s.out, { type: 'self', user: { id: user.id, nick: f.nick, role: s.role } });
  const account = directory.accounts.byUserId(user.id);
  if (!account) throw new InputError('forbidden', '이 로그인(관리자 토큰)은 계정이 아니어서 닉네임을 바꿀 수 없습니다 (not an account)', { status: 403 });
  // the account's nick changes first (every gateway updates its people when it reads it), then the notices
  const renamed = await directory.rename(account, f.nick, actor(s));
  user.nick = renamed.nick;
  const channels = directory.channels.channelsOf(user.id).filter((c) => !directory.channels.get(c)?.dm);
  await Promise.all(channels.map((c) => produce(g, 'nick', c, { id: user.id, nick: renamed.nick }, { text: `${old} → ${renamed.nick}`, meta: { old, new: renamed.nick } })));
}
