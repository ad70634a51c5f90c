// The chat screen: the sidebar, the active channel (header, timeline,
// composer), the online list, dialogs and toasts; keyboard shortcuts and the
// window title. The pieces live beside it, one per file.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Command } from '../commands.ts';
import type { ChatStore } from '../store.ts';
import { applyTheme, effectiveTheme, loadTheme, type ThemeChoice } from '../theme.ts';
import { snippet } from '../threads.ts';
import { BrowseDialog } from './BrowseDialog.tsx';
import { ChannelDialog } from './ChannelDialog.tsx';
import { DeleteDialog } from './DeleteDialog.tsx';
import { Icon } from './common.tsx';
import { Composer } from './Composer.tsx';
import { ConnStatus, OfflineBanner } from './ConnectionStatus.tsx';
import { HelpDialog } from './HelpDialog.tsx';
import { MembersPanel } from './MembersPanel.tsx';
import { MessageList } from './MessageList.tsx';
import { NickDialog } from './NickDialog.tsx';
import { SearchPanel } from './SearchPanel.tsx';
import { ThreadPanel } from './ThreadPanel.tsx';
import { channelLabel, Sidebar } from './Sidebar.tsx';
import { Toasts } from './Toasts.tsx';
import { useStore } from './useStore.ts';

export function App({ store }: { store: ChatStore }) {
  useStore(store);
  const [theme, setTheme] = useState<ThemeChoice>(loadTheme());
  const [drawer, setDrawer] = useState(false);
  const [members, setMembers] = useState(false);
  /** the right column: the channel's members, or search */
  const [panel, setPanel] = useState<'members' | 'search'>('members');
  const [dialog, setDialog] = useState<'channel' | 'browse' | 'nick' | 'help' | null>(null);
  const menuBtn = useRef<HTMLButtonElement>(null);

  const active = store.active ? store.channels.get(store.active) : undefined;
  const me = store.me!;
  const reply = store.conv.replying;
  const replyingTo = reply && reply.channel === active?.name ? store.conv.find(reply.channel, reply.id) : undefined;

  useEffect(() => {
    applyTheme(theme);
  }, [theme]);

  useEffect(() => {
    const onVisible = () => {
      if (!document.hidden) store.markRead();
    };
    const onOnline = () => store.retryConnection();
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener('online', onOnline);
    const onKey = (e: KeyboardEvent) => {
      // Esc closes the thread unless something inside used it (the editor, a reply being written)
      if (e.key === 'Escape' && store.conv.thread && !dialog && !store.conv.deleting && !e.defaultPrevented) {
        store.conv.closeThread();
        return;
      }
      if (e.key === 'Escape' && (drawer || members) && !dialog) {
        setDrawer(false);
        setMembers(false);
        menuBtn.current?.focus();
      }
      if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown') && store.order.length > 1) {
        e.preventDefault();
        const i = store.active ? store.order.indexOf(store.active) : 0;
        const next = (i + (e.key === 'ArrowUp' ? -1 : 1) + store.order.length) % store.order.length;
        store.setActive(store.order[next]);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener('online', onOnline);
      window.removeEventListener('keydown', onKey);
    };
  }, [drawer, members, dialog]);

  useEffect(() => {
    const unread = [...store.channels.values()].reduce((n, c) => n + c.unread, 0);
    document.title = `${unread ? `(${unread}) ` : ''}${store.active ? `#${store.active} · ` : ''}kchat`;
  });

  /** A command from a box; `replyTo` is the thread the thread's box answers. */
  const onCommand = (cmd: Command, replyTo?: string) => {
    switch (cmd.kind) {
      case 'message': {
        const channel = replyTo ? store.conv.thread?.channel : store.active;
        if (channel) store.sendMessage(channel, cmd.text, replyTo ?? store.conv.takeReply(channel));
        break;
      }
      case 'nick':
        store.changeNick(cmd.nick);
        break;
      case 'join':
        store.join(cmd.channel);
        break;
      case 'leave':
        store.leave(cmd.channel ?? store.active);
        break;
      case 'dm':
        store.openDm(cmd.nick);
        break;
      case 'invite':
        if (store.active) for (const nick of cmd.nicks) store.invite(store.active, nick);
        break;
      case 'private':
        store.createPrivate(cmd.channel, cmd.members);
        break;
      case 'help':
        setDialog('help');
        break;
    }
  };

  const togglePanel = (which: 'members' | 'search') => {
    const open = !(members && panel === which);
    setPanel(which);
    setMembers(open);
  };

  const pick = (name: string) => {
    store.setActive(name);
    setDrawer(false);
  };

  return (
    <div class={`app${drawer ? ' drawer-open' : ''}${members ? ' members-open' : ''}${store.conv.thread ? ' thread-open' : ''}`} data-theme-effective={effectiveTheme(theme)} data-conn={store.conn}>
      <a class="skip-link" href="#composer-input">
        메시지 입력으로 건너뛰기
      </a>
      <Sidebar
        store={store}
        theme={theme}
        onTheme={setTheme}
        onPick={pick}
        onAddChannel={() => setDialog('channel')}
        onBrowse={() => setDialog('browse')}
        onEditNick={() => setDialog('nick')}
      />
      <div class="scrim" aria-hidden="true" onClick={() => (setDrawer(false), setMembers(false))} />

      <main class="chat" aria-label={active ? `#${active.name} 채널` : '채널'}>
        <header class="chat-head">
          <button
            type="button"
            class="icon-btn menu-btn"
            ref={menuBtn}
            aria-label="채널 목록 열기"
            aria-expanded={drawer}
            aria-controls="sidebar"
            onClick={() => setDrawer(!drawer)}
          >
            <Icon name="menu" />
          </button>
          <h1 class="chat-title">
            {active ? (
              <>
                <Icon name={active.dm ? 'at' : active.private ? 'lock' : 'hash'} size={18} />
                <span>{channelLabel(active)}</span>
              </>
            ) : (
              '채널 없음'
            )}
          </h1>
          <div class="head-actions">
            <span class="head-conn">
              <ConnStatus store={store} />
            </span>
            {active && (
              <button
                type="button"
                class="chip"
                aria-label={`접속 중 ${active.presence.length}명, 목록 ${members && panel === 'members' ? '닫기' : '열기'}`}
                aria-expanded={members && panel === 'members'}
                aria-controls="members"
                onClick={() => togglePanel('members')}
              >
                <Icon name="users" size={16} /> <span data-testid="online-count">{active.presence.length}</span>
              </button>
            )}
            <button
              type="button"
              class={`icon-btn${panel === 'search' ? ' on' : ''}`}
              id="search-btn"
              aria-label="내 채널에서 검색"
              title="검색"
              aria-expanded={members && panel === 'search'}
              onClick={() => (panel === 'search' && !members ? setMembers(true) : togglePanel('search'))}
            >
              <Icon name="search" />
            </button>
            <button type="button" class="icon-btn" aria-label="도움말" title="도움말 (/help)" onClick={() => setDialog('help')}>
              <Icon name="help" />
            </button>
            {active && (
              <button type="button" class="icon-btn" aria-label={`#${active.name} 나가기`} title="채널 나가기 (/leave)" onClick={() => store.leave(active.name)}>
                <Icon name="leave" />
              </button>
            )}
          </div>
        </header>
        <OfflineBanner store={store} />
        {active ? (
          <>
            <MessageList key={active.name} store={store} channel={active} />
            <Composer
              channel={active.name}
              offline={store.conn !== 'connected'}
              onCommand={(cmd) => onCommand(cmd)}
              replying={replyingTo && { nick: replyingTo.user.nick, text: snippet(replyingTo.text) }}
              onCancelReply={() => store.conv.cancelReply()}
              onEditLast={() => store.conv.editLast(active.name)}
              focusKey={store.conv.replying?.id ?? null}
            />
          </>
        ) : (
          <div class="empty">
            <h2>들어가 있는 채널이 없습니다</h2>
            <p>채널을 만들거나 들어가 대화를 시작하세요.</p>
            <button type="button" class="btn primary" onClick={() => setDialog('channel')}>
              채널 추가
            </button>
          </div>
        )}
      </main>

      {store.conv.thread ? (
        <ThreadPanel store={store} onCommand={onCommand} />
      ) : panel === 'search' ? (
        <SearchPanel store={store} onClose={() => (setPanel('members'), setMembers(false))} onPick={() => setMembers(false)} />
      ) : (
        <MembersPanel channel={active} myNick={me.nick} onClose={() => setMembers(false)} onDm={(nick) => (store.openDm(nick), setMembers(false))} />
      )}

      <div class="sr-only" aria-live="polite" aria-atomic="true">
        {store.announcement}
      </div>
      <Toasts store={store} />
      <ChannelDialog
        open={dialog === 'channel'}
        onClose={() => setDialog(null)}
        onJoin={(name) => {
          store.join(name);
          setDialog(null);
          setDrawer(false);
        }}
        onCreatePrivate={(name, people) => {
          store.createPrivate(name, people);
          setDialog(null);
          setDrawer(false);
        }}
      />
      <BrowseDialog
        store={store}
        open={dialog === 'browse'}
        onClose={() => setDialog(null)}
        onOpen={(name) => {
          store.setActive(name);
          setDialog(null);
          setDrawer(false);
        }}
      />
      <NickDialog
        open={dialog === 'nick'}
        current={me.nick}
        onClose={() => setDialog(null)}
        onSave={(nick) => {
          store.changeNick(nick);
          setDialog(null);
        }}
      />
      <HelpDialog open={dialog === 'help'} onClose={() => setDialog(null)} />
      <DeleteDialog store={store} />
    </div>
  );
}
