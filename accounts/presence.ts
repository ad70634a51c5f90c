// Who is online, from chat.presence (compacted, key = "<gateway> <user>"):
// a gateway writes a record when an account's first connection to it opens
// and a tombstone when its last one closes. A gateway that dies without
// writing its tombstones is found by the others (its Kafka consumer group is
// empty: server/gateway/liveness.ts), which drop it and write them instead.
// Presence is never a chat event: going online or offline posts nothing.
import { presenceRecord } from './records.ts';
import type { StateRecord } from './feed.ts';

export type PresenceListener = (userId: string, online: boolean, live: boolean) => void;

export class PresenceBook {
  /** user id → gateways it is online on */
  private readonly online = new Map<string, Set<string>>();
  /** key → user (so a tombstone can be applied) */
  private readonly keys = new Map<string, { user: string; gateway: string }>();
  private readonly listeners = new Set<PresenceListener>();

  readonly apply = (r: StateRecord, live: boolean): void => {
    if (r.value === null) {
      const known = this.keys.get(r.key);
      if (known) this.remove(r.key, known.user, known.gateway, live);
      return;
    }
    const parsed = presenceRecord.safeParse(r.value);
    if (!parsed.success) throw new Error(`not a presence record: ${parsed.error.issues[0]?.message}`);
    const { user, gateway } = parsed.data;
    this.keys.set(r.key, { user, gateway });
    let at = this.online.get(user);
    const was = Boolean(at?.size);
    if (!at) this.online.set(user, (at = new Set()));
    at.add(gateway);
    if (!was) this.tell(user, true, live);
  };

  private remove(key: string, user: string, gateway: string, live: boolean): void {
    this.keys.delete(key);
    const at = this.online.get(user);
    if (!at?.delete(gateway)) return;
    if (at.size === 0) {
      this.online.delete(user);
      this.tell(user, false, live);
    }
  }

  private tell(user: string, online: boolean, live: boolean): void {
    for (const l of this.listeners) l(user, online, live);
  }

  isOnline(user: string): boolean {
    return Boolean(this.online.get(user)?.size);
  }

  /** Gateways that have someone online (for the liveness check). */
  gateways(): Set<string> {
    const out = new Set<string>();
    for (const { gateway } of this.keys.values()) out.add(gateway);
    return out;
  }

  /** Keys a gateway holds (to write tombstones for a dead one). */
  keysOf(gateway: string): string[] {
    return [...this.keys].filter(([, v]) => v.gateway === gateway).map(([k]) => k);
  }

  /** Forget a dead gateway's users at once (its tombstones follow through Kafka). */
  dropGateway(gateway: string): void {
    for (const key of this.keysOf(gateway)) {
      const v = this.keys.get(key)!;
      this.remove(key, v.user, v.gateway, true);
    }
  }

  onChange(listener: PresenceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
