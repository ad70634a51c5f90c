// The channels this account belongs to, in sidebar order: each one's events
// (merged from live envelopes and history pages), who is online, unread and
// mention counts and history paging. The server's `channels` frame is the
// list (memberships are the account's, kept by the server); localStorage
// only shows the last known list until it arrives.
import { applyChange, changeTarget, isChange } from '../../core/conversation.ts';
import { mergeEvents } from './format.ts';
import { isReply } from './threads.ts';
import type { ChannelInfo, Envelope, HistoryFrame } from './protocol.ts';
import { KEY, load, save } from './storage.ts';

export const DEFAULT_CHANNEL = 'general';

export interface ChannelState {
  name: string;
  events: Envelope[];
  presence: string[];
  unread: number;
  /** unread messages that mention you (every message of a direct conversation) */
  mentions: number;
  private: boolean;
  /** a direct conversation: the other people in it */
  dm: string[] | null;
  /** nicks of every member (online or not) */
  members: string[];
  /** the first history frame for this channel arrived */
  historyLoaded: boolean;
  loadingOlder: boolean;
  noMoreOlder: boolean;
}

export class Channels {
  readonly map = new Map<string, ChannelState>();
  order: string[] = [];
  active: string | null = null;

  constructor() {
    const saved = load<string[]>(KEY.channels, []);
    for (const name of saved.length ? saved : [DEFAULT_CHANNEL]) this.ensure(name);
    const active = load<string | null>(KEY.active, null);
    this.active = active && this.map.has(active) ? active : (this.order[0] ?? null);
  }

  ensure(name: string): ChannelState {
    let ch = this.map.get(name);
    if (!ch) {
      ch = { name, events: [], presence: [], members: [], unread: 0, mentions: 0, private: false, dm: null, historyLoaded: false, loadingOlder: false, noMoreOlder: false };
      this.map.set(name, ch);
      this.order.push(name);
      save(KEY.channels, this.order);
    }
    return ch;
  }

  /** Another account logged in on this browser: forget the last one's channels. */
  reset(): void {
    this.map.clear();
    this.order = [];
    this.active = null;
    save(KEY.channels, this.order);
    save(KEY.active, null);
  }

  remove(name: string): void {
    this.map.delete(name);
    this.order = this.order.filter((n) => n !== name);
    save(KEY.channels, this.order);
    if (this.active === name) this.active = this.order[0] ?? null;
    save(KEY.active, this.active);
  }

  /** Make a channel the one on screen; its unread count is cleared. */
  setActive(name: string): boolean {
    const ch = this.map.get(name);
    if (!ch) return false;
    this.active = name;
    ch.unread = 0;
    ch.mentions = 0;
    save(KEY.active, name);
    return true;
  }

  /**
   * The server's list of our channels: it replaces ours, except channels in
   * `keep` (joins we asked for that the server has not confirmed yet).
   * Unread and mention counts come from the server's read positions.
   */
  applyList(list: ChannelInfo[], keep: ReadonlySet<string>): void {
    const listed = new Set(list.map((c) => c.name));
    for (const name of [...this.order]) if (!listed.has(name) && !keep.has(name)) this.remove(name);
    for (const info of list) {
      const ch = this.ensure(info.name);
      ch.private = info.private;
      ch.dm = info.dm ? (info.with ?? []) : null;
      ch.unread = info.unread ?? 0;
      ch.mentions = info.mentions ?? 0;
    }
    if (!this.active || !this.map.has(this.active)) {
      this.active = this.order[0] ?? null;
      save(KEY.active, this.active);
    }
  }

  setPresence(channel: string, users: unknown[], members?: unknown[]): void {
    const ch = this.map.get(channel);
    if (!ch) return;
    const sorted = (xs: unknown[]) => [...new Set(xs.map(String))].sort((a, b) => a.localeCompare(b, 'ko'));
    ch.presence = sorted(users);
    if (members) ch.members = sorted(members);
  }

  /** A history page: merged by id; an answer to "older" (it carries `before`) may end the paging. */
  applyHistory(f: HistoryFrame): ChannelState | null {
    const ch = this.map.get(f.channel);
    if (!ch) return null;
    const before = ch.events.length;
    const olderPage = f.before !== undefined && f.before !== null;
    // A page holds messages in their latest state; should it carry an edit or delete, it is applied, not shown.
    ch.events = mergeEvents(ch.events, f.events.filter((e) => !isChange(e)));
    for (const e of f.events) if (isChange(e)) this.applyChange(ch, e);
    if (olderPage) {
      ch.loadingOlder = false;
      if (ch.events.length === before) ch.noMoreOlder = true;
    } else if (!ch.historyLoaded) {
      ch.historyLoaded = true;
      if (f.events.length === 0) ch.noMoreOlder = true;
    }
    return ch;
  }

  /**
   * A live envelope; `isNew` is false for one we already hold (a replay after
   * reconnect). An edit or delete changes the message it names (`updated`,
   * null when we do not hold it or the rule refuses it) and is not an event of its own.
   */
  applyEvent(e: Envelope): { ch: ChannelState; isNew: boolean; change?: { updated: Envelope | null } } | null {
    const ch = this.map.get(e.channel);
    if (!ch) return null;
    if (isChange(e)) return { ch, isNew: false, change: { updated: this.applyChange(ch, e) } };
    const isNew = !ch.events.some((x) => x.id === e.id);
    ch.events = mergeEvents(ch.events, [e]);
    // a new reply: the server's count on its parent (meta.replies, from a history page) goes up
    if (isNew && isReply(e)) ch.events = ch.events.map((x) => (x.id === e.reply_to && typeof x.meta.replies === 'number' ? { ...x, meta: { ...x.meta, replies: x.meta.replies + 1 } } : x));
    return { ch, isNew };
  }

  private applyChange(ch: ChannelState, change: Envelope): Envelope | null {
    const i = ch.events.findIndex((x) => x.id === changeTarget(change));
    const updated = i < 0 ? null : applyChange(ch.events[i], change);
    if (updated) ch.events = ch.events.map((x, j) => (j === i ? updated : x));
    return updated;
  }
}
