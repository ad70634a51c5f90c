// The right column: who is online in the active channel (a drawer under 760px).
import type { ChannelState } from '../channels.ts';
import { Avatar, Icon } from './common.tsx';

export function MembersPanel({ channel, myNick, onClose }: { channel: ChannelState | undefined; myNick: string; onClose: () => void }) {
  return (
    <aside class="members" id="members" aria-labelledby="members-h">
      <div class="section-head">
        <h2 id="members-h">접속 중 {channel ? `— ${channel.presence.length}명` : ''}</h2>
        <button type="button" class="icon-btn members-close" aria-label="접속 목록 닫기" onClick={onClose}>
          <Icon name="close" size={16} />
        </button>
      </div>
      <ul class="presence" aria-label="접속 중인 사람">
        {(channel?.presence ?? []).map((nick) => (
          <li key={nick} class={nick === myNick ? 'is-me' : ''}>
            <span class="presence-avatar">
              <Avatar nick={nick} size={26} />
              <span class="online-dot" aria-hidden="true" />
            </span>
            <span class="presence-nick">{nick}</span>
            {nick === myNick && <span class="you">(나)</span>}
          </li>
        ))}
      </ul>
    </aside>
  );
}
