// Edits and deletes: the one rule for who may change which message, and how a
// message's events fold into its versions and its latest state. Browser-safe
// (no Node imports): the gateway checks it before it produces an `edit` or
// `delete`, every consumer applies it again when it folds the log (the
// gateway's ring, ingest's readers, exports), and the browser uses it to offer
// the buttons. A change that breaks the rule stays in the log (it is part of
// the record, and auditors see it as refused) but never changes a message.
//
// The rule depends only on the log before the change (the target's author,
// type and channel, and whether it was already deleted), never on a clock or
// a setting, so every node — and a replay from an empty database — reaches the
// same versions. The members' time window is checked by the gateway alone.
import { CHANGE_TYPES, type ChangeType, type Envelope, type EventType, type User } from './protocol.ts';

/** Event types that can be edited or deleted (joins, leaves, nick changes and system notices cannot). */
export const CHANGEABLE_TYPES: readonly EventType[] = ['message', 'bot'];

const CHANGE_SET: ReadonlySet<string> = new Set(CHANGE_TYPES);

/** Is this event an edit or a delete? */
export function isChange(e: Pick<Envelope, 'type'>): e is Pick<Envelope, 'type'> & { type: ChangeType } {
  return CHANGE_SET.has(e.type);
}

/** The id of the message an edit/delete changes (`meta.target`), or null. */
export function changeTarget(e: Pick<Envelope, 'meta'>): string | null {
  const t = e.meta.target;
  return typeof t === 'string' && t.length > 0 ? t : null;
}

/** Members' time limits (ms after the message; 0 = unlimited). Admins are never limited. */
export interface ChangeWindow {
  editMs: number;
  deleteMs: number;
}

export const UNLIMITED: ChangeWindow = { editMs: 0, deleteMs: 0 };

/** What the rule needs to know about the message being changed. */
export interface ChangeTargetState {
  id: string;
  channel: string;
  type: string;
  /** the author */
  user: Pick<User, 'id'>;
  ts: number;
  deleted: boolean;
}

export type RefusalCode = 'unknown_message' | 'not_editable' | 'message_deleted' | 'forbidden' | 'edit_window_closed';

export interface ChangeRefusal {
  code: RefusalCode;
  /** Korean first, the English reason in parentheses (a person reads it) */
  message: string;
}

export interface ChangeRequest {
  kind: ChangeType;
  /** who asks, with their role (`meta.role` on an event, the verified token's role at the gateway) */
  by: { id: string; role?: unknown };
  /** the channel the change was sent to (an event's channel); omitted at the gateway, which takes the target's */
  channel?: string;
}

/**
 * Why `req` may not change `target`, or null when it may. `window` and `now`
 * are the gateway's (members' time limits); consumers pass neither.
 */
export function changeRefusal(req: ChangeRequest, target: ChangeTargetState | undefined | null, window: ChangeWindow = UNLIMITED, now?: number): ChangeRefusal | null {
  if (!target || (req.channel !== undefined && req.channel !== target.channel)) {
    return { code: 'unknown_message', message: '그런 메시지가 없습니다 (no such message)' };
  }
  if (!CHANGEABLE_TYPES.includes(target.type as EventType)) {
    return { code: 'not_editable', message: '입장·퇴장·닉네임 변경 같은 알림은 고치거나 지울 수 없습니다 (only messages can be edited or deleted)' };
  }
  if (target.deleted) return { code: 'message_deleted', message: '이미 삭제된 메시지입니다 (the message was deleted)' };
  const own = req.by.id === target.user.id;
  const admin = req.by.role === 'admin';
  if (req.kind === 'edit' && !own) return { code: 'forbidden', message: '자기 메시지만 고칠 수 있습니다 (only the author may edit a message)' };
  if (req.kind === 'delete' && !own && !admin) {
    return { code: 'forbidden', message: '자기 메시지만 지울 수 있습니다; 다른 사람의 메시지는 관리자만 지웁니다 (only the author or an admin may delete a message)' };
  }
  if (now !== undefined && !admin) {
    const limit = req.kind === 'edit' ? window.editMs : window.deleteMs;
    if (limit > 0 && now - target.ts > limit) {
      const what = req.kind === 'edit' ? '고칠' : '지울';
      return { code: 'edit_window_closed', message: `보낸 지 ${describeMs(limit)}이 지난 메시지는 ${what} 수 없습니다 (the ${req.kind} window has closed)` };
    }
  }
  return null;
}

function describeMs(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 1) return `${Math.max(1, Math.round(ms / 1000))}초`;
  if (min < 60 || (min < 120 && min % 60 !== 0)) return `${min}분`;
  const h = Math.round(min / 60);
  return h < 48 ? `${h}시간` : `${Math.round(h / 24)}일`;
}

/** The state the rule needs, read from an envelope in its latest state (`meta.deleted` marks a deleted one). */
export function targetState(e: Envelope): ChangeTargetState {
  return { id: e.id, channel: e.channel, type: e.type, user: e.user, ts: e.ts, deleted: e.meta.deleted != null };
}

/** The request an edit/delete event makes. */
export function changeRequest(change: Envelope): ChangeRequest {
  return { kind: change.type as ChangeType, by: { id: change.user.id, role: change.meta.role }, channel: change.channel };
}

/** One version of a message: its text, when it was written (epoch ms), by whom, and the event that wrote it. */
export interface Version {
  text: string;
  ts: number;
  by: User;
  /** the id of the message (first version) or of the edit event */
  event: string;
}

export interface Deletion {
  ts: number;
  by: User;
  /** the id of the delete event */
  event: string;
}

/** A change that broke the rule: kept for auditors, applied to nothing. */
export interface RefusedChange {
  event: string;
  type: ChangeType;
  by: User;
  ts: number;
  code: RefusalCode;
  reason: string;
  /** what an edit wanted the text to be */
  text?: string;
}

/** Everything that happened to one message: every version (oldest first), its deletion, the refused changes. */
export interface MessageVersions {
  message: Envelope;
  versions: Version[];
  deleted: Deletion | null;
  refused: RefusedChange[];
}

/**
 * Fold a message and the edit/delete events that name it (in log order) into
 * its versions. A change seen twice (a replayed or re-sent event) counts once.
 */
export function foldChanges(message: Envelope, changes: readonly Envelope[]): MessageVersions {
  const out: MessageVersions = { message, versions: [{ text: message.text, ts: message.ts, by: message.user, event: message.id }], deleted: null, refused: [] };
  const seen = new Set<string>();
  for (const c of changes) {
    if (!isChange(c) || changeTarget(c) !== message.id || seen.has(c.id)) continue;
    seen.add(c.id);
    const state: ChangeTargetState = { id: message.id, channel: message.channel, type: message.type, user: message.user, ts: message.ts, deleted: out.deleted !== null };
    const refusal = changeRefusal(changeRequest(c), state);
    if (refusal) {
      out.refused.push({ event: c.id, type: c.type as ChangeType, by: c.user, ts: c.ts, code: refusal.code, reason: refusal.message, ...(c.type === 'edit' ? { text: c.text } : {}) });
    } else if (c.type === 'edit') {
      out.versions.push({ text: c.text, ts: c.ts, by: c.user, event: c.id });
    } else {
      out.deleted = { ts: c.ts, by: c.user, event: c.id };
    }
  }
  return out;
}

/**
 * The message as members see it now: the latest text with `meta.edited` (the
 * time of the latest edit), or — deleted — no text at all and `meta.deleted`
 * `{ts, by}`. A deleted message's text is never part of what members get.
 */
export function latestEnvelope(v: MessageVersions): Envelope {
  if (v.deleted) return tombstone(v.message, v.deleted);
  const last = v.versions[v.versions.length - 1];
  if (v.versions.length === 1) return v.message;
  return { ...v.message, text: last.text, meta: { ...v.message.meta, edited: last.ts } };
}

/** meta a deleted message keeps (nothing that could carry its words, e.g. a bot's answer data) */
const TOMBSTONE_META = ['gateway', 'role', 'visible_to', 'replies'];

/** A deleted message as members see it: no text, only the meta that says nothing of its content, and who deleted it when. */
function tombstone(e: Envelope, d: { ts: number; by: User }): Envelope {
  const meta: Record<string, unknown> = {};
  for (const k of TOMBSTONE_META) if (e.meta[k] !== undefined) meta[k] = e.meta[k];
  meta.deleted = { ts: d.ts, by: { id: d.by.id, nick: d.by.nick } };
  return { ...e, text: '', meta };
}

/**
 * One change applied to a message already in its latest state (the gateway's
 * ring applies events as they come): the new latest state, or null when the
 * rule refuses the change.
 */
export function applyChange(current: Envelope, change: Envelope): Envelope | null {
  if (!isChange(change) || changeTarget(change) !== current.id) return null;
  if (changeRefusal(changeRequest(change), targetState(current))) return null;
  if (change.type === 'edit') return { ...current, text: change.text, meta: { ...current.meta, edited: change.ts } };
  return tombstone(current, { ts: change.ts, by: change.user });
}

/** Is this message deleted (as members see it)? */
export function isDeleted(e: Pick<Envelope, 'meta'>): boolean {
  return e.meta.deleted != null;
}
