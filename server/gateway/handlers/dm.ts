// `dm`: `{"type":"dm","nick"}` opens (or reopens) the direct conversation with
// someone, answered `{"type":"dm","channel","with":[nick…]}`. Its channel is
// private to the two of you and named by the server; opening it posts nothing.
import { InputError } from '../../../core/errors.ts';
import type { ClientFrame } from '../frames.ts';
import type { Session } from '../users.ts';
import { actor, type GatewayContext } from './context.ts';
import { accountsNamed } from './people.ts';

export async function dm(g: GatewayContext, s: Session, f: Extract<ClientFrame, { type: 'dm' }>): Promise<void> {
  const [who] = accountsNamed(g.directory, [f.nick]);
  if (who.status === 'disabled') throw new InputError('forbidden', `"${who.nick}" 계정은 사용이 중지되었습니다 (account disabled)`, { status: 403 });
  const channel = await g.directory.openDm([s.user.id, who.id], actor(s));
  g.sockets.frame(s.out, { type: 'dm', channel, with: [who.nick], ...(f.ref === undefined ? {} : { ref: f.ref }) });
}
