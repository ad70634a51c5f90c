// This gateway's connections follow the directory (accounts/): a connection
// receives the channels its account belongs to — all of them on connect,
// without joining again — and starts or stops receiving one the moment a
// membership record says so, whichever gateway wrote it (a join here, an
// invite on another node, a DM opened by someone else). Presence is the
// channel's members that are online now; it changes when someone connects
// or disconnects anywhere, and never posts a chat event.
import type { AccountListener } from '../../accounts/book.ts';
import type { Directory } from '../../accounts/directory.ts';
import type { ChannelDef, ChannelListener } from '../../accounts/memberships.ts';
import type { ChannelInfo, PresenceFrame } from '../../core/protocol.ts';
import type { Channels } from './channels.ts';
import { HISTORY_PAGE } from './frames.ts';
import { historyFrame } from './history.ts';
import type { Sockets } from './sockets.ts';
import type { LocalUser, Session, Users } from './users.ts';

export interface MembersDeps {
  directory: Directory;
  users: Users;
  channels: Channels;
  sockets: Sockets;
}

/** Close code for a connection whose account was disabled or whose password changed. */
export const CLOSE_REAUTH = 4401;

export class Members {
  /** sockets per channel */
  readonly subscribers = new Map<string, Set<Session>>();
  /** nicks of principals that are not accounts (the admin token) */
  private readonly extraNicks = new Map<string, string>();

  constructor(private readonly d: MembersDeps) {
    d.directory.channels.onChange(this.onChannel);
    d.directory.accounts.onChange(this.onAccount);
    d.directory.presence.onChange((user, _online, live) => {
      if (live) for (const c of d.directory.channels.channelsOf(user)) this.broadcastPresence(c);
    });
    d.directory.reads.onRead((r, live) => {
      const user = live ? d.users.get(r.user) : undefined;
      if (user) for (const s of user.sessions) d.sockets.frame(s.out, { type: 'read', channel: r.channel, ts: r.ts });
    });
  }

  /** The nick to show for a user id: the account's now, else what its token said. */
  nickOf(id: string): string {
    return this.d.directory.accounts.byUserId(id)?.nick ?? this.extraNicks.get(id) ?? id;
  }

  // ── one connection ────────────────────────────────────────────────────

  /** A new connection: its channel list, then each channel's last page and presence. */
  attach(s: Session): void {
    if (!this.d.directory.accounts.byUserId(s.user.id)) this.extraNicks.set(s.user.id, s.user.nick);
    this.sendChannels(s);
    for (const c of this.d.directory.channels.channelsOf(s.user.id)) this.subscribe(s, c);
  }

  detach(s: Session): void {
    for (const c of s.channels) this.subscribers.get(c)?.delete(s);
    s.channels.clear();
  }

  /** Start receiving a channel: the last page of history, then presence. */
  subscribe(s: Session, channel: string): void {
    if (!s.out.open) return;
    s.channels.add(channel);
    let subs = this.subscribers.get(channel);
    if (!subs) this.subscribers.set(channel, (subs = new Set()));
    subs.add(s);
    this.d.sockets.send(s.out, historyFrame(channel, this.d.channels.page(channel, HISTORY_PAGE, null, s.user.id).events));
    this.d.sockets.frame(s.out, this.presenceFrame(channel));
  }

  unsubscribe(s: Session, channel: string): void {
    s.channels.delete(channel);
    this.subscribers.get(channel)?.delete(s);
  }

  // ── directory changes ──────────────────────────────────────────────────

  private readonly onChannel: ChannelListener = ({ record, channel, outcome, live }) => {
    if (!live || !outcome.ok || !outcome.changed) return;
    const affected = record.kind === 'create' ? record.members : [record.user];
    for (const id of affected) {
      const user = this.d.users.get(id);
      if (!user) continue;
      const member = channel.members.has(id);
      for (const s of user.sessions) {
        if (member && !s.channels.has(channel.name)) this.subscribe(s, channel.name);
        if (!member && s.channels.has(channel.name)) this.unsubscribe(s, channel.name);
        this.sendChannels(s);
      }
    }
    this.broadcastPresence(channel.name);
  };

  private readonly onAccount: AccountListener = ({ record, account, outcome, live }) => {
    if (!live || !outcome.ok || !account) return;
    const user = this.d.users.get(account.id);
    if (record.kind === 'rename') {
      // wherever the account is connected, its channels show the new nick
      for (const c of this.d.directory.channels.channelsOf(account.id)) this.broadcastPresence(c);
      if (!user) return;
      user.nick = account.nick;
      for (const s of user.sessions) this.d.sockets.frame(s.out, { type: 'self', user: { id: account.id, nick: account.nick, role: s.role } });
    }
    if (!user) return;
    if (record.kind === 'disable' || record.kind === 'password' || record.kind === 'token') this.closeAll(user, record.kind);
  };

  /** The account was disabled or its password changed: its connections end (tokens issued before are stale). */
  private closeAll(user: LocalUser, why: 'disable' | 'password' | 'token'): void {
    const message =
      why === 'disable'
        ? '관리자가 이 계정의 사용을 중지해 연결을 끊습니다 (account disabled)'
        : '이 계정의 비밀번호가 바뀌어 연결을 끊습니다. 새 비밀번호로 다시 로그인하세요 (password changed; log in again)';
    for (const s of [...user.sessions]) {
      this.d.sockets.error(s.out, 'unauthorized', message);
      s.out.ws.close(CLOSE_REAUTH, why === 'disable' ? 'account disabled' : 'password changed');
    }
  }

  // ── frames ──────────────────────────────────────────────────────────────

  /** A channel as its member `userId` sees it in the list (unread counts from the ring). */
  channelInfo(def: ChannelDef, userId: string): ChannelInfo {
    const { directory, channels } = this.d;
    const lastRead = directory.reads.get(userId, def.name);
    const counts = channels.unread(def.name, lastRead, userId);
    const info: ChannelInfo = {
      name: def.name,
      private: def.private,
      members: def.members.size,
      last_ts: channels.lastTs(def.name) ?? def.changed,
      last_read: lastRead,
      unread: counts.unread,
      mentions: counts.mentions,
    };
    if (def.dm) {
      info.dm = true;
      info.with = def.dm.filter((id) => id !== userId).map((id) => this.nickOf(id));
      // in a direct conversation every message is meant for you
      info.mentions = counts.unread;
    }
    return info;
  }

  sendChannels(s: Session): void {
    const list: ChannelInfo[] = [];
    for (const name of this.d.directory.channels.channelsOf(s.user.id)) {
      const def = this.d.directory.channels.get(name);
      if (def) list.push(this.channelInfo(def, s.user.id));
    }
    list.sort((a, b) => Number(Boolean(a.dm)) - Number(Boolean(b.dm)) || a.name.localeCompare(b.name, 'ko'));
    this.d.sockets.frame(s.out, { type: 'channels', channels: list });
  }

  presenceFrame(channel: string): PresenceFrame {
    const def = this.d.directory.channels.get(channel);
    const ids = def ? [...def.members.keys()] : [];
    const byName = (a: string, b: string) => a.localeCompare(b, 'ko');
    const online = ids.filter((id) => this.d.directory.presence.isOnline(id) || this.d.users.get(id));
    return { type: 'presence', channel, users: unique(online.map((id) => this.nickOf(id))).sort(byName), members: unique(ids.map((id) => this.nickOf(id))).sort(byName) };
  }

  broadcastPresence(channel: string): void {
    const subs = this.subscribers.get(channel);
    if (!subs?.size) return;
    const data = Buffer.from(JSON.stringify(this.presenceFrame(channel)));
    for (const s of subs) this.d.sockets.send(s.out, data);
  }
}

const unique = (xs: string[]) => [...new Set(xs)];
