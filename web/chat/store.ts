// The chat's state and everything that changes it: the session (login with
// a password), the connection's life (who we are, what waited), frame
// dispatch, read positions, mentions and toasts. The server keeps the
// account's channels and sends their list on connect (no joining again).
// Channels (channels.ts) and our own pending sends (outbox.ts) keep their own
// state; HTTP calls are in api.ts; components read a snapshot and call the
// actions here.
import { Channels, DEFAULT_CHANNEL, type ChannelState } from './channels.ts';
import { Connection, type ConnState } from './connection.ts';
import { Conversation } from './conversation.ts';
import * as api from './api.ts';
import { describeError } from './errors.ts';
import type { TimelineEvent } from './format.ts';
import { newRef, Outbox, type PendingSend } from './outbox.ts';
import type { ClientFrame, Envelope, ErrorFrame, HistoryFrame, ServerFrame, User } from './protocol.ts';
import { notify } from './notify.ts';
import { KEY, load, save } from './storage.ts';
import { ToastList } from './toasts.ts';

export { MAX_TEXT } from './protocol.ts';

export class ChatStore {
  // ---- state (read by components) ----
  me: User | null = load<User | null>(KEY.user, null);
  /** the account's role (the server's `self` frame): an admin may delete anyone's message */
  role: string | null = null;
  token: string | null = load<string | null>(KEY.token, null);
  rememberedNick: string = load<string>(KEY.nick, '');
  conn: ConnState = 'disconnected';
  retryAt: number | null = null;
  /** ever connected in this session (to tell "first connect" from "reconnect") */
  everConnected = false;
  readonly toasts = new ToastList(() => this.emit());
  /** last message from someone else, for the polite screen-reader announcement */
  announcement = '';
  private announced = '';
  loginError = '';
  loggingIn = false;
  version = 0;

  private listeners = new Set<() => void>();
  private connection: Connection;
  private awaitingSelf = false;
  private authProbe = false;
  private selfTimer: ReturnType<typeof setTimeout> | null = null;
  /** refs of our nick/join/leave requests, to name them in error toasts */
  private requests = new Map<string, string>();
  /** channels we asked to join that the server's list does not show yet */
  private joining = new Set<string>();
  /** a channel we created: shown once the server lists it */
  private wantActive: string | null = null;
  /** a message to scroll to (a search hit) */
  focus: { channel: string; id: string } | null = null;

  private readonly chans = new Channels();
  private readonly outbox = new Outbox({
    send: (frame) => this.connection.send(frame),
    connected: () => this.conn === 'connected',
    changed: () => this.emit(),
  });
  /** replies, the open thread, edits and deletes (conversation.ts) */
  readonly conv = new Conversation({
    channel: (name) => this.chans.map.get(name),
    send: (frame) => this.conn === 'connected' && this.connection.send(frame),
    pending: (channel) => this.outbox.timeline(channel, this.me ?? { id: '', nick: '' }),
    me: () => this.me,
    role: () => this.role,
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
      onAuthFailed: () => this.relogin(),
      onFailedOpen: (n) => {
        // Browsers hide the HTTP 401 of a refused upgrade. If the server is up
        // (healthz answers 200) yet our socket keeps failing, the token is stale.
        // One immediate retry first: the server may just have come back.
        if (n >= 2 && this.token) {
          void fetch('/healthz')
            .then((r) => {
              if (!r.ok || this.conn === 'connected') return;
              if (this.authProbe) this.relogin();
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

  /** Log in (the first login of a nick claims it with this password). */
  async login(nick: string, password: string): Promise<boolean> {
    this.loggingIn = true;
    this.loginError = '';
    this.emit();
    const r = await api.login(nick, password);
    this.loggingIn = false;
    if (!r.ok) {
      this.loginError = r.error;
      this.emit();
      return false;
    }
    const { token, user, created } = r.value;
    if (this.me && this.me.id !== user.id) this.chans.reset();
    // a new account starts in the default channel
    if (created) this.joining.add(DEFAULT_CHANNEL);
    this.token = token;
    this.me = user;
    this.rememberedNick = user.nick;
    save(KEY.token, token);
    save(KEY.user, user);
    save(KEY.nick, user.nick);
    this.connection.stop();
    this.connection.start();
    this.emit();
    return true;
  }

  /** The token was refused (expired, password reset, account disabled): back to the login screen. */
  private relogin(message = '로그인이 만료되었습니다. 비밀번호를 입력해 다시 로그인해 주세요.'): void {
    this.connection.stop();
    this.token = null;
    save(KEY.token, null);
    this.rememberedNick = this.me?.nick ?? this.rememberedNick;
    this.me = null;
    save(KEY.user, null);
    this.loginError = message;
    this.emit();
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
    if (!this.chans.setActive(name)) return;
    this.readActive();
    this.emit();
  }

  join(name: string): void {
    this.chans.ensure(name);
    // Offline, the join goes out when the connection opens.
    this.joining.add(name);
    this.request({ type: 'join', channel: name }, `#${name} 입장`);
    this.setActive(name);
  }

  leave(name: string | null = this.active): void {
    if (!name || !this.channels.has(name)) return;
    this.joining.delete(name);
    this.request({ type: 'leave', channel: name }, `#${name} 나가기`);
    this.chans.remove(name);
    this.outbox.dropChannel(name);
    this.emit();
  }

  /** A private channel with these people; it becomes the active one once the server lists it. */
  createPrivate(name: string, members: string[]): void {
    this.wantActive = name;
    this.request({ type: 'create', channel: name, private: true, members }, `비공개 채널 #${name} 만들기`);
  }

  invite(channel: string, nick: string): void {
    this.request({ type: 'invite', channel, nick }, `${nick} 초대`);
  }

  /** Open the direct conversation with someone (the server answers a `dm` frame). */
  openDm(nick: string): void {
    this.request({ type: 'dm', nick }, `${nick}님과 1:1 대화`);
  }

  /** Show one message (a search hit): its channel, scrolled to it (MessageList loads older pages until it is there). */
  jumpTo(channel: string, id: string): void {
    if (!this.channels.has(channel)) return;
    this.focus = { channel, id };
    this.setActive(channel);
    this.emit();
  }

  changeNick(nick: string): void {
    const trimmed = nick.trim();
    if (!trimmed || trimmed === this.me?.nick) return;
    if (!this.request({ type: 'nick', nick: trimmed }, '닉네임 변경')) {
      this.toasts.show('연결되어 있지 않아 닉네임을 바꾸지 못했습니다. 다시 연결된 뒤 시도해 주세요.', 'error');
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
  /** Send a chat message (a reply when `replyTo` names its thread); queued when offline, never dropped. */
  sendMessage(channel: string, text: string, replyTo: string | null = null): void {
    this.outbox.add(channel, text, replyTo);
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

  // ---- connection events ----
  private request(frame: ClientFrame, what: string): boolean {
    const ref = newRef();
    this.requests.set(ref, what);
    return this.connection.send({ ...frame, ref });
  }

  /** Tell the server how far we read a channel (it keeps it per account: unread survives reloads and other devices follow). */
  private sendRead(ch: ChannelState): void {
    const last = ch.events[ch.events.length - 1];
    if (last && this.conn === 'connected') this.connection.send({ type: 'read', channel: ch.name, ts: last.ts });
  }

  private onOpen(): void {
    // The server says who we are first ("self": the account's nick now, also after a rename elsewhere).
    this.awaitingSelf = true;
    this.authProbe = false;
    if (this.selfTimer) clearTimeout(this.selfTimer);
    this.selfTimer = setTimeout(() => this.ready(), 2000);
  }

  private onSelf(user: User & { role?: string }): void {
    this.me = { id: user.id, nick: user.nick };
    this.role = user.role ?? null;
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
    for (const ch of this.channels.values()) ch.loadingOlder = false;
    // The server sends our channels by itself; only joins asked for while offline go out.
    for (const name of this.joining) this.request({ type: 'join', channel: name }, `#${name} 입장`);
    // Queued sends go out after the joins (the server handles a join before the frames after it).
    this.outbox.sendQueued();
    if (reconnect) this.toasts.show('다시 연결되었습니다', 'info');
    this.emit();
  }

  private onFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'presence':
        this.chans.setPresence(f.channel, f.users, f.members);
        break;
      case 'channels':
        for (const c of f.channels) this.joining.delete(c.name);
        this.chans.applyList(f.channels, this.joining);
        if (this.wantActive && this.chans.setActive(this.wantActive)) this.wantActive = null;
        this.readActive();
        break;
      case 'dm':
        this.chans.ensure(f.channel).dm = f.with;
        this.setActive(f.channel);
        break;
      case 'read': {
        // read on another tab or device
        const ch = this.channels.get(f.channel);
        const last = ch?.events[ch.events.length - 1];
        if (ch && (!last || last.ts <= f.ts)) ch.unread = ch.mentions = 0;
        break;
      }
      case 'history':
        this.onHistory(f);
        break;
      case 'error':
        this.onError(f);
        break;
      case 'self':
        this.onSelf(f.user);
        break;
      case 'thread':
        this.conv.onThread(f);
        break;
      default:
        this.onEnvelope(f);
    }
    this.emit();
  }

  private onHistory(f: HistoryFrame): void {
    if (!this.chans.applyHistory(f)) return;
    if (f.channel === this.active) this.readActive();
    for (const e of f.events) this.outbox.confirm(e, this.me);
    this.outbox.failUnsure(f.channel);
  }

  private onError(f: ErrorFrame): void {
    const { text, detail } = describeError(f);
    if (f.code === 'unauthorized') {
      this.relogin(`${text} ${detail}`.trim());
      return;
    }
    // The connection is about to drop; the banner says so, no need for an error toast.
    if (f.code === 'shutting_down') return;
    if (this.conv.onError(f)) return;
    const p = f.ref ? this.outbox.find(f.ref) : undefined;
    if (p) {
      this.outbox.fail(p, detail || text);
      this.toasts.show(`메시지를 보내지 못했습니다: ${text}`, 'error', detail);
      return;
    }
    const what = f.ref ? this.requests.get(f.ref) : undefined;
    if (f.ref) this.requests.delete(f.ref);
    this.toasts.show(what ? `${what} 실패: ${text}` : text, 'error', detail);
  }

  private onEnvelope(e: Envelope): void {
    const applied = this.chans.applyEvent(e);
    if (!applied) return;
    if (applied.change) {
      this.conv.onChange(e);
      // a deleted message's words leave the screen reader's region too
      if (e.type === 'delete' && e.meta.target === this.announced) this.announcement = '';
      return;
    }
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
    const mentioned = this.mentionsMe(e) || ch.dm !== null;
    if (e.channel !== this.active || document.hidden) {
      ch.unread++;
      if (mentioned) ch.mentions++;
    } else this.sendRead(ch);
    if (e.channel === this.active) [this.announcement, this.announced] = [`${e.user.nick}: ${e.text}`, e.id];
    if (mentioned && document.hidden) notify(e, `${e.user.nick} · ${ch.dm ? '1:1 대화' : `#${e.channel}`}`);
  }

  /** Does this event name us in meta.mentions? */
  mentionsMe(e: Envelope): boolean {
    const ids = e.meta?.mentions;
    return this.me !== null && Array.isArray(ids) && ids.includes(this.me.id);
  }

  /** The active channel is on screen: clear its counts and tell the server. */
  private readActive(): void {
    const ch = this.active ? this.channels.get(this.active) : null;
    if (!ch || document.hidden) return;
    ch.unread = ch.mentions = 0;
    this.sendRead(ch);
  }

  /** Reading the active channel clears its unread count (window regained focus). */
  markRead(): void {
    this.readActive();
    this.emit();
  }
}

