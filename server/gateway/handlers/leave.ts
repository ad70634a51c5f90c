// `leave`: stop being a member (a `leave` event). Direct conversations cannot be left.
import { InputError } from '../../../core/errors.ts';
import type { ClientFrame } from '../frames.ts';
import type { Session } from '../users.ts';
import { actor, produce, type GatewayContext } from './context.ts';

export async function leave(g: GatewayContext, s: Session, f: Extract<ClientFrame, { type: 'leave' }>): Promise<void> {
  const { directory } = g;
  const channel = f.channel;
  if (!directory.channels.isMember(channel, s.user.id)) throw new InputError('not_joined', `#${channel}의 멤버가 아닙니다 (you are not in #${channel})`);
  if (directory.channels.get(channel)?.dm) throw new InputError('forbidden', '1:1 대화는 나갈 수 없습니다 (direct conversations cannot be left)', { status: 403 });
  const outcome = await directory.leave(channel, s.user.id, actor(s));
  if (outcome.ok && outcome.changed) await produce(g, 'leave', channel, s.user, { meta: { via: 'leave' } });
}
