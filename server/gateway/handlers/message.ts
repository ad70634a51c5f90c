// `message`: members only. `@nick` mentions (Korean particles after the nick
// included: core/mentions.ts) become meta.mentions = [user id…]; a mention
// of a nick nobody has is sent as written, and the sender is told which
// nicks were not found (`unknown_mention`, without the frame's ref: the
// message itself went out).
import { InputError } from '../../../core/errors.ts';
import { findMentions } from '../../../core/mentions.ts';
import type { ClientFrame } from '../frames.ts';
import type { Session } from '../users.ts';
import { produce, type GatewayContext } from './context.ts';

export async function message(g: GatewayContext, s: Session, f: Extract<ClientFrame, { type: 'message' }>): Promise<void> {
  const { directory } = g;
  if (!directory.channels.isMember(f.channel, s.user.id)) {
    if (directory.channels.get(f.channel)?.private) throw new InputError('forbidden', `#${f.channel}은(는) 비공개 채널입니다: 멤버만 보낼 수 있습니다 (private channel)`, { status: 403 });
    throw new InputError('not_joined', `#${f.channel}에 먼저 들어가세요 (join #${f.channel} before sending to it)`);
  }
  // role from the verified token: the bots trust it to decide who may run auditor commands
  const meta: Record<string, unknown> = { role: s.role };
  // the client's ref rides along so its own copy can be matched to the send
  if (f.ref !== undefined) meta.ref = f.ref;
  const mentions = f.text.includes('@') ? findMentions(f.text, (folded) => directory.accounts.byFoldedNick(folded), g.isBotAddress) : null;
  if (mentions?.ids.length) meta.mentions = mentions.ids;
  await produce(g, 'message', f.channel, s.user, { text: f.text, textCleaned: true, reply_to: f.reply_to, meta });
  if (mentions?.unknown.length) {
    const names = mentions.unknown.map((n) => `@${n}`).join(', ');
    g.sockets.error(s.out, 'unknown_mention', `${names}: 그런 닉네임의 사용자가 없어 알림이 가지 않았습니다. 메시지는 보냈습니다 (no such nick; the message was sent)`, undefined, {
      nicks: mentions.unknown,
      channel: f.channel,
      message_ref: f.ref ?? null,
    });
  }
}
