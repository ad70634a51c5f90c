// History pages: the in-memory ring first (channels.ts), then older events
// from ingest's `messages` table when the ring does not reach far enough.
// Ephemeral answers meant for someone else are never part of a page.
// Frames are built from the events' bytes (the ring holds what sockets got),
// so a page is not serialised again.
import { isChange, latestEnvelope } from '../../core/conversation.ts';
import { EVENT_TYPES, visibleTo, type Envelope } from '../../core/envelope.ts';
import type { Database } from '../../core/db.ts';
import { logger } from '../../core/log.ts';
import { messageLog } from '../../ingest/index.ts';
import type { Channels, HeldEvent } from './channels.ts';

const log = logger('gateway.history');

/** `{"type":"history","channel","events":[…]}` (+ before, ref) with each event's bytes as they are. */
export function historyFrame(channel: string, events: (HeldEvent | Envelope)[], extra: { before?: number | string | null; ref?: string } = {}): string {
  const parts = events.map((h) => ('raw' in h ? h.raw.toString('utf8') : JSON.stringify(h)));
  let head = `{"type":"history","channel":${JSON.stringify(channel)},"events":[${parts.join(',')}]`;
  if ('before' in extra) head += `,"before":${JSON.stringify(extra.before ?? null)}`;
  if (extra.ref !== undefined) head += `,"ref":${JSON.stringify(extra.ref)}`;
  return head + '}';
}

/** Replies sent in one `thread` answer at most. */
export const THREAD_LIMIT = 500;

export class History {
  constructor(
    private readonly channels: Channels,
    private readonly db?: Database,
  ) {}

  /** Up to `limit` events before `before` that `viewer` may see, oldest first. */
  async older(channel: string, limit: number, before: number | string | null, viewer: string): Promise<(HeldEvent | Envelope)[]> {
    const page = this.channels.page(channel, limit, before, viewer);
    if (page.complete || !this.db) return page.events;
    const older = await this.fromDatabase(channel, limit - page.events.length, page.events[0]?.e.ts ?? before, viewer).catch((err: unknown) => {
      log.debug({ err: (err as Error).message }, 'no older history in DuckDB');
      return [];
    });
    return [...older, ...page.events];
  }

  /**
   * A message as it is now (edits and deletes applied), by id: the rings
   * first, then ingest's log when this node has it. Undefined when unknown
   * here (a gateway-only node knows only what its rings hold).
   */
  async find(id: string): Promise<Envelope | undefined> {
    const held = this.channels.find(id);
    if (held || !this.db) return held;
    const record = await messageLog(this.db).message(id);
    if (!record || isChange(record.message)) return undefined;
    const now = latestEnvelope(record);
    return record.replies ? { ...now, meta: { ...now.meta, replies: record.replies } } : now;
  }

  /**
   * The replies to a message that `viewer` may see, oldest first, in their
   * latest state: ingest's log (when this node has it) joined with the ring,
   * whose copies are the freshest (ingest may not have stored the newest yet).
   */
  async replies(parent: Envelope, viewer: string, limit = THREAD_LIMIT): Promise<{ replies: Envelope[]; more: boolean }> {
    const byId = new Map<string, Envelope>();
    let more = false;
    if (this.db) {
      const stored = await messageLog(this.db)
        .thread(parent.id, { viewer, limit })
        .catch((err: unknown) => {
          log.debug({ err: (err as Error).message }, 'no thread in DuckDB');
          return null;
        });
      for (const e of stored?.replies ?? []) byId.set(e.id, e);
      more = stored?.more ?? false;
    }
    for (const e of this.channels.replies(parent.channel, parent.id, viewer)) byId.set(e.id, e);
    const all = [...byId.values()].sort((a, b) => a.ts - b.ts);
    return { replies: all.slice(0, limit), more: more || all.length > limit };
  }

  /** Older events from ingest's message log (best effort: the ring is the primary source); another person's ephemeral answers are left out there too. */
  private async fromDatabase(channel: string, limit: number, before: number | string | null, viewer: string): Promise<Envelope[]> {
    if (limit <= 0 || !this.db || before === null) return [];
    const events = await messageLog(this.db).channelPage(channel, { before, limit, viewer });
    return events.filter((e) => (EVENT_TYPES as readonly string[]).includes(e.type) && visibleTo(e, viewer));
  }
}
