// Our own messages until Kafka echoes them back. A send is queued while
// offline (never dropped), "sending" once written to the socket, confirmed
// when its envelope returns (by `meta.ref`, or by author and text), and
// failed — with the reason shown beside a retry button — when the server
// refuses it, the echo does not come, or the connection dropped under it.
import type { TimelineEvent } from './format.ts';
import { SEND_DEADLINE_MS, type ClientFrame, type Envelope, type User } from './protocol.ts';

/** A send neither echoed nor refused within this long (while connected) is shown as failed: the server answers every send within its deadline, plus a margin for the trip. */
const CONFIRM_TIMEOUT_MS = SEND_DEADLINE_MS + 5_000;

export interface PendingSend {
  ref: string;
  channel: string;
  text: string;
  /** the message this answers (a thread reply) */
  replyTo: string | null;
  ts: number;
  delivery: 'queued' | 'sending' | 'failed';
  failure?: string;
  /** sent on a connection that dropped before the echo came back */
  unsure?: boolean;
}

export interface OutboxHost {
  send(frame: ClientFrame): boolean;
  connected(): boolean;
  changed(): void;
}

let refSeq = 0;
/** A reference the server echoes in `meta.ref` (and in error frames) so a reply finds its send. */
export function newRef(): string {
  const rnd = globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  return `c${++refSeq}-${rnd}`;
}

export class Outbox {
  items: PendingSend[] = [];
  private timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly host: OutboxHost) {}

  add(channel: string, text: string, replyTo: string | null = null): void {
    const p: PendingSend = { ref: newRef(), channel, text, replyTo, ts: Date.now(), delivery: 'queued' };
    this.items.push(p);
    this.trySend(p);
  }

  retry(ref: string): void {
    const p = this.items.find((x) => x.ref === ref);
    if (!p) return;
    p.delivery = 'queued';
    p.failure = undefined;
    p.unsure = false;
    p.ts = Date.now();
    // Move it to the end: it is a new attempt.
    this.items = [...this.items.filter((x) => x !== p), p];
    this.trySend(p);
  }

  discard(ref: string): void {
    this.items = this.items.filter((x) => x.ref !== ref);
    this.clearTimer(ref);
  }

  dropChannel(channel: string): void {
    for (const p of this.items) if (p.channel === channel) this.clearTimer(p.ref);
    this.items = this.items.filter((p) => p.channel !== channel);
  }

  find(ref: string): PendingSend | undefined {
    return this.items.find((x) => x.ref === ref);
  }

  /** Connected again: everything that waited goes out (after the joins: the server reads frames in order). */
  sendQueued(): void {
    for (const p of this.items) if (p.delivery === 'queued') this.trySend(p);
  }

  fail(p: PendingSend, why: string): void {
    p.delivery = 'failed';
    p.failure = why;
    this.clearTimer(p.ref);
    this.host.changed();
  }

  /** In-flight sends on a dropped connection may or may not have reached Kafka. */
  markInFlightUnsure(): void {
    for (const p of this.items) if (p.delivery === 'sending') p.unsure = true;
  }

  /** After a reconnect, a send whose echo is neither live nor in the channel's history did not make it. */
  failUnsure(channel: string): void {
    for (const p of this.items) if (p.channel === channel && p.delivery === 'sending' && p.unsure) this.fail(p, '연결이 끊겨 전송되지 않았습니다');
  }

  /** Our own message came back through Kafka: the pending copy is confirmed. */
  confirm(e: Envelope, me: User | null): boolean {
    if (e.type !== 'message' || !me) return false;
    const ref = typeof e.meta?.ref === 'string' ? e.meta.ref : null;
    let i = ref ? this.items.findIndex((p) => p.ref === ref) : -1;
    if (i < 0 && e.user.id === me.id) {
      i = this.items.findIndex((p) => p.channel === e.channel && p.delivery !== 'queued' && p.text.normalize('NFC').trim() === e.text.trim());
    }
    if (i < 0) return false;
    this.clearTimer(this.items[i].ref);
    this.items = this.items.filter((_, j) => j !== i);
    return true;
  }

  /** Our not-yet-confirmed sends in a channel, as timeline events. */
  timeline(channel: string, me: User): TimelineEvent[] {
    return this.items
      .filter((p) => p.channel === channel)
      .map((p) => ({ v: 1, id: p.ref, type: 'message', channel, user: me, text: p.text, ts: p.ts, reply_to: p.replyTo, meta: {}, delivery: p.delivery, failure: p.failure }));
  }

  private trySend(p: PendingSend): void {
    if (!this.host.connected()) return;
    const frame: ClientFrame = p.replyTo ? { type: 'message', channel: p.channel, text: p.text, reply_to: p.replyTo, ref: p.ref } : { type: 'message', channel: p.channel, text: p.text, ref: p.ref };
    if (!this.host.send(frame)) return;
    p.delivery = 'sending';
    this.clearTimer(p.ref);
    this.timers.set(
      p.ref,
      setTimeout(() => {
        this.timers.delete(p.ref);
        if (p.delivery === 'sending' && this.host.connected()) this.fail(p, '서버가 전송을 확인하지 않았습니다');
      }, CONFIRM_TIMEOUT_MS),
    );
  }

  private clearTimer(ref: string): void {
    const t = this.timers.get(ref);
    if (t) clearTimeout(t);
    this.timers.delete(ref);
  }
}
