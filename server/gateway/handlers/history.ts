// Extension: `{"type":"history","channel","before"}` → up to 50 events older
// than `before` (ts or event id). Private channels only for their members.
import { InputError } from '../../../core/errors.ts';
import type { ClientFrame } from '../frames.ts';
import { historyFrame } from '../history.ts';
import type { Session } from '../users.ts';
import type { GatewayContext } from './context.ts';

export async function history(g: GatewayContext, s: Session, f: Extract<ClientFrame, { type: 'history' }>): Promise<void> {
  const def = g.directory.channels.get(f.channel);
  if (def?.private && !def.members.has(s.user.id)) throw new InputError('forbidden', `#${f.channel}은(는) 비공개 채널입니다: 멤버만 기록을 볼 수 있습니다 (private channel)`, { status: 403 });
  const events = await g.history.older(f.channel, f.limit, f.before, s.user.id);
  g.sockets.send(s.out, historyFrame(f.channel, events, { before: f.before, ref: f.ref }));
}
