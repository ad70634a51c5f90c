// How far each person has read each channel, from chat.reads (compacted:
// the latest record per person and channel). Positions only move forward, so
// two tabs reporting out of order cannot move one back.
import { readRecord, type ReadRecord } from './records.ts';
import type { StateRecord } from './feed.ts';

export type ReadListener = (r: ReadRecord, live: boolean) => void;

export class ReadBook {
  private readonly positions = new Map<string, Map<string, number>>();
  private readonly listeners = new Set<ReadListener>();

  readonly apply = (r: StateRecord, live: boolean): void => {
    if (r.value === null) return;
    const parsed = readRecord.safeParse(r.value);
    if (!parsed.success) throw new Error(`not a read record: ${parsed.error.issues[0]?.message}`);
    const rec = parsed.data;
    if (!this.advance(rec.user, rec.channel, rec.ts)) return;
    for (const l of this.listeners) l(rec, live);
  };

  /** Move a position forward; false when it already was there or further. */
  advance(user: string, channel: string, ts: number): boolean {
    let mine = this.positions.get(user);
    if (!mine) this.positions.set(user, (mine = new Map()));
    if ((mine.get(channel) ?? -1) >= ts) return false;
    mine.set(channel, ts);
    return true;
  }

  /** Up to when `user` has read `channel` (epoch ms), or null. */
  get(user: string, channel: string): number | null {
    return this.positions.get(user)?.get(channel) ?? null;
  }

  onRead(listener: ReadListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
