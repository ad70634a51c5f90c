// The left column (a drawer under 760px): brand and connection, the channel
// list with unread counts, and "me" (nickname, theme, logout).
import type { ChannelState } from '../channels.ts';
import { useState } from 'preact/hooks';
import { askToNotify, notifyState } from '../notify.ts';
import type { ChatStore } from '../store.ts';
import { NEXT_THEME, THEME_LABEL, type ThemeChoice } from '../theme.ts';
import { Avatar, Icon } from './common.tsx';
import { CONN_LABEL, ConnStatus } from './ConnectionStatus.tsx';

export interface SidebarProps {
  store: ChatStore;
  theme: ThemeChoice;
  onTheme: (next: ThemeChoice) => void;
  onPick: (channel: string) => void;
  onAddChannel: () => void;
  onBrowse: () => void;
  onEditNick: () => void;
}

export function Sidebar({ store, theme, onTheme, onPick, onAddChannel, onBrowse, onEditNick }: SidebarProps) {
  const me = store.me!;
  const [notifications, setNotifications] = useState(notifyState());
  const themeIcon = theme === 'system' ? 'monitor' : theme === 'dark' ? 'moon' : 'sun';
  return (
    <aside class="sidebar" id="sidebar" aria-label="채널 목록">
      <div class="brand">
        <span class="logo" aria-hidden="true">
          k
        </span>
        <span class="brand-name">kchat</span>
        <ConnStatus store={store} />
      </div>
      <nav class="channels" aria-labelledby="channels-h">
        <div class="section-head">
          <h2 id="channels-h">채널</h2>
          <button type="button" class="icon-btn" aria-label="채널 만들기 또는 들어가기" title="채널 추가" onClick={onAddChannel}>
            <Icon name="plus" size={16} />
          </button>
        </div>
        <ul>
          {store.order.map((name) => {
            const ch = store.channels.get(name)!;
            const current = name === store.active;
            return (
              <li key={name}>
                <button
                  type="button"
                  class={`channel${current ? ' active' : ''}${ch.unread ? ' has-unread' : ''}`}
                  aria-current={current ? 'page' : undefined}
                  data-channel={name}
                  onClick={() => onPick(name)}
                >
                  <Icon name={ch.dm ? 'at' : ch.private ? 'lock' : 'hash'} size={16} />
                  <span class="channel-name">{channelLabel(ch)}</span>
                  {ch.mentions > 0 && (
                    <span class="mention-badge" data-testid="mention-badge" aria-label={`나를 부른 메시지 ${ch.mentions}개`}>
                      @{ch.mentions > 99 ? '99+' : ch.mentions}
                    </span>
                  )}
                  {ch.unread > 0 && (
                    <span class="unread" aria-label={`읽지 않은 메시지 ${ch.unread}개`}>
                      {ch.unread > 99 ? '99+' : ch.unread}
                    </span>
                  )}
                </button>
              </li>
            );
          })}
        </ul>
        <button type="button" class="add-channel" onClick={onAddChannel}>
          <Icon name="plus" size={16} /> 채널 추가
        </button>
        <button type="button" class="add-channel" id="browse-btn" onClick={onBrowse}>
          <Icon name="list" size={16} /> 채널 둘러보기
        </button>
        {notifications === 'default' && (
          <button type="button" class="add-channel" onClick={() => void askToNotify().then(setNotifications)}>
            <Icon name="bell" size={16} /> 나를 부르면 알림 받기
          </button>
        )}
        <p class="side-links" aria-label="감사인용 화면">
          <span>감사인용</span> <a href="/audit">감사 화면</a> · <a href="/notebooks">노트북</a> · <a href="/docs">API 문서</a>
        </p>
      </nav>
      <div class="me">
        <Avatar nick={me.nick} id={me.id} size={32} />
        <div class="me-text">
          <span class="me-nick" data-testid="my-nick">
            {me.nick}
          </span>
          <span class="me-sub">{CONN_LABEL[store.conn]}</span>
        </div>
        <button type="button" class="icon-btn" aria-label="닉네임 바꾸기" title="닉네임 바꾸기" onClick={onEditNick}>
          <Icon name="edit" size={16} />
        </button>
        <button type="button" class="icon-btn" aria-label={`테마 바꾸기 (지금: ${THEME_LABEL[theme]})`} title={`테마: ${THEME_LABEL[theme]}`} onClick={() => onTheme(NEXT_THEME[theme])}>
          <Icon name={themeIcon} size={16} />
        </button>
        <button type="button" class="icon-btn" aria-label="로그아웃" title="로그아웃" onClick={() => store.logout()}>
          <Icon name="logout" size={16} />
        </button>
      </div>
    </aside>
  );
}

/** What the list shows for a channel: its name, or for a direct conversation the other people. */
export function channelLabel(ch: ChannelState): string {
  return ch.dm ? ch.dm.join(', ') || ch.name : ch.name;
}
