// The chat screen: channel sidebar (a drawer under 760px), the timeline and
// composer, the online list, dialogs and toasts.
import { useEffect, useRef, useState } from 'preact/hooks';
import { COMMAND_HELP, type Command } from '../commands.ts';
import { channelName } from '../protocol.ts';
import type { ChatStore } from '../store.ts';
import { applyTheme, effectiveTheme, loadTheme, NEXT_THEME, THEME_LABEL, type ThemeChoice } from '../theme.ts';
import { Avatar, Icon, Modal } from './common.tsx';
import { Composer } from './Composer.tsx';
import { MessageList } from './MessageList.tsx';

function useStore(store: ChatStore): number {
  const [, setV] = useState(0);
  useEffect(() => store.subscribe(() => setV(store.version)), [store]);
  return store.version;
}

const CONN_LABEL = { connected: '연결됨', connecting: '연결 중…', disconnected: '연결 끊김' } as const;

function ConnStatus({ store }: { store: ChatStore }) {
  return (
    <span class={`conn conn-${store.conn}`} role="status" data-conn-state={store.conn} title={`서버 연결: ${CONN_LABEL[store.conn]}`}>
      <span class="conn-dot" aria-hidden="true" />
      <span class="conn-label">{CONN_LABEL[store.conn]}</span>
    </span>
  );
}

function Countdown({ at }: { at: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [at]);
  const s = Math.max(0, Math.ceil((at - now) / 1000));
  return <>{s > 0 ? `${s}초 후 다시 연결합니다` : '다시 연결하는 중…'}</>;
}

function OfflineBanner({ store }: { store: ChatStore }) {
  if (store.conn === 'connected' || (!store.everConnected && store.conn === 'connecting')) return null;
  const queued = store.pending.filter((p) => p.delivery === 'queued').length;
  return (
    <div class={`banner banner-${store.conn}`} role="status">
      <Icon name={store.conn === 'connecting' ? 'retry' : 'alert'} size={16} />
      <span>
        {store.conn === 'connecting' ? '서버에 다시 연결하는 중…' : '서버와 연결이 끊겼습니다.'}{' '}
        {store.conn === 'disconnected' && store.retryAt && <Countdown at={store.retryAt} />}
        {queued > 0 && ` · 보낼 메시지 ${queued}개 대기 중`}
      </span>
      {store.conn === 'disconnected' && (
        <button type="button" class="link-btn" onClick={() => store.retryConnection()}>
          지금 다시 연결
        </button>
      )}
    </div>
  );
}

function Toasts({ store }: { store: ChatStore }) {
  return (
    <div class="toasts" aria-live="polite" aria-relevant="additions">
      {store.toasts.map((t) => (
        <div key={t.id} class={`toast toast-${t.tone}`} role={t.tone === 'error' ? 'alert' : 'status'}>
          <Icon name={t.tone === 'error' ? 'alert' : 'info'} size={16} />
          <div class="toast-text">
            <strong>{t.text}</strong>
            {t.detail && <span class="toast-detail">{t.detail}</span>}
          </div>
          <button type="button" class="icon-btn" aria-label="알림 닫기" onClick={() => store.dismissToast(t.id)}>
            <Icon name="close" size={14} />
          </button>
        </div>
      ))}
    </div>
  );
}

function ChannelDialog({ open, onClose, onJoin }: { open: boolean; onClose: () => void; onJoin: (name: string) => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    if (open) {
      setValue('');
      setError('');
    }
  }, [open]);
  return (
    <Modal open={open} title="채널 만들기 또는 들어가기" onClose={onClose} id="channel-dialog">
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          const name = channelName(value);
          if (!name) {
            setError('채널 이름은 글자나 숫자로 시작하고, 글자·숫자·- _ . 만 쓸 수 있습니다 (40자까지).');
            return;
          }
          onJoin(name);
        }}
      >
        <label for="channel-name">채널 이름</label>
        <div class="input-prefix">
          <span aria-hidden="true">#</span>
          <input
            id="channel-name"
            value={value}
            onInput={(e) => {
              setValue((e.target as HTMLInputElement).value);
              setError('');
            }}
            placeholder="예: 점심, dev-backend"
            maxLength={41}
            autocomplete="off"
            aria-invalid={error ? true : undefined}
            aria-describedby="channel-help"
            autoFocus
          />
        </div>
        <p id="channel-help" class={error ? 'field-error' : 'field-help'} role={error ? 'alert' : undefined}>
          {error || '없는 채널이면 새로 만들어지고, 있는 채널이면 들어갑니다.'}
        </p>
        <div class="form-actions">
          <button type="button" class="btn" onClick={onClose}>
            취소
          </button>
          <button type="submit" class="btn primary">
            들어가기
          </button>
        </div>
      </form>
    </Modal>
  );
}

function NickDialog({ open, current, onClose, onSave }: { open: boolean; current: string; onClose: () => void; onSave: (nick: string) => void }) {
  const [value, setValue] = useState(current);
  const [error, setError] = useState('');
  useEffect(() => {
    if (open) {
      setValue(current);
      setError('');
    }
  }, [open, current]);
  return (
    <Modal open={open} title="닉네임 바꾸기" onClose={onClose} id="nick-dialog">
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          const nick = value.trim();
          if (!nick) return setError('닉네임을 입력해 주세요.');
          if (/[\s@#]/u.test(nick) || nick.startsWith('/')) return setError('공백, @, # 은 쓸 수 없고 / 로 시작할 수 없습니다.');
          if ([...nick].length > 32) return setError('닉네임은 32자까지 쓸 수 있습니다.');
          onSave(nick);
        }}
      >
        <label for="nick-input">새 닉네임</label>
        <input
          id="nick-input"
          value={value}
          onInput={(e) => {
            setValue((e.target as HTMLInputElement).value);
            setError('');
          }}
          autocomplete="nickname"
          aria-invalid={error ? true : undefined}
          aria-describedby="nick-help"
          autoFocus
        />
        <p id="nick-help" class={error ? 'field-error' : 'field-help'} role={error ? 'alert' : undefined}>
          {error || '들어가 있는 모든 채널에 바뀐 이름이 알려집니다. 채팅창에 /nick 새이름 으로도 바꿀 수 있습니다.'}
        </p>
        <div class="form-actions">
          <button type="button" class="btn" onClick={onClose}>
            취소
          </button>
          <button type="submit" class="btn primary">
            바꾸기
          </button>
        </div>
      </form>
    </Modal>
  );
}

function HelpDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Modal open={open} title="도움말" onClose={onClose} id="help-dialog">
      <h3 class="help-h">명령어</h3>
      <dl class="help-list">
        {COMMAND_HELP.map((c) => (
          <div key={c.usage}>
            <dt>
              <code>{c.usage}</code>
            </dt>
            <dd>{c.description}</dd>
          </div>
        ))}
        <div>
          <dt>
            <code>@봇 도움말</code>
          </dt>
          <dd>봇이 할 수 있는 일을 봅니다 (영화 질문, 일정 알림 등)</dd>
        </div>
      </dl>
      <h3 class="help-h">키보드</h3>
      <dl class="help-list">
        <div>
          <dt>
            <kbd>Enter</kbd>
          </dt>
          <dd>보내기 (한글 조합 중에는 글자만 완성합니다)</dd>
        </div>
        <div>
          <dt>
            <kbd>Shift</kbd>+<kbd>Enter</kbd>
          </dt>
          <dd>줄바꿈</dd>
        </div>
        <div>
          <dt>
            <kbd>Alt</kbd>+<kbd>↑</kbd> / <kbd>↓</kbd>
          </dt>
          <dd>이전 / 다음 채널</dd>
        </div>
        <div>
          <dt>
            <kbd>Esc</kbd>
          </dt>
          <dd>대화상자·메뉴 닫기</dd>
        </div>
      </dl>
    </Modal>
  );
}

export function App({ store }: { store: ChatStore }) {
  useStore(store);
  const [theme, setTheme] = useState<ThemeChoice>(loadTheme());
  const [drawer, setDrawer] = useState(false);
  const [members, setMembers] = useState(false);
  const [dialog, setDialog] = useState<'channel' | 'nick' | 'help' | null>(null);
  const menuBtn = useRef<HTMLButtonElement>(null);

  const active = store.active ? store.channels.get(store.active) : undefined;
  const me = store.me!;

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

  const onCommand = (cmd: Command) => {
    switch (cmd.kind) {
      case 'message':
        if (store.active) store.sendMessage(store.active, cmd.text);
        break;
      case 'nick':
        store.changeNick(cmd.nick);
        break;
      case 'join':
        store.join(cmd.channel);
        break;
      case 'leave':
        store.leave(cmd.channel ?? store.active);
        break;
      case 'help':
        setDialog('help');
        break;
    }
  };

  const pick = (name: string) => {
    store.setActive(name);
    setDrawer(false);
  };

  const themeIcon = theme === 'system' ? 'monitor' : theme === 'dark' ? 'moon' : 'sun';

  return (
    <div class={`app${drawer ? ' drawer-open' : ''}${members ? ' members-open' : ''}`} data-theme-effective={effectiveTheme(theme)} data-conn={store.conn}>
      <a class="skip-link" href="#composer-input">
        메시지 입력으로 건너뛰기
      </a>
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
            <button type="button" class="icon-btn" aria-label="채널 만들기 또는 들어가기" title="채널 추가" onClick={() => setDialog('channel')}>
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
                    onClick={() => pick(name)}
                  >
                    <Icon name="hash" size={16} />
                    <span class="channel-name">{name}</span>
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
          <button type="button" class="add-channel" onClick={() => setDialog('channel')}>
            <Icon name="plus" size={16} /> 채널 추가
          </button>
        </nav>
        <div class="me">
          <Avatar nick={me.nick} id={me.id} size={32} />
          <div class="me-text">
            <span class="me-nick" data-testid="my-nick">
              {me.nick}
            </span>
            <span class="me-sub">{CONN_LABEL[store.conn]}</span>
          </div>
          <button type="button" class="icon-btn" aria-label="닉네임 바꾸기" title="닉네임 바꾸기" onClick={() => setDialog('nick')}>
            <Icon name="edit" size={16} />
          </button>
          <button
            type="button"
            class="icon-btn"
            aria-label={`테마 바꾸기 (지금: ${THEME_LABEL[theme]})`}
            title={`테마: ${THEME_LABEL[theme]}`}
            onClick={() => setTheme(NEXT_THEME[theme])}
          >
            <Icon name={themeIcon} size={16} />
          </button>
          <button type="button" class="icon-btn" aria-label="로그아웃" title="로그아웃" onClick={() => store.logout()}>
            <Icon name="logout" size={16} />
          </button>
        </div>
      </aside>
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
                <Icon name="hash" size={18} />
                <span>{active.name}</span>
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
                aria-label={`접속 중 ${active.presence.length}명, 목록 ${members ? '닫기' : '열기'}`}
                aria-expanded={members}
                aria-controls="members"
                onClick={() => setMembers(!members)}
              >
                <Icon name="users" size={16} /> <span data-testid="online-count">{active.presence.length}</span>
              </button>
            )}
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
            <Composer channel={active.name} offline={store.conn !== 'connected'} onCommand={onCommand} />
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

      <aside class="members" id="members" aria-labelledby="members-h">
        <div class="section-head">
          <h2 id="members-h">접속 중 {active ? `— ${active.presence.length}명` : ''}</h2>
          <button type="button" class="icon-btn members-close" aria-label="접속 목록 닫기" onClick={() => setMembers(false)}>
            <Icon name="close" size={16} />
          </button>
        </div>
        <ul class="presence" aria-label="접속 중인 사람">
          {(active?.presence ?? []).map((nick) => (
            <li key={nick} class={nick === me.nick ? 'is-me' : ''}>
              <span class="presence-avatar">
                <Avatar nick={nick} size={26} />
                <span class="online-dot" aria-hidden="true" />
              </span>
              <span class="presence-nick">{nick}</span>
              {nick === me.nick && <span class="you">(나)</span>}
            </li>
          ))}
        </ul>
      </aside>

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
    </div>
  );
}
