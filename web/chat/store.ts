// The chat's state and everything that changes it: login, the connection,
// channels, messages (confirmed and our own pending sends), presence, unread
// counts and toasts. Components read a snapshot and call the actions.
import { Connection, type ConnState } from './connection.ts';
import { josa } from '../../core/korean/josa.ts';
import { mergeEvents, NICK_JOSA, type TimelineEvent } from './format.ts';
import type { ClientFrame, Envelope, ErrorFrame, HistoryFrame, ServerFrame, User } from './protocol.ts';

export { MAX_TEXT } from './protocol.ts';
export const DEFAULT_CHANNEL = 'general';
/** A send not echoed back within this long (while connected) is shown as failed. */
const CONFIRM_TIMEOUT_MS = 15_000;
const TOAST_MS = 7000;

const KEY = {
  token: 'kchat.token',
  user: 'kchat.user',
  nick: 'kchat.nick',
  channels: 'kchat.channels',
  active: 'kchat.active',
} as const;

export interface PendingSend {
  ref: string;
  channel: string;
  text: string;
  ts: number;
  delivery: 'queued' | 'sending' | 'failed';
  failure?: string;
  /** sent on a connection that dropped before the echo came back */
  unsure?: boolean;
}

export interface ChannelState {
  name: string;
  events: Envelope[];
  presence: string[];
  unread: number;
  /** the first history frame for this channel arrived */
  historyLoaded: boolean;
  loadingOlder: boolean;
  noMoreOlder: boolean;
}

export interface Toast {
  id: number;
  text: string;
  detail?: string;
  tone: 'error' | 'info';
}

const ERROR_TEXT: Record<string, string> = {
  rate_limited: '메시지를 너무 빨리 보내고 있습니다. 잠시 후 다시 보내 주세요.',
  bad_nick: '이 닉네임은 쓸 수 없습니다.',
  nick_taken: '이미 누군가 쓰고 있는 닉네임입니다.',
  bad_channel: '채널 이름으로 쓸 수 없습니다.',
  not_joined: '이 채널에 들어가 있지 않습니다.',
  text_too_long: '메시지가 너무 깁니다.',
  empty_text: '빈 메시지는 보낼 수 없습니다.',
  bad_json: '서버가 이 요청을 이해하지 못했습니다.',
  bad_frame: '서버가 이 요청을 이해하지 못했습니다.',
  bad_field: '요청 내용이 올바르지 않습니다.',
  missing_field: '요청에 빠진 항목이 있습니다.',
  unknown_type: '서버가 모르는 요청입니다.',
  frame_too_large: '보내려는 내용이 너무 큽니다.',
  kafka_unavailable: '메시지 저장소(Kafka)에 잠시 연결할 수 없습니다.',
  slow_consumer: '연결이 너무 느려 서버가 끊었습니다.',
  internal: '서버에서 오류가 났습니다.',
  unauthorized: '로그인이 만료되었습니다.',
};

/** A Korean sentence naming what went wrong, with the server's own words as detail. */
export function describeError(e: Pick<ErrorFrame, 'code' | 'message'>): { text: string; detail: string } {
  const known = ERROR_TEXT[e.code];
  return { text: known ?? `요청을 처리하지 못했습니다 (${e.code})`, detail: e.message };
}

function load<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}
function save(key: string, value: unknown): void {
  try {
    if (value === null || value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    /* private mode: the session still works, it just is not remembered */
  }
}

let refSeq = 0;
function newRef(): string {
  const rnd = globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  return `c${++refSeq}-${rnd}`;
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
  channels = new Map<string, ChannelState>();
  order: string[] = [];
  active: string | null = null;
  pending: PendingSend[] = [];
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
  private confirmTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** refs of our nick/join/leave requests, to name them in error toasts */
  private requests = new Map<string, string>();

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
        if (s !== 'connected') this.markInFlightUnsure();
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
    const saved = load<string[]>(KEY.channels, []);
    for (const name of saved.length ? saved : [DEFAULT_CHANNEL]) this.ensureChannel(name);
    const active = load<string | null>(KEY.active, null);
    this.active = active && this.channels.has(active) ? active : (this.order[0] ?? null);
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
      const body = (await res.json().catch(() => ({}))) as { token?: string; user?: User; error?: string; message?: string };
      if (!res.ok || !body.token || !body.user) {
        this.loginError = body.error || body.message || `로그인하지 못했습니다 (HTTP ${res.status})`;
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
  private ensureChannel(name: string): ChannelState {
    let ch = this.channels.get(name);
    if (!ch) {
      ch = { name, events: [], presence: [], unread: 0, historyLoaded: false, loadingOlder: false, noMoreOlder: false };
      this.channels.set(name, ch);
      this.order.push(name);
      save(KEY.channels, this.order);
    }
    return ch;
  }

  setActive(name: string): void {
    if (!this.channels.has(name)) return;
    this.active = name;
    this.channels.get(name)!.unread = 0;
    save(KEY.active, name);
    this.emit();
  }

  join(name: string): void {
    this.ensureChannel(name);
    // Offline, the join goes out with all the others when the connection opens.
    this.request({ type: 'join', channel: name }, `#${name} 입장`);
    this.setActive(name);
  }

  leave(name: string | null = this.active): void {
    if (!name || !this.channels.has(name)) return;
    this.request({ type: 'leave', channel: name }, `#${name} 나가기`);
    this.channels.delete(name);
    this.order = this.order.filter((n) => n !== name);
    this.pending = this.pending.filter((p) => p.channel !== name);
    save(KEY.channels, this.order);
    if (this.active === name) this.active = this.order[0] ?? null;
    save(KEY.active, this.active);
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
    const p: PendingSend = { ref: newRef(), channel, text, ts: Date.now(), delivery: 'queued' };
    this.pending.push(p);
    this.trySend(p);
    this.emit();
  }

  retry(ref: string): void {
    const p = this.pending.find((x) => x.ref === ref);
    if (!p) return;
    p.delivery = 'queued';
    p.failure = undefined;
    p.unsure = false;
    p.ts = Date.now();
    // Move it to the end: it is a new attempt.
    this.pending = [...this.pending.filter((x) => x !== p), p];
    this.trySend(p);
    this.emit();
  }

  discard(ref: string): void {
    this.pending = this.pending.filter((x) => x.ref !== ref);
    this.clearConfirmTimer(ref);
    this.emit();
  }

  private trySend(p: PendingSend): void {
    if (this.conn !== 'connected') return;
    if (this.connection.send({ type: 'message', channel: p.channel, text: p.text, ref: p.ref })) {
      p.delivery = 'sending';
      this.clearConfirmTimer(p.ref);
      this.confirmTimers.set(
        p.ref,
        setTimeout(() => {
          this.confirmTimers.delete(p.ref);
          if (p.delivery === 'sending' && this.conn === 'connected') this.fail(p, '서버가 전송을 확인하지 않았습니다');
        }, CONFIRM_TIMEOUT_MS),
      );
    }
  }

  private fail(p: PendingSend, why: string): void {
    p.delivery = 'failed';
    p.failure = why;
    this.clearConfirmTimer(p.ref);
    this.emit();
  }

  private clearConfirmTimer(ref: string): void {
    const t = this.confirmTimers.get(ref);
    if (t) clearTimeout(t);
    this.confirmTimers.delete(ref);
  }

  /** In-flight sends on a dropped connection may or may not have reached Kafka. */
  private markInFlightUnsure(): void {
    for (const p of this.pending) if (p.delivery === 'sending') p.unsure = true;
  }

  /** Timeline for a channel: confirmed events, then our pending sends. */
  timeline(name: string): TimelineEvent[] {
    const ch = this.channels.get(name);
    if (!ch) return [];
    const me = this.me ?? { id: '', nick: '' };
    const mine: TimelineEvent[] = this.pending
      .filter((p) => p.channel === name)
      .map((p) => ({ v: 1, id: p.ref, type: 'message', channel: name, user: me, text: p.text, ts: p.ts, reply_to: null, meta: {}, delivery: p.delivery, failure: p.failure }));
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
  private request(frame: ClientFrame & { ref?: string }, what: string): boolean {
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
    for (const p of this.pending) if (p.delivery === 'queued') this.trySend(p);
    if (reconnect) this.toast('다시 연결되었습니다', 'info');
    this.emit();
  }

  private onFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'presence': {
        const ch = this.channels.get(f.channel);
        if (ch) ch.presence = [...new Set(f.users.map(String))].sort((a, b) => a.localeCompare(b, 'ko'));
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
      default:
        this.onEnvelope(f);
    }
    this.emit();
  }

  private onHistory(f: HistoryFrame): void {
    const ch = this.channels.get(f.channel);
    if (!ch) return;
    const before = ch.events.length;
    // An answer to our "history before" request carries `before`; the page a join sends does not.
    const olderPage = f.before !== undefined && f.before !== null;
    ch.events = mergeEvents(ch.events, f.events);
    for (const e of f.events) this.confirmPending(e);
    if (olderPage) {
      ch.loadingOlder = false;
      if (ch.events.length === before) ch.noMoreOlder = true;
    } else if (!ch.historyLoaded) {
      ch.historyLoaded = true;
      if (f.events.length === 0) ch.noMoreOlder = true;
    }
    // After a reconnect, a send whose echo is neither live nor in history did not make it.
    for (const p of this.pending) {
      if (p.channel === f.channel && p.delivery === 'sending' && p.unsure) this.fail(p, '연결이 끊겨 전송되지 않았습니다');
    }
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
    const p = f.ref ? this.pending.find((x) => x.ref === f.ref) : undefined;
    if (p) {
      this.fail(p, detail || text);
      this.toast(`메시지를 보내지 못했습니다: ${text}`, 'error', detail);
      return;
    }
    const what = f.ref ? this.requests.get(f.ref) : undefined;
    if (f.ref) this.requests.delete(f.ref);
    this.toast(what ? `${what} 실패: ${text}` : text, 'error', detail);
  }

  private onEnvelope(e: Envelope): void {
    const ch = this.channels.get(e.channel);
    if (!ch) return;
    const isNew = !ch.events.some((x) => x.id === e.id);
    ch.events = mergeEvents(ch.events, [e]);
    const mine = this.confirmPending(e) || (this.me !== null && e.user.id === this.me.id);
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

  /** Our own message came back through Kafka: the pending copy is confirmed. */
  private confirmPending(e: Envelope): boolean {
    if (e.type !== 'message' || !this.me) return false;
    const ref = typeof e.meta?.ref === 'string' ? e.meta.ref : null;
    let i = ref ? this.pending.findIndex((p) => p.ref === ref) : -1;
    if (i < 0 && e.user.id === this.me.id) {
      i = this.pending.findIndex((p) => p.channel === e.channel && p.delivery !== 'queued' && p.text.normalize('NFC').trim() === e.text.trim());
    }
    if (i < 0) return false;
    this.clearConfirmTimer(this.pending[i].ref);
    this.pending = this.pending.filter((_, j) => j !== i);
    return true;
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
