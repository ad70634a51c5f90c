// `edit` and `delete` (../shared/design.md, "Contract, second edition"):
// `{"type":"edit","id","text","ref"?}` / `{"type":"delete","id","ref"?}`.
// The gateway judges the change with the one rule (core/conversation.ts:
// the author edits; the author or an admin deletes; nothing changes a deleted
// message) plus the members' time window (KCHAT_EDIT_WINDOW_SECONDS,
// KCHAT_DELETE_WINDOW_SECONDS), then produces an `edit`/`delete` envelope with
// meta.target to the message's channel, so every gateway, ingest and replay
// sees it in the channel's order. Consumers apply the rule again when they
// fold (a forged event from another producer changes nothing).
import { changeRefusal, targetState, type RefusalCode } from '../../../core/conversation.ts';
import { visibleTo } from '../../../core/envelope.ts';
import { InputError, type InputStatus } from '../../../core/errors.ts';
import type { ClientFrame } from '../frames.ts';
import type { Session } from '../users.ts';
import { produce, type GatewayContext } from './context.ts';

const STATUS: Record<RefusalCode, InputStatus> = { unknown_message: 404, not_editable: 400, message_deleted: 409, forbidden: 403, edit_window_closed: 403 };

export async function change(g: GatewayContext, s: Session, f: Extract<ClientFrame, { type: 'edit' | 'delete' }>): Promise<void> {
  const target = await g.history.find(f.id);
  // a message of a private channel (or an answer meant for someone else) is unknown to those who may not see it
  const def = target ? g.directory.channels.get(target.channel) : undefined;
  const hidden = target && ((def?.private && !def.members.has(s.user.id)) || !visibleTo(target, s.user.id));
  const refusal = changeRefusal(
    { kind: f.type, by: { id: s.user.id, role: s.role } },
    hidden ? null : target && targetState(target),
    { editMs: g.limits.editWindowMs, deleteMs: g.limits.deleteWindowMs },
    Date.now(),
  );
  if (refusal || !target) {
    const r = refusal ?? { code: 'unknown_message' as const, message: '그런 메시지가 없습니다 (no such message)' };
    throw new InputError(r.code, `${r.message}: ${f.id}`, { status: STATUS[r.code], details: { id: f.id } });
  }
  const meta: Record<string, unknown> = { role: s.role, target: target.id };
  if (f.ref !== undefined) meta.ref = f.ref;
  // a change of an answer meant for some people only reaches only them
  if (Array.isArray(target.meta.visible_to)) meta.visible_to = target.meta.visible_to;
  await produce(g, f.type, target.channel, s.user, { text: f.type === 'edit' ? f.text : '', textCleaned: true, meta });
}
