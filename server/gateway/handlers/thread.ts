// Extension (issue #13, threads): `{"type":"thread","id","ref"?}` → `{"type":
// "thread","id","channel","parent","replies":[envelope…],"more","ref"}`: the
// message and its replies (events whose reply_to is its id), oldest first,
// in their latest state (edits applied, deleted ones without text). The same
// rules as history: a private channel's messages only for its members, an
// answer meant for someone else for nobody else — to the others the id is
// unknown.
import { visibleTo } from '../../../core/envelope.ts';
import { InputError } from '../../../core/errors.ts';
import type { ThreadFrame } from '../../../core/protocol.ts';
import type { ClientFrame } from '../frames.ts';
import type { Session } from '../users.ts';
import type { GatewayContext } from './context.ts';

export async function thread(g: GatewayContext, s: Session, f: Extract<ClientFrame, { type: 'thread' }>): Promise<void> {
  const parent = await g.history.find(f.id);
  const def = parent ? g.directory.channels.get(parent.channel) : undefined;
  if (!parent || (def?.private && !def.members.has(s.user.id)) || !visibleTo(parent, s.user.id)) {
    throw new InputError('unknown_message', `그런 메시지가 없습니다 (no such message): ${f.id}`, { status: 404, details: { id: f.id } });
  }
  const { replies, more } = await g.history.replies(parent, s.user.id);
  const frame: ThreadFrame = { type: 'thread', id: parent.id, channel: parent.channel, parent, replies, more };
  if (f.ref !== undefined) frame.ref = f.ref;
  g.sockets.frame(s.out, frame);
}
