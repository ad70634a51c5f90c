// `invite`: `{"type":"invite","channel","nick"}` — a member adds someone (a
// `join` event, `meta.via` = "invite", `meta.by` = who invited). The only way
// into a private channel; `#audit`-like channels take auditors and admins only.
import { InputError } from '../../../core/errors.ts';
import { hasRole } from '../../../core/auth.ts';
import type { ClientFrame } from '../frames.ts';
import type { Session } from '../users.ts';
import { actor, produce, type GatewayContext } from './context.ts';
import { accountsNamed } from './people.ts';

export async function invite(g: GatewayContext, s: Session, f: Extract<ClientFrame, { type: 'invite' }>): Promise<void> {
  const { directory } = g;
  const def = directory.channels.get(f.channel);
  if (!def?.members.has(s.user.id)) throw new InputError('forbidden', `#${f.channel}의 멤버만 초대할 수 있습니다 (only members invite)`, { status: 403 });
  if (def.dm) throw new InputError('forbidden', '1:1 대화에는 다른 사람을 초대할 수 없습니다 (direct conversations have fixed members)', { status: 403 });
  const [who] = accountsNamed(directory, [f.nick]);
  if (def.audience === 'auditors' && !hasRole(who.role, 'auditor')) {
    throw new InputError('forbidden', `#${f.channel}은(는) 감사인과 관리자만 들어갈 수 있는 채널입니다: ${who.nick}은(는) ${who.role}입니다 (auditors and admins only)`, { status: 403 });
  }
  if (def.members.has(who.id)) return void g.sockets.frame(s.out, g.members.presenceFrame(f.channel));
  const by = actor(s);
  const outcome = await directory.join(f.channel, who.id, 'invite', by);
  if (!outcome.ok) throw new InputError('forbidden', `#${f.channel}에 초대할 수 없습니다 (not allowed)`, { status: 403 });
  if (outcome.changed) await produce(g, 'join', f.channel, { id: who.id, nick: who.nick }, { meta: { via: 'invite', by: { id: by.id, nick: by.nick } } });
}
