// Replies, threads, edits and deletes in the browser (#13): what the channel's
// box answers, the open thread (and what the server sent for it), the message
// being edited, and the Korean reason beside a message whose change the
// server refused. The rule for who may change what is the server's one
// (core/conversation.ts); the UI uses it to offer only allowed actions.
import { applyChange, changeRefusal, changeTarget, isDeleted, targetState } from '../../core/conversation.ts';
import type { ChannelState } from './channels.ts';
import { describeError } from './errors.ts';
import type { TimelineEvent } from './format.ts';
import { newRef } from './outbox.ts';
import type { ClientFrame, Envelope, ErrorFrame, ThreadFrame, User } from './protocol.ts';
import { isReply, repliesTo } from './threads.ts';

export interface ConversationHost {
  channel(name: string): ChannelState | undefined;
  /** our not-yet-confirmed sends in a channel */
  pending(channel: string): TimelineEvent[];
  send(frame: ClientFrame): boolean;
  me(): User | null;
  role(): string | null;
  changed(): void;
}

export interface MessageRef {
  channel: string;
  id: string;
}

/** What the server sent for a thread (`thread` frame): every reply, also ones older than our pages. */
interface ThreadPage {
  parent: Envelope;
  replies: Envelope[];
  more: boolean;
}

export class Conversation {
  /** the message the channel's box answers */
  replying: MessageRef | null = null;
  /** the open thread (its first message) */
  thread: MessageRef | null = null;
  /** the message being edited in place */
  editing: MessageRef | null = null;
  /** the message whose deletion is being confirmed */
  deleting: MessageRef | null = null;
  /** bumped to put the cursor in the thread's box (a reply asked for inside the thread) */
  threadFocus = 0;
  /** threads the server sent, by their first message's id */
  private readonly pages = new Map<string, ThreadPage>();
  /** why a change to a message was refused, by message id (shown on the message, the server's words as detail) */
  readonly problems = new Map<string, { text: string; detail?: string }>();
  /** our edit/delete requests by ref, to put a refusal on the right message */
  private readonly requests = new Map<string, { id: string; what: string }>();

  constructor(private readonly host: ConversationHost) {}

  find(channel: string, id: string): Envelope | undefined {
    return this.host.channel(channel)?.events.find((e) => e.id === id) ?? this.pages.get(id)?.parent ?? [...this.pages.values()].flatMap((p) => p.replies).find((e) => e.id === id);
  }

  /** Threads are one level deep: answering a reply answers its thread. */
  rootOf(e: Envelope): string {
    return isReply(e) ? e.reply_to! : e.id;
  }

  replyTo(e: Envelope): void {
    this.replying = { channel: e.channel, id: this.rootOf(e) };
    this.host.changed();
  }

  cancelReply(): void {
    this.replying = null;
    this.host.changed();
  }

  /** The reply the channel's box is writing, taken when its message is sent. */
  takeReply(channel: string): string | null {
    const r = this.replying?.channel === channel ? this.replying.id : null;
    if (r) this.replying = null;
    return r;
  }

  openThread(e: Envelope): void {
    const id = this.rootOf(e);
    this.thread = { channel: e.channel, id };
    // What we hold shows at once; the server adds replies older than our pages.
    this.host.send({ type: 'thread', id, ref: newRef() });
    this.host.changed();
  }

  closeThread(): void {
    this.thread = null;
    this.host.changed();
  }

  focusThreadBox(): void {
    this.threadFocus++;
    this.host.changed();
  }

  /** The open thread: its first message (null until known) and its replies (ours still sending too), oldest first. */
  threadView(): { parent: TimelineEvent | null; replies: TimelineEvent[]; more: boolean } {
    if (!this.thread) return { parent: null, replies: [], more: false };
    const { channel, id } = this.thread;
    const page = this.pages.get(id);
    const events = this.host.channel(channel)?.events ?? [];
    // live events are newer than the server's page: the channel's copy of a reply wins
    const replies = repliesTo<TimelineEvent>(id, page?.replies ?? [], events, this.host.pending(channel));
    return { parent: events.find((e) => e.id === id) ?? page?.parent ?? null, replies, more: page?.more ?? false };
  }

  onThread(f: ThreadFrame): void {
    this.pages.set(f.id, { parent: f.parent, replies: f.replies, more: f.more });
  }

  /** A live edit/delete (the channel applied it to its copy): thread pages follow, a refusal shown on the message is over. */
  onChange(change: Envelope): void {
    const id = changeTarget(change);
    if (!id) return;
    const apply = (e: Envelope) => (e.id === id ? (applyChange(e, change) ?? e) : e);
    for (const page of this.pages.values()) {
      page.parent = apply(page.parent);
      page.replies = page.replies.map(apply);
    }
    this.problems.delete(id);
    if (this.editing?.id === id && change.type === 'delete') this.editing = null;
  }

  // ---- edit and delete ----
  private may(kind: 'edit' | 'delete', e: TimelineEvent): boolean {
    const me = this.host.me();
    if (!me || (e.delivery !== undefined && e.delivery !== 'sent')) return false;
    return changeRefusal({ kind, by: { id: me.id, role: this.host.role() } }, targetState(e)) === null;
  }
  mayEdit(e: TimelineEvent): boolean {
    return e.type === 'message' && this.may('edit', e);
  }
  mayDelete(e: TimelineEvent): boolean {
    return this.may('delete', e);
  }

  startEdit(e: Envelope): void {
    if (!this.mayEdit(e)) return;
    this.editing = { channel: e.channel, id: e.id };
    this.problems.delete(e.id);
    this.host.changed();
  }

  /** ↑ in an empty box: edit my last message in this channel (or thread). */
  editLast(channel: string, within?: string): boolean {
    const me = this.host.me();
    const pool = within ? this.threadView().replies : (this.host.channel(channel)?.events ?? []);
    const last = [...pool].reverse().find((e) => e.user.id === me?.id && e.type === 'message' && !isDeleted(e));
    if (!last || !this.mayEdit(last)) return false;
    this.startEdit(last);
    return true;
  }

  cancelEdit(): void {
    this.editing = null;
    this.host.changed();
  }

  saveEdit(e: Envelope, text: string): void {
    this.editing = null;
    if (text.trim() === '' || text === e.text) {
      this.host.changed();
      return;
    }
    this.request(e, { type: 'edit', id: e.id, text }, '수정');
  }

  /** Ask before deleting (DeleteDialog); null closes the question. */
  askDelete(e: Envelope | null): void {
    this.deleting = e && this.mayDelete(e) ? { channel: e.channel, id: e.id } : null;
    this.host.changed();
  }

  remove(e: Envelope): void {
    this.deleting = null;
    if (this.editing?.id === e.id) this.editing = null;
    this.request(e, { type: 'delete', id: e.id }, '삭제');
  }

  private request(e: Envelope, frame: Extract<ClientFrame, { type: 'edit' | 'delete' }>, what: string): void {
    const ref = newRef();
    this.requests.set(ref, { id: e.id, what });
    if (!this.host.send({ ...frame, ref })) this.problems.set(e.id, { text: `연결이 끊겨 ${what}하지 못했습니다. 다시 연결된 뒤 시도해 주세요.` });
    else this.problems.delete(e.id);
    this.host.changed();
  }

  /** An error frame answering one of our edit/delete requests: shown on the message. True when it was ours. */
  onError(f: ErrorFrame): boolean {
    const req = f.ref ? this.requests.get(f.ref) : undefined;
    if (!req) return false;
    this.requests.delete(f.ref!);
    const { text, detail } = describeError(f);
    this.problems.set(req.id, { text: `${req.what}하지 못했습니다: ${text}`, detail });
    this.host.changed();
    return true;
  }
}
