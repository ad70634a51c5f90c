// What a gateway knows about each channel, rebuilt only from events consumed
// back from Kafka (so every gateway on the topic converges on the same view):
// a ring of recent events (history) and who is present (presence).
//
// Presence: join/leave/nick envelopes carry meta.gateway, the id of the
// gateway that produced them. A user is present in a channel from their join
// until their leave. When a gateway dies without sending leaves, its users
// are dropped once its Kafka consumer group is seen empty (see liveness.ts).
//
// Memory is bounded twice: each channel keeps at most `perChannel` events,
// and all channels together at most `totalBytes` of envelope JSON; past that,
// the channel that was quiet longest loses its ring (presence stays; older
// history pages then come from DuckDB).
import { isEphemeral, visibleTo, type Envelope } from '../../core/envelope.ts';
import { nickSkeleton } from '../../core/nick.ts';

/** Default events kept per channel in memory (history pages beyond this come from DuckDB when ingest runs). */
export const RING_SIZE = 1000;

export interface Member {
  nick: string;
  /** nickSkeleton(nick), kept so uniqueness checks do not recompute every member */
  folded: string;
  /** gateway that announced the join; '' when unknown (e.g. an external producer) */
  gateway: string;
}

/** An event as held in the ring: the envelope and the exact bytes sockets get for it. */
export interface HeldEvent {
  e: Envelope;
  raw: Buffer;
}

class Channel {
  readonly events: HeldEvent[] = [];
  readonly ids = new Set<string>();
  readonly members = new Map<string, Member>();
  bytes = 0;
  /** older events exist that the ring does not hold (evicted, or before the warm-up window) */
  truncated = false;
}

/** Two nicks that look alike are one nick (core/nick.ts). */
export const foldNick = nickSkeleton;

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
   * Record a consumed event (`raw`: the bytes sockets get for it). Returns
   * null for a duplicate (already seen id: a consumer restart or redelivery),
   * otherwise whether presence changed.
   */
  apply(e: Envelope, raw: Buffer = Buffer.from(JSON.stringify(e))): { presenceChanged: boolean } | null {
    const ch = this.get(e.channel);
    if (ch.ids.has(e.id)) return null;
    ch.ids.add(e.id);
    ch.events.push({ e, raw });
    ch.bytes += raw.length;
    this.bytes += raw.length;
    if (ch.events.length > this.limits.perChannel) this.dropOldest(ch, 1);
    // most recently active last
    this.map.delete(e.channel);
    this.map.set(e.channel, ch);
    if (this.bytes > this.limits.totalBytes) this.evict(ch);
    if (isEphemeral(e)) return { presenceChanged: false };
    const gateway = typeof e.meta.gateway === 'string' ? e.meta.gateway : '';
    switch (e.type) {
      case 'join': {
        const before = ch.members.get(e.user.id);
        ch.members.set(e.user.id, { nick: e.user.nick, folded: foldNick(e.user.nick), gateway });
        return { presenceChanged: before?.nick !== e.user.nick };
      }
      case 'leave':
        return { presenceChanged: ch.members.delete(e.user.id) };
      case 'nick': {
        const member = ch.members.get(e.user.id);
        const next = typeof e.meta.new === 'string' ? e.meta.new : null;
        if (!member || !next || member.nick === next) return { presenceChanged: false };
        member.nick = next;
        member.folded = foldNick(next);
        return { presenceChanged: true };
      }
      case 'message': {
        // a gateway user who speaks is evidently here: heals presence if a join
        // was older than the warm-up window or the user was wrongly judged gone
        if (!gateway || ch.members.has(e.user.id)) return { presenceChanged: false };
        ch.members.set(e.user.id, { nick: e.user.nick, folded: foldNick(e.user.nick), gateway });
        return { presenceChanged: true };
      }
      default:
        return { presenceChanged: false };
    }
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

  /** Nicks present in a channel, sorted, without duplicates. */
  presence(channel: string): string[] {
    const ch = this.map.get(channel);
    if (!ch) return [];
    return [...new Set([...ch.members.values()].map((m) => m.nick))].sort((a, b) => a.localeCompare(b, 'ko'));
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
    for (; i >= 0 && out.length < limit; i--) if (visibleTo(events[i].e, viewer)) out.push(events[i]);
    out.reverse();
    // complete = the ring held everything asked for, or nothing older exists
    return { events: out, complete: out.length === limit || !(ch?.truncated || this.windowed) };
  }

  /** page() as envelopes. */
  history(channel: string, limit: number, before: number | string | null = null, viewer?: string): { events: Envelope[]; complete: boolean } {
    const p = this.page(channel, limit, before, viewer);
    return { events: p.events.map((h) => h.e), complete: p.complete };
  }

  /** Is this nick (compared as it looks: core/nick.ts) worn by a present user other than `exceptUserId`? */
  nickInUse(nick: string, exceptUserId?: string): boolean {
    const folded = foldNick(nick);
    for (const ch of this.map.values()) {
      for (const [id, m] of ch.members) if (id !== exceptUserId && m.folded === folded) return true;
    }
    return false;
  }

  /** Gateway ids that currently have users somewhere. */
  gateways(): Set<string> {
    const out = new Set<string>();
    for (const ch of this.map.values()) for (const m of ch.members.values()) if (m.gateway) out.add(m.gateway);
    return out;
  }

  /** Drop every user announced by a dead gateway; returns the channels whose presence changed. */
  dropGateway(gateway: string): string[] {
    const changed: string[] = [];
    for (const [name, ch] of this.map) {
      let any = false;
      for (const [id, m] of ch.members) {
        if (m.gateway === gateway) {
          ch.members.delete(id);
          any = true;
        }
      }
      if (any) changed.push(name);
    }
    return changed;
  }

  /** Channels in which a user is present (from consumed events). */
  channelsOf(userId: string): string[] {
    const out: string[] = [];
    for (const [name, ch] of this.map) if (ch.members.has(userId)) out.push(name);
    return out;
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
