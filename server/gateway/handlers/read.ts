// Extension: `{"type":"read","channel","ts"?}` — you have read the channel up
// to `ts` (default now). Kept in chat.reads, so unread counts survive being
// away and follow you to other tabs and devices (they get a `read` frame).
// Not answered when it worked.
import { InputError } from '../../../core/errors.ts';
import type { ClientFrame } from '../frames.ts';
import type { Session } from '../users.ts';
import type { GatewayContext } from './context.ts';

export async function read(g: GatewayContext, s: Session, f: Extract<ClientFrame, { type: 'read' }>): Promise<void> {
  if (!g.directory.channels.isMember(f.channel, s.user.id)) throw new InputError('not_joined', `#${f.channel}의 멤버가 아닙니다 (you are not in #${f.channel})`);
  const ts = Math.min(f.ts ?? Date.now(), Date.now());
  await g.directory.read(s.user.id, f.channel, ts);
}
