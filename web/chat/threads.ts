// Threads as the browser sees them: a reply is an event whose `reply_to`
// names its parent. Replies stay in the channel's timeline (with a line that
// names what they answer, so a bot's answer sits under the question) and the
// parent counts them; the thread view shows the parent and its replies.
// Counts: the server's `meta.replies` on history pages (it knows replies we
// have not loaded) or the replies we hold, whichever is larger.
import type { Envelope } from './protocol.ts';

/** Event types that can be replied to and can be replies. */
const THREAD_TYPES = new Set(['message', 'bot']);

export function isReply(e: Pick<Envelope, 'reply_to' | 'type'>): boolean {
  return typeof e.reply_to === 'string' && e.reply_to.length > 0 && THREAD_TYPES.has(e.type);
}

/** How many replies each parent has, by parent id. */
export function replyCounts(events: readonly Envelope[]): Map<string, number> {
  const held = new Map<string, number>();
  for (const e of events) if (isReply(e)) held.set(e.reply_to!, (held.get(e.reply_to!) ?? 0) + 1);
  const out = new Map(held);
  for (const e of events) {
    const told = typeof e.meta?.replies === 'number' ? e.meta.replies : 0;
    if (told > (out.get(e.id) ?? 0)) out.set(e.id, told);
  }
  return out;
}

/** The replies to `parent` among `events`, oldest first, each once (the later copy of an id wins). */
export function repliesTo<T extends Envelope>(parent: string, ...sources: readonly (readonly T[])[]): T[] {
  const byId = new Map<string, T>();
  for (const events of sources) for (const e of events) if (e.reply_to === parent && isReply(e)) byId.set(e.id, e);
  return [...byId.values()].sort((a, b) => a.ts - b.ts);
}

/** One line that names a message in a reply header or the composer: its first line, shortened. */
export function snippet(text: string, max = 60): string {
  const line = text.split('\n').find((l) => l.trim()) ?? '';
  // Markdown marks are noise in a one-line quote.
  const plain = line.replace(/[*_~`>#]+/g, '').replace(/\s+/g, ' ').trim();
  const chars = [...plain];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : plain;
}
