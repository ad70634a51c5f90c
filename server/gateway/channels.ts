// What a gateway knows about each channel, rebuilt only from events consumed
// back from Kafka (so every gateway on the topic converges on the same view):
// a ring of recent events (history) and who is present (presence).
//
// Presence: join/leave/nick envelopes carry meta.gateway, the id of the
// gateway that produced them. A user is present in a channel from their join
// until their leave. When a gateway dies without sending leaves, its users
// are dropped once its Kafka consumer group is seen empty (see liveness.ts).
import type { Envelope } from '../../core/envelope.ts';

/** Events kept per channel in memory (history pages beyond this come from DuckDB when ingest runs). */
export const RING_SIZE = 1000;

export interface Member {
  nick: string;
  /** foldNick(nick), kept so uniqueness checks do not re-normalise every member */
  folded: string;
  /** gateway that announced the join; '' when unknown (e.g. an external producer) */
  gateway: string;
}

class Channel {
  readonly events: Envelope[] = [];
  readonly ids = new Set<string>();
  readonly members = new Map<string, Member>();
  /** older events exist that the ring does not hold (evicted, or before the warm-up window) */
  truncated = false;
}

export const foldNick = (nick: string) => nick.normalize('NFKC').toLowerCase();

export class Channels {
  private readonly map = new Map<string, Channel>();
  /** set when warm-up read only the tail of the topic, so any channel may have older events */
  windowed = false;

  private get(name: string): Channel {
    let ch = this.map.get(name);
    if (!ch) {
      ch = new Channel();
      this.map.set(name, ch);
    }
    return ch;
  }

  /**
   * Record a consumed event. Returns null for a duplicate (already seen id:
   * a consumer restart or redelivery), otherwise whether presence changed.
   */
  apply(e: Envelope): { presenceChanged: boolean } | null {
    const ch = this.get(e.channel);
    if (ch.ids.has(e.id)) return null;
    ch.ids.add(e.id);
    ch.events.push(e);
    if (ch.events.length > RING_SIZE) {
      ch.ids.delete(ch.events.shift()!.id);
      ch.truncated = true;
    }
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

  /** Nicks present in a channel, sorted, without duplicates. */
  presence(channel: string): string[] {
    const ch = this.map.get(channel);
    if (!ch) return [];
    return [...new Set([...ch.members.values()].map((m) => m.nick))].sort((a, b) => a.localeCompare(b, 'ko'));
  }

  /** The last `limit` events of a channel (oldest → newest), optionally only those before a timestamp or an event id. */
  history(channel: string, limit: number, before: number | string | null = null): { events: Envelope[]; complete: boolean } {
    const ch = this.map.get(channel);
    const events = ch?.events ?? [];
    let end = events.length;
    if (typeof before === 'number') {
      end = 0;
      while (end < events.length && events[end].ts < before) end++;
    } else if (typeof before === 'string') {
      const i = events.findIndex((e) => e.id === before);
      // an id we no longer hold: the caller falls back to older storage
      if (i < 0) return { events: [], complete: false };
      end = i;
    }
    const start = Math.max(0, end - limit);
    // complete = the ring held everything asked for, or nothing older exists
    return { events: events.slice(start, end), complete: end - start === limit || !(ch?.truncated || this.windowed) };
  }

  /** Is this nick (case- and width-folded) worn by a present user other than `exceptUserId`? */
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
}
