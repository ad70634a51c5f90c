// What a gateway knows about each channel's events, rebuilt only from events
// consumed back from Kafka (so every gateway on the topic converges on the
// same view): a ring of recent events, for history pages, unread counts and
// the time of the last event. Who belongs to a channel and who is online is
// the accounts directory's (accounts/), not this file's.
//
// Memory is bounded twice: each channel keeps at most `perChannel` events,
// and all channels together at most `totalBytes` of envelope JSON; past that,
// the channel that was quiet longest loses its ring (older history pages then
// come from DuckDB).
// Edits and deletes (core/conversation.ts) are applied to the message they
// name when it is held, so pages show the latest state; the change events
// themselves stay in the ring (repeats are recognised by id) but are never
// part of a page.
import { applyChange, changeTarget, isChange, isDeleted } from '../../core/conversation.ts';
import { isEphemeral, serialize, visibleTo, type Envelope } from '../../core/envelope.ts';

/** Default events kept per channel in memory (history pages beyond this come from DuckDB when ingest runs). */
export const RING_SIZE = 1000;

/** An event as held in the ring: the envelope and the exact bytes sockets get for it. */
export interface HeldEvent {
  e: Envelope;
  raw: Buffer;
}

class Channel {
  readonly events: HeldEvent[] = [];
  readonly ids = new Set<string>();
  bytes = 0;
  /** time of the newest event seen (also after its ring was emptied) */
  lastTs = 0;
  /** older events exist that the ring does not hold (evicted, or before the warm-up window) */
  truncated = false;
}

export interface ChannelLimits {
  perChannel: number;
  totalBytes: number;
}

export class Channels {
  /** insertion order = least recently active first (a channel moves to the end on every event) */
  private readonly map = new Map<string, Channel>();
  private bytes = 0;
  /** set when warm-up read only the tail of the topic, so any channel may have older events */
  windowed = false;

  constructor(private readonly limits: ChannelLimits = { perChannel: RING_SIZE, totalBytes: 64 * 1024 * 1024 }) {}

  private get(name: string): Channel {
    let ch = this.map.get(name);
    if (!ch) {
      ch = new Channel();
      this.map.set(name, ch);
    }
    return ch;
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  /**
   * Record a consumed event (`raw`: the bytes sockets get for it). False for
   * a duplicate (an id already held: a consumer restart or redelivery).
   */
  apply(e: Envelope, raw: Buffer = Buffer.from(JSON.stringify(e))): boolean {
    const ch = this.get(e.channel);
    if (ch.ids.has(e.id)) return false;
    ch.ids.add(e.id);
    // an edit/delete the rule refuses (a forged or late one) is kept for dedupe but delivered to nobody
    const fresh = isChange(e) ? this.change(ch, e) : true;
    if (e.reply_to !== null && !isChange(e) && !isEphemeral(e)) this.countReply(ch, e.reply_to);
    if (!isChange(e) && e.ts > ch.lastTs) ch.lastTs = e.ts;
    ch.events.push({ e, raw });
    ch.bytes += raw.length;
    this.bytes += raw.length;
    if (ch.events.length > this.limits.perChannel) this.dropOldest(ch, 1);
    // most recently active last
    this.map.delete(e.channel);
    this.map.set(e.channel, ch);
    if (this.bytes > this.limits.totalBytes) this.evict(ch);
    return fresh;
  }

  /** One more reply to a held message: its `meta.replies` (what history pages show; ingest's pages count the same way). */
  private countReply(ch: Channel, parent: string): void {
    const i = ch.ids.has(parent) ? ch.events.findIndex((h) => h.e.id === parent) : -1;
    if (i < 0 || isChange(ch.events[i].e)) return;
    const e = ch.events[i].e;
    this.replace(ch, i, { ...e, meta: { ...e.meta, replies: (typeof e.meta.replies === 'number' ? e.meta.replies : 0) + 1 } });
  }

  /** Put a new state of the held event at `i` (with its bytes). */
  private replace(ch: Channel, i: number, now: Envelope): void {
    const raw = Buffer.from(serialize(now));
    const delta = raw.length - ch.events[i].raw.length;
    ch.events[i] = { e: now, raw };
    ch.bytes += delta;
    this.bytes += delta;
  }

  /** Apply an edit/delete to its target when held (false: the rule refuses it). A target not held is older than the ring: pages from DuckDB apply it. */
  private change(ch: Channel, change: Envelope): boolean {
    const target = changeTarget(change);
    const i = target && ch.ids.has(target) ? ch.events.findIndex((h) => h.e.id === target) : -1;
    if (i < 0) return true;
    const now = applyChange(ch.events[i].e, change);
    if (!now) return false;
    this.replace(ch, i, now);
    return true;
  }

  /** The held replies to a message of a channel (latest state, oldest first) that `viewer` may see. */
  replies(channel: string, parent: string, viewer?: string): Envelope[] {
    const ch = this.map.get(channel);
    if (!ch) return [];
    return ch.events.filter((h) => h.e.reply_to === parent && !isChange(h.e) && visibleTo(h.e, viewer)).map((h) => h.e);
  }

  /** A held message (in its latest state) by id, in any channel; undefined when no ring holds it. */
  find(id: string): Envelope | undefined {
    for (const ch of this.map.values()) {
      if (!ch.ids.has(id)) continue;
      const held = ch.events.find((h) => h.e.id === id);
      if (held && !isChange(held.e)) return held.e;
    }
    return undefined;
  }

  private dropOldest(ch: Channel, n: number): void {
    for (const held of ch.events.splice(0, n)) {
      ch.ids.delete(held.e.id);
      ch.bytes -= held.raw.length;
      this.bytes -= held.raw.length;
    }
    ch.truncated = true;
  }

  /** Over the total: empty the rings of the channels quiet longest (never the one just written, unless alone). */
  private evict(current: Channel): void {
    for (const ch of this.map.values()) {
      if (this.bytes <= this.limits.totalBytes) return;
      if (ch === current || !ch.events.length) continue;
      this.dropOldest(ch, ch.events.length);
    }
    while (this.bytes > this.limits.totalBytes && current.events.length > 1) this.dropOldest(current, 1);
  }

  /**
   * The last `limit` events of a channel that `viewer` may see (oldest →
   * newest; another person's ephemeral answers are skipped), optionally only
   * those before a timestamp or an event id.
   */
  page(channel: string, limit: number, before: number | string | null = null, viewer?: string): { events: HeldEvent[]; complete: boolean } {
    const ch = this.map.get(channel);
    const events = ch?.events ?? [];
    let end = events.length;
    if (typeof before === 'number') {
      end = 0;
      while (end < events.length && events[end].e.ts < before) end++;
    } else if (typeof before === 'string') {
      const i = events.findIndex((h) => h.e.id === before);
      // an id we no longer hold: the caller falls back to older storage
      if (i < 0) return { events: [], complete: false };
      end = i;
    }
    const out: HeldEvent[] = [];
    let i = end - 1;
    for (; i >= 0 && out.length < limit; i--) if (!isChange(events[i].e) && visibleTo(events[i].e, viewer)) out.push(events[i]);
    out.reverse();
    // complete = the ring held everything asked for, or nothing older exists
    return { events: out, complete: out.length === limit || !(ch?.truncated || this.windowed) };
  }

  /** page() as envelopes. */
  history(channel: string, limit: number, before: number | string | null = null, viewer?: string): { events: Envelope[]; complete: boolean } {
    const p = this.page(channel, limit, before, viewer);
    return { events: p.events.map((h) => h.e), complete: p.complete };
  }

  /** Time of a channel's newest event, or null when none was seen. */
  lastTs(channel: string): number | null {
    return this.map.get(channel)?.lastTs || null;
  }

  /**
   * What `viewer` has not read in a channel: messages and bot answers by
   * others after `since` (all of the ring when null), and how many of them
   * mention the viewer. `more`: the ring does not reach back to `since`, so
   * there may be more than counted.
   */
  unread(channel: string, since: number | null, viewer: string): { unread: number; mentions: number; more: boolean } {
    const ch = this.map.get(channel);
    if (!ch) return { unread: 0, mentions: 0, more: false };
    let unread = 0;
    let mentions = 0;
    for (let i = ch.events.length - 1; i >= 0; i--) {
      const e = ch.events[i].e;
      if (since !== null && e.ts <= since) return { unread, mentions, more: false };
      if ((e.type !== 'message' && e.type !== 'bot') || e.user.id === viewer || isDeleted(e) || !visibleTo(e, viewer)) continue;
      unread++;
      if (Array.isArray(e.meta.mentions) && e.meta.mentions.includes(viewer)) mentions++;
    }
    return { unread, mentions, more: since !== null && (ch.truncated || this.windowed) };
  }

  /** Number of channels known (for /healthz). */
  get size(): number {
    return this.map.size;
  }

  /** Bytes of envelope JSON held in all rings (for /healthz). */
  get heldBytes(): number {
    return this.bytes;
  }
}
