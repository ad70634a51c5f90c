// The right column: the active channel's members, online first (a drawer
// under 760px). A click on someone else's "1:1" opens a direct conversation.
import type { ChannelState } from '../channels.ts';
import { Avatar, Icon } from './common.tsx';

export interface MembersPanelProps {
  channel: ChannelState | undefined;
  myNick: string;
  onClose: () => void;
  onDm: (nick: string) => void;
}

export function MembersPanel({ channel, myNick, onClose, onDm }: MembersPanelProps) {
  const online = channel?.presence ?? [];
  const away = (channel?.members ?? []).filter((n) => !online.includes(n));
  const person = (nick: string, isOnline: boolean) => (
    <li key={nick} class={`${nick === myNick ? 'is-me' : ''}${isOnline ? '' : ' offline'}`}>
      <span class="presence-avatar">
        <Avatar nick={nick} size={26} />
        {isOnline && <span class="online-dot" aria-hidden="true" />}
      </span>
      <span class={isOnline ? 'presence-nick' : 'member-nick'}>{nick}</span>
      {nick === myNick ? (
        <span class="you">(나)</span>
      ) : (
        <button type="button" class="link-btn dm-btn" aria-label={`${nick}님과 1:1 대화`} title="1:1 대화" onClick={() => onDm(nick)}>
          1:1
        </button>
      )}
    </li>
  );
  return (
    <aside class="members" id="members" aria-labelledby="members-h">
      <div class="section-head">
        <h2 id="members-h">접속 중 {channel ? `— ${online.length}명` : ''}</h2>
        <button type="button" class="icon-btn members-close" aria-label="접속 목록 닫기" onClick={onClose}>
          <Icon name="close" size={16} />
        </button>
      </div>
      <ul class="presence" aria-label="접속 중인 사람">
        {online.map((nick) => person(nick, true))}
      </ul>
      {away.length > 0 && (
        <>
          <h3 class="members-sub">오프라인 — {away.length}명</h3>
          <ul class="presence" aria-label="접속하지 않은 멤버">
            {away.map((nick) => person(nick, false))}
          </ul>
        </>
      )}
    </aside>
  );
}
