// The chat's state and everything that changes it: the session (login,
// relogin), the connection's life (who we are, rejoining, what waited), frame
// dispatch and toasts. Channels (channels.ts) and our own pending sends
// (outbox.ts) keep their own state; components read a snapshot and call the
// actions here.
import { josa } from '../../core/korean/josa.ts';
import { Channels, type ChannelState } from './channels.ts';
import { Connection, type ConnState } from './connection.ts';
import { describeError, describeHttpError } from './errors.ts';
import { NICK_JOSA, type TimelineEvent } from './format.ts';
import { newRef, Outbox, type PendingSend } from './outbox.ts';
import type { ClientFrame, Envelope, ErrorFrame, HistoryFrame, ServerFrame, User } from './protocol.ts';
import { KEY, load, save } from './storage.ts';

export { MAX_TEXT } from './protocol.ts';
const TOAST_MS = 7000;
/** What a refused login means when the server gives no code we know. */
const LOGIN_STATUS: Record<number, string> = { 400: '이 닉네임은 쓸 수 없습니다.', 409: '이미 누군가 쓰고 있는 닉네임입니다. 다른 닉네임으로 들어와 주세요.' };

export interface Toast {
  id: number;
  text: string;
  detail?: string;
  tone: 'error' | 'info';
}

export class ChatStore {
  // ---- state (read by components) ----
  me: User | null = load<User | null>(KEY.user, null);
  token: string | null = load<string | null>(KEY.token, null);
  rememberedNick: string = load<string>(KEY.nick, '');
  conn: ConnState = 'disconnected';
  retryAt: number | null = null;
  /** ever connected in this session (to tell "first connect" from "reconnect") */
  everConnected = false;
  toasts: Toast[] = [];
  /** last message from someone else, for the polite screen-reader announcement */
  announcement = '';
  loginError = '';
  loggingIn = false;
  version = 0;

  private listeners = new Set<() => void>();
  private connection: Connection;
  private toastSeq = 0;
  private awaitingSelf = false;
  private authProbe = false;
  private restoringNick = false;
  private selfTimer: ReturnType<typeof setTimeout> | null = null;
  /** refs of our nick/join/leave requests, to name them in error toasts */
  private requests = new Map<string, string>();

  private readonly chans = new Channels();
  private readonly outbox = new Outbox({
    send: (frame) => this.connection.send(frame),
    connected: () => this.conn === 'connected',
    changed: () => this.emit(),
  });

  get channels(): Map<string, ChannelState> {
    return this.chans.map;
  }
  get order(): string[] {
    return this.chans.order;
  }
  get active(): string | null {
    return this.chans.active;
  }
  get pending(): readonly PendingSend[] {
    return this.outbox.items;
  }

  constructor() {
    this.connection = new Connection({
      url: () => {
        const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
        return `${proto}//${location.host}/ws?token=${encodeURIComponent(this.token ?? '')}`;
      },
      onFrame: (f) => this.onFrame(f),
      onState: (s, retryAt) => {
        this.conn = s;
        this.retryAt = retryAt;
        if (s !== 'connected') this.outbox.markInFlightUnsure();
        this.emit();
      },
      onOpen: () => this.onOpen(),
      onAuthFailed: () => void this.relogin(),
      onFailedOpen: (n) => {
        // Browsers hide the HTTP 401 of a refused upgrade. If the server is up
        // (healthz answers 200) yet our socket keeps failing, the token is stale.
        // One immediate retry first: the server may just have come back.
        if (n >= 2 && this.token) {
          void fetch('/healthz')
            .then((r) => {
              if (!r.ok || this.conn === 'connected') return;
              if (this.authProbe) void this.relogin();
              else {
                this.authProbe = true;
                this.connection.retryNow();
              }
            })
            .catch(() => undefined);
        }
      },
    });
  }

  // ---- subscription ----
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  private emit(): void {
    this.version++;
    for (const fn of this.listeners) fn();
  }

  // ---- session ----
  /** Resume a remembered session, if any. */
  boot(): void {
    if (this.token && this.me) this.connection.start();
  }

  async login(nick: string): Promise<boolean> {
    this.loggingIn = true;
    this.loginError = '';
    this.emit();
    try {
      const res = await fetch('/api/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ nick }),
      });
      const body = (await res.json().catch(() => ({}))) as { token?: string; user?: User; error?: string; code?: string; message?: string };
      if (!res.ok || !body.token || !body.user) {
        const { text, detail } = describeHttpError(res.status, body, LOGIN_STATUS);
        this.loginError = detail ? `${text} (${detail})` : text;
        return false;
      }
      this.token = body.token;
      this.me = body.user;
      this.rememberedNick = body.user.nick;
      save(KEY.token, this.token);
      save(KEY.user, this.me);
      save(KEY.nick, this.rememberedNick);
      this.connection.stop();
      this.connection.start();
      return true;
    } catch {
      this.loginError = '서버에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.';
      return false;
    } finally {
      this.loggingIn = false;
      this.emit();
    }
  }

  /** The token was refused (expired secret, server reset): log in again with the same nick. */
  private async relogin(): Promise<void> {
    const nick = this.me?.nick ?? this.rememberedNick;
    this.token = null;
    save(KEY.token, null);
    if (!nick || !(await this.login(nick))) {
      this.me = null;
      save(KEY.user, null);
      this.toast('로그인이 만료되었습니다. 다시 로그인해 주세요.', 'error');
    }
  }

  logout(): void {
    this.connection.stop();
    this.token = null;
    this.me = null;
    save(KEY.token, null);
    save(KEY.user, null);
    this.emit();
  }

  retryConnection(): void {
    this.connection.retryNow();
  }

  // ---- channels ----
  setActive(name: string): void {
    if (this.chans.setActive(name)) this.emit();
  }

  join(name: string): void {
    this.chans.ensure(name);
    // Offline, the join goes out with all the others when the connection opens.
    this.request({ type: 'join', channel: name }, `#${name} 입장`);
    this.setActive(name);
  }

  leave(name: string | null = this.active): void {
    if (!name || !this.channels.has(name)) return;
    this.request({ type: 'leave', channel: name }, `#${name} 나가기`);
    this.chans.remove(name);
    this.outbox.dropChannel(name);
    this.emit();
  }

  changeNick(nick: string): void {
    const trimmed = nick.trim();
    if (!trimmed || trimmed === this.me?.nick) return;
    if (!this.request({ type: 'nick', nick: trimmed }, '닉네임 변경')) {
      this.toast('연결되어 있지 않아 닉네임을 바꾸지 못했습니다. 다시 연결된 뒤 시도해 주세요.', 'error');
    }
  }

  /** Ask for the page of history before the oldest event we hold. */
  loadOlder(name: string): void {
    const ch = this.channels.get(name);
    if (!ch || ch.loadingOlder || ch.noMoreOlder || !ch.historyLoaded || ch.events.length === 0) return;
    if (this.connection.send({ type: 'history', channel: name, before: ch.events[0].ts })) {
      ch.loadingOlder = true;
      this.emit();
    }
  }

  // ---- messages ----
  /** Send a chat message; queued when offline, never dropped. */
  sendMessage(channel: string, text: string): void {
    this.outbox.add(channel, text);
    this.emit();
  }

  retry(ref: string): void {
    this.outbox.retry(ref);
    this.emit();
  }

  discard(ref: string): void {
    this.outbox.discard(ref);
    this.emit();
  }

  /** Timeline for a channel: confirmed events, then our pending sends. */
  timeline(name: string): TimelineEvent[] {
    const ch = this.channels.get(name);
    if (!ch) return [];
    const mine = this.outbox.timeline(name, this.me ?? { id: '', nick: '' });
    return mine.length ? [...ch.events, ...mine] : ch.events;
  }

  // ---- toasts ----
  toast(text: string, tone: Toast['tone'] = 'info', detail?: string): void {
    const t: Toast = { id: ++this.toastSeq, text, tone, detail };
    this.toasts = [...this.toasts.slice(-3), t];
    setTimeout(() => this.dismissToast(t.id), TOAST_MS);
    this.emit();
  }
  dismissToast(id: number): void {
    const before = this.toasts.length;
    this.toasts = this.toasts.filter((t) => t.id !== id);
    if (this.toasts.length !== before) this.emit();
  }

  // ---- connection events ----
  private request(frame: ClientFrame, what: string): boolean {
    const ref = newRef();
    this.requests.set(ref, what);
    return this.connection.send({ ...frame, ref });
  }

  private onOpen(): void {
    // The server says who we are first ("self"); joins wait for it so a nick
    // changed in an earlier connection is restored before anyone sees us.
    this.awaitingSelf = true;
    this.restoringNick = false;
    this.authProbe = false;
    if (this.selfTimer) clearTimeout(this.selfTimer);
    this.selfTimer = setTimeout(() => this.ready(), 2000);
  }

  private onSelf(user: User): void {
    const wanted = this.me?.nick;
    if (this.awaitingSelf && !this.restoringNick && wanted && wanted !== user.nick && this.me?.id === user.id) {
      // Our token carries the nick we logged in with; ask for the one we changed to since.
      this.restoringNick = true;
      this.connection.send({ type: 'nick', nick: wanted, ref: 'restore-nick' });
      return;
    }
    this.me = { id: user.id, nick: user.nick };
    this.rememberedNick = user.nick;
    save(KEY.user, this.me);
    save(KEY.nick, user.nick);
    if (this.awaitingSelf) this.ready();
  }

  /** Connected and we know who we are: (re)join every channel and send what waited. */
  private ready(): void {
    if (!this.awaitingSelf) return;
    this.awaitingSelf = false;
    if (this.selfTimer) clearTimeout(this.selfTimer);
    this.selfTimer = null;
    const reconnect = this.everConnected;
    this.everConnected = true;
    for (const ch of this.channels.values()) {
      ch.loadingOlder = false;
      this.request({ type: 'join', channel: ch.name }, `#${ch.name} 입장`);
    }
    // Queued sends go out after the joins (the server reads frames in order).
    this.outbox.sendQueued();
    if (reconnect) this.toast('다시 연결되었습니다', 'info');
    this.emit();
  }

  private onFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'presence':
        this.chans.setPresence(f.channel, f.users);
        break;
      case 'history':
        this.onHistory(f);
        break;
      case 'error':
        this.onError(f);
        break;
      case 'self':
        this.onSelf(f.user);
        break;
      default:
        this.onEnvelope(f);
    }
    this.emit();
  }

  private onHistory(f: HistoryFrame): void {
    if (!this.chans.applyHistory(f)) return;
    for (const e of f.events) this.outbox.confirm(e, this.me);
    this.outbox.failUnsure(f.channel);
  }

  private onError(f: ErrorFrame): void {
    const { text, detail } = describeError(f);
    if (f.code === 'unauthorized') {
      void this.relogin();
      return;
    }
    // The connection is about to drop; the banner says so, no need for an error toast.
    if (f.code === 'shutting_down') return;
    if (f.ref === 'restore-nick') {
      // Could not get our changed nick back (someone took it): keep the one we have.
      this.toast(`닉네임 ${josa(this.me?.nick ?? '', '을/를', NICK_JOSA)} 되찾지 못했습니다: ${text}`, 'error', detail);
      this.restoringNick = false;
      this.ready();
      return;
    }
    if (f.code === 'nick_taken' && !f.ref && this.awaitingSelf) {
      // Refused at connect: someone else is online with our nick. Pick another.
      this.connection.stop();
      this.token = null;
      save(KEY.token, null);
      this.loginError = `닉네임 ${josa(this.me?.nick ?? '', '을/를', NICK_JOSA)} 지금 다른 사람이 쓰고 있습니다. 다른 닉네임으로 들어와 주세요.`;
      this.me = null;
      save(KEY.user, null);
      return;
    }
    const p = f.ref ? this.outbox.find(f.ref) : undefined;
    if (p) {
      this.outbox.fail(p, detail || text);
      this.toast(`메시지를 보내지 못했습니다: ${text}`, 'error', detail);
      return;
    }
    const what = f.ref ? this.requests.get(f.ref) : undefined;
    if (f.ref) this.requests.delete(f.ref);
    this.toast(what ? `${what} 실패: ${text}` : text, 'error', detail);
  }

  private onEnvelope(e: Envelope): void {
    const applied = this.chans.applyEvent(e);
    if (!applied) return;
    const { ch, isNew } = applied;
    const mine = this.outbox.confirm(e, this.me) || (this.me !== null && e.user.id === this.me.id);
    if (e.type === 'nick' && this.me && e.user.id === this.me.id) {
      const to = typeof e.meta?.new === 'string' ? e.meta.new : e.user.nick;
      if (to !== this.me.nick) {
        this.me = { ...this.me, nick: to };
        this.rememberedNick = to;
        save(KEY.user, this.me);
        save(KEY.nick, to);
      }
    }
    if (!isNew || mine || (e.type !== 'message' && e.type !== 'bot')) return;
    if (e.channel !== this.active || document.hidden) ch.unread++;
    if (e.channel === this.active) this.announcement = `${e.user.nick}: ${e.text}`;
  }

  /** Reading the active channel clears its unread count (window regained focus). */
  markRead(): void {
    const ch = this.active ? this.channels.get(this.active) : null;
    if (ch && ch.unread) {
      ch.unread = 0;
      this.emit();
    }
  }
}
