// `join`: become a member of a public channel (a `join` event, once), or —
// already a member — get its last page and presence again. Private channels
// and direct conversations are entered only by invitation.
import { InputError } from '../../../core/errors.ts';
import { DM_PREFIX } from '../../../core/protocol.ts';
import type { ClientFrame } from '../frames.ts';
import type { Session } from '../users.ts';
import { actor, produce, type GatewayContext } from './context.ts';

export async function join(g: GatewayContext, s: Session, f: Extract<ClientFrame, { type: 'join' }>): Promise<void> {
  const { directory, members, limits, channels } = g;
  const channel = f.channel;
  if (directory.channels.isMember(channel, s.user.id)) {
    // already a member (another tab joined, or a client that joins on every connect): show it again, post nothing
    if (s.channels.has(channel)) members.unsubscribe(s, channel);
    members.subscribe(s, channel);
    return;
  }
  const def = directory.channels.get(channel);
  if (def?.private) throw new InputError('forbidden', `#${channel}은(는) 비공개 채널입니다. 멤버에게 초대를 부탁하세요 (private channel: members invite)`, { status: 403 });
  if (channel.startsWith(DM_PREFIX)) throw new InputError('bad_channel', `'${DM_PREFIX}'로 시작하는 이름은 1:1 대화용입니다. 1:1 대화는 {"type":"dm","nick"}로 여세요 (reserved for direct conversations)`);
  if (directory.channels.channelsOf(s.user.id).length >= limits.joinedPerSession) {
    throw new InputError('too_many_joined', `한 계정이 들어갈 수 있는 채널은 ${limits.joinedPerSession}개까지입니다. 다른 채널에서 나간 뒤 #${channel}에 들어오세요 (too many joined channels)`);
  }
  if (!def && !channels.has(channel) && channels.size >= limits.channels) {
    throw new InputError('too_many_channels', `채널이 너무 많아 새 채널 #${channel}을 만들 수 없습니다 (최대 ${limits.channels}개) (too many channels)`);
  }
  // the membership first (every gateway subscribes this account's connections when it reads it), then the notice
  const outcome = await directory.join(channel, s.user.id, 'join', actor(s));
  if (!outcome.ok) throw new InputError('forbidden', `#${channel}에 들어갈 수 없습니다 (not allowed)`, { status: 403 });
  if (outcome.changed) await produce(g, 'join', channel, s.user, { meta: { via: 'join' } });
}
