// The channels this browser is in, in sidebar order: each one's events
// (merged from live envelopes and history pages), who is online, unread
// count and history paging. The list and the active channel are remembered.
import { mergeEvents } from './format.ts';
import type { Envelope, HistoryFrame } from './protocol.ts';
import { KEY, load, save } from './storage.ts';

export const DEFAULT_CHANNEL = 'general';

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
      ch = { name, events: [], presence: [], unread: 0, historyLoaded: false, loadingOlder: false, noMoreOlder: false };
      this.map.set(name, ch);
      this.order.push(name);
      save(KEY.channels, this.order);
    }
    return ch;
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
    save(KEY.active, name);
    return true;
  }

  setPresence(channel: string, users: unknown[]): void {
    const ch = this.map.get(channel);
    if (ch) ch.presence = [...new Set(users.map(String))].sort((a, b) => a.localeCompare(b, 'ko'));
  }

  /** A history page: merged by id; an answer to "older" (it carries `before`) may end the paging. */
  applyHistory(f: HistoryFrame): ChannelState | null {
    const ch = this.map.get(f.channel);
    if (!ch) return null;
    const before = ch.events.length;
    const olderPage = f.before !== undefined && f.before !== null;
    ch.events = mergeEvents(ch.events, f.events);
    if (olderPage) {
      ch.loadingOlder = false;
      if (ch.events.length === before) ch.noMoreOlder = true;
    } else if (!ch.historyLoaded) {
      ch.historyLoaded = true;
      if (f.events.length === 0) ch.noMoreOlder = true;
    }
    return ch;
  }

  /** A live envelope; `isNew` is false for one we already hold (a replay after reconnect). */
  applyEvent(e: Envelope): { ch: ChannelState; isNew: boolean } | null {
    const ch = this.map.get(e.channel);
    if (!ch) return null;
    const isNew = !ch.events.some((x) => x.id === e.id);
    ch.events = mergeEvents(ch.events, [e]);
    return { ch, isNew };
  }
}
