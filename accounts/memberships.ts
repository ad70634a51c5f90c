// Channels and who belongs to them, rebuilt from chat.channels by every
// process that needs them (accounts/records.ts). Public channels come into
// being with their first join; private channels and direct conversations with
// a `create` record, which — like a nick claim — only takes effect when the
// name is still unused at its place in the log.
import crypto from 'node:crypto';
import { DM_PREFIX } from '../core/protocol.ts';
import { channelRecord, type ChannelRecord } from './records.ts';
import type { StateRecord } from './feed.ts';

export interface Membership {
  since: number;
  via: Extract<ChannelRecord, { kind: 'join' }>['via'];
}

export interface ChannelDef {
  name: string;
  private: boolean;
  /** a direct conversation: its people (user ids), fixed */
  dm: string[] | null;
  /** `auditors`: only auditors and admins may belong (notebook reports) */
  audience: 'everyone' | 'auditors';
  createdBy: string | null;
  created: number;
  members: Map<string, Membership>;
  /** time of the last membership change */
  changed: number;
}

export type ChannelOutcome = { ok: true; changed: boolean } | { ok: false; reason: 'channel_exists' | 'forbidden' };

export type ChannelListener = (change: { record: ChannelRecord; channel: ChannelDef; outcome: ChannelOutcome; offset: number; live: boolean }) => void;

const KEEP_OUTCOMES = 4096;

/** The channel of a direct conversation between these people: the same name whoever opens it. */
export function dmChannel(userIds: readonly string[]): string {
  const people = [...new Set(userIds)].sort();
  return DM_PREFIX + crypto.createHash('sha256').update(people.join(',')).digest('hex').slice(0, 20);
}

export class MembershipBook {
  private readonly channels = new Map<string, ChannelDef>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly outcomes = new Map<number, ChannelOutcome>();
  private readonly listeners = new Set<ChannelListener>();

  /** The feed's apply function for chat.channels. */
  readonly apply = (r: StateRecord, live: boolean): void => {
    const parsed = channelRecord.safeParse(r.value);
    if (!parsed.success) throw new Error(`not a channel record: ${parsed.error.issues[0]?.message}`);
    const record = parsed.data;
    const outcome = this.applyRecord(record);
    this.outcomes.set(r.offset, outcome);
    if (this.outcomes.size > KEEP_OUTCOMES) this.outcomes.delete(this.outcomes.keys().next().value!);
    const channel = this.channels.get(record.channel);
    if (channel) for (const l of this.listeners) l({ record, channel, outcome, offset: r.offset, live });
  };

  private applyRecord(r: ChannelRecord): ChannelOutcome {
    const existing = this.channels.get(r.channel);
    switch (r.kind) {
      case 'create': {
        if (existing) {
          // opening a direct conversation twice (both people at once) is the same conversation
          if (existing.dm && r.dm && sameSet(existing.dm, r.dm)) return { ok: true, changed: this.addAll(existing, r.members, 'dm', r.ts) };
          return { ok: false, reason: 'channel_exists' };
        }
        const def: ChannelDef = {
          name: r.channel,
          private: r.private || r.dm !== null,
          dm: r.dm,
          audience: r.audience,
          createdBy: r.by?.id ?? null,
          created: r.ts,
          members: new Map(),
          changed: r.ts,
        };
        this.channels.set(r.channel, def);
        this.addAll(def, r.members, r.dm ? 'dm' : 'create', r.ts);
        return { ok: true, changed: true };
      }
      case 'join': {
        const def = existing ?? this.publicChannel(r.channel, r.ts);
        if (def.members.has(r.user)) return { ok: true, changed: false };
        if (def.private) {
          // a private channel is entered only by invitation of a member (or by the system)
          const invited = r.via === 'invite' && r.by !== null && def.members.has(r.by.id) && !def.dm;
          if (!invited && r.via !== 'system') return { ok: false, reason: 'forbidden' };
        }
        this.add(def, r.user, { since: r.ts, via: r.via });
        return { ok: true, changed: true };
      }
      case 'leave': {
        if (!existing?.members.has(r.user)) return { ok: true, changed: false };
        existing.members.delete(r.user);
        this.byUser.get(r.user)?.delete(r.channel);
        existing.changed = r.ts;
        return { ok: true, changed: true };
      }
    }
  }

  private publicChannel(name: string, ts: number): ChannelDef {
    const def: ChannelDef = { name, private: false, dm: null, audience: 'everyone', createdBy: null, created: ts, members: new Map(), changed: ts };
    this.channels.set(name, def);
    return def;
  }

  private addAll(def: ChannelDef, users: readonly string[], via: Membership['via'], ts: number): boolean {
    let changed = false;
    for (const u of users) {
      if (def.members.has(u)) continue;
      this.add(def, u, { since: ts, via });
      changed = true;
    }
    return changed;
  }

  private add(def: ChannelDef, user: string, m: Membership): void {
    def.members.set(user, m);
    def.changed = m.since;
    let mine = this.byUser.get(user);
    if (!mine) this.byUser.set(user, (mine = new Set()));
    mine.add(def.name);
  }

  onChange(listener: ChannelListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  outcome(offset: number): ChannelOutcome | undefined {
    return this.outcomes.get(offset);
  }

  get(name: string): ChannelDef | undefined {
    return this.channels.get(name);
  }

  isMember(channel: string, userId: string): boolean {
    return this.channels.get(channel)?.members.has(userId) ?? false;
  }

  /** Channels a user belongs to (names). */
  channelsOf(userId: string): string[] {
    return [...(this.byUser.get(userId) ?? [])];
  }

  all(): IterableIterator<ChannelDef> {
    return this.channels.values();
  }

  get size(): number {
    return this.channels.size;
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const s = new Set(a);
  return s.size === new Set(b).size && b.every((x) => s.has(x));
}
