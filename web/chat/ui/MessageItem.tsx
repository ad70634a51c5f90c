// One chat message, in the channel's timeline and in a thread: author and
// time, formatted text (or "삭제된 메시지입니다"), "(수정됨)", what a reply
// answers, its reply count, the actions (답글, 스레드, 수정, 삭제), the
// in-place editor and our delivery state.
import { useEffect, useRef } from 'preact/hooks';
import { isDeleted } from '../../../core/conversation.ts';
import { formatFull, formatTime, type TimelineEvent } from '../format.ts';
import type { ChatStore } from '../store.ts';
import { isReply, snippet } from '../threads.ts';
import { Avatar, Icon } from './common.tsx';
import { Markdown } from './Markdown.tsx';

function Delivery({ e, store }: { e: TimelineEvent; store: ChatStore }) {
  if (!e.delivery || e.delivery === 'sent') return null;
  if (e.delivery === 'failed') {
    return (
      <div class="delivery failed" role="alert">
        <Icon name="alert" size={14} />
        <span>전송 실패{e.failure ? ` — ${e.failure}` : ''}</span>
        <button type="button" class="link-btn" onClick={() => store.retry(e.id)}>
          다시 보내기
        </button>
        <button type="button" class="link-btn subtle" onClick={() => store.discard(e.id)}>
          삭제
        </button>
      </div>
    );
  }
  return (
    <div class="delivery">
      <Icon name="clock" size={13} />
      <span>{e.delivery === 'queued' ? '전송 대기 중 — 연결되면 보냅니다' : '보내는 중…'}</span>
    </div>
  );
}

/** The in-place editor: Enter saves, Shift+Enter is a newline, Esc cancels (IME-safe like the box). */
function Editor({ e, store }: { e: TimelineEvent; store: ChatStore }) {
  const ta = useRef<HTMLTextAreaElement>(null);
  const composing = useRef(false);
  useEffect(() => {
    const el = ta.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
    el.style.height = `${Math.min(el.scrollHeight, 240)}px`;
  }, []);
  const save = () => store.conv.saveEdit(e, ta.current?.value ?? e.text);
  return (
    <div class="msg-editor">
      <label class="sr-only" for={`edit-${e.id}`}>
        메시지 수정
      </label>
      <textarea
        id={`edit-${e.id}`}
        ref={ta}
        defaultValue={e.text}
        rows={1}
        onInput={() => {
          const el = ta.current!;
          el.style.height = 'auto';
          el.style.height = `${Math.min(el.scrollHeight, 240)}px`;
        }}
        onCompositionStart={() => (composing.current = true)}
        onCompositionEnd={() => (composing.current = false)}
        onKeyDown={(k) => {
          if (k.isComposing || k.keyCode === 229 || composing.current) return;
          if (k.key === 'Escape') {
            k.preventDefault();
            store.conv.cancelEdit();
          } else if (k.key === 'Enter' && !k.shiftKey && !k.altKey) {
            k.preventDefault();
            save();
          }
        }}
      />
      <div class="msg-editor-actions">
        <span class="hint">
          <kbd>Esc</kbd> 취소 · <kbd>Enter</kbd> 저장
        </span>
        <button type="button" class="btn small" onClick={() => store.conv.cancelEdit()}>
          취소
        </button>
        <button type="button" class="btn small primary" onClick={save}>
          저장
        </button>
      </div>
    </div>
  );
}

export interface MessageItemProps {
  e: TimelineEvent;
  store: ChatStore;
  /** a run's second message: no header */
  continued?: boolean;
  /** replies this message has (shown as a button that opens the thread) */
  replies?: number;
  /** in the thread view: no "answers …" line and no thread button */
  inThread?: boolean;
}

export function MessageItem({ e, store, continued = false, replies = 0, inThread = false }: MessageItemProps) {
  const bot = e.type === 'bot';
  const mine = store.me?.id === e.user.id;
  const deleted = isDeleted(e);
  const edited = typeof e.meta?.edited === 'number' && !deleted;
  // An answer meant for one person (meta.visible_to): the gateway delivered it to us only.
  const onlyMe = Array.isArray(e.meta?.visible_to);
  const conv = store.conv;
  const editing = conv.editing?.id === e.id;
  const problem = conv.problems.get(e.id);
  const parent = !inThread && isReply(e) ? conv.find(e.channel, e.reply_to!) : undefined;
  const sent = !e.delivery || e.delivery === 'sent';
  const cls = ['msg', continued ? 'continued' : 'first', bot ? 'bot' : '', mine ? 'mine' : '', !mine && store.mentionsMe(e) ? 'mentions-me' : '', onlyMe ? 'only-me' : '', deleted ? 'deleted' : '', e.delivery ? `pending ${e.delivery}` : ''].filter(Boolean).join(' ');
  const when = new Date(e.ts).toISOString();
  return (
    // tabIndex -1: a tap on a touch screen focuses the message, which shows its actions
    <li class={cls} tabIndex={-1} data-id={e.id} data-type={e.type} data-delivery={e.delivery ?? 'sent'} data-reply-to={e.reply_to ?? undefined}>
      <div class="gutter">
        {continued ? (
          <time class="hover-time" dateTime={when} title={formatFull(e.ts)}>
            {formatTime(e.ts)}
          </time>
        ) : (
          <Avatar nick={e.user.nick} id={e.user.id} bot={bot} />
        )}
      </div>
      <div class="msg-main">
        {!inThread && isReply(e) && (
          <button type="button" class="reply-ref" onClick={() => conv.openThread(e)} aria-label={`스레드 열기: ${parent ? `${parent.user.nick}님의 메시지에 단 답글` : '답글'}`}>
            <Icon name="reply" size={13} />
            {parent ? (
              <>
                <span class="reply-ref-nick">{parent.user.nick}</span>
                <span class="reply-ref-text">{isDeleted(parent) ? '삭제된 메시지' : snippet(parent.text) || '…'}</span>
              </>
            ) : (
              <span class="reply-ref-text">이전 메시지에 단 답글</span>
            )}
          </button>
        )}
        {!continued && (
          <div class="msg-head">
            <span class="author">{e.user.nick}</span>
            {bot && <span class="badge bot-badge">봇</span>}
            {onlyMe && (
              <span class="badge only-me-badge" title="이 답은 나에게만 보입니다. 채널의 다른 사람에게는 보이지 않습니다.">
                나만 보기
              </span>
            )}
            <time dateTime={when} title={formatFull(e.ts)}>
              {formatTime(e.ts)}
            </time>
          </div>
        )}
        {editing ? (
          <Editor e={e} store={store} />
        ) : deleted ? (
          <div class="text tombstone">
            <Icon name="trash" size={14} /> 삭제된 메시지입니다
          </div>
        ) : (
          <div class={`text${edited ? ' is-edited' : ''}`}>
            <Markdown text={e.text} />
            {edited && (
              <span class="edited" title={`수정: ${formatFull(e.meta.edited as number)}`}>
                (수정됨)
              </span>
            )}
          </div>
        )}
        {problem && (
          <p class="msg-problem" role="alert">
            <Icon name="alert" size={14} />
            <span>
              {problem.text}
              {problem.detail && <span class="msg-problem-detail">{problem.detail}</span>}
            </span>
          </p>
        )}
        {!inThread && replies > 0 && (
          <button type="button" class="reply-count" onClick={() => conv.openThread(e)}>
            <Icon name="thread" size={14} /> 답글 {replies}개
          </button>
        )}
        <Delivery e={e} store={store} />
      </div>
      {sent && !deleted && !editing && (
        <div class="msg-actions" role="toolbar" aria-label={`${e.user.nick}님의 메시지`}>
          <button type="button" class="icon-btn small" aria-label="답글 달기" title="답글" onClick={() => (inThread ? conv.focusThreadBox() : conv.replyTo(e))}>
            <Icon name="reply" size={15} />
          </button>
          {!inThread && (
            <button type="button" class="icon-btn small" aria-label="스레드 열기" title="스레드" onClick={() => conv.openThread(e)}>
              <Icon name="thread" size={15} />
            </button>
          )}
          {conv.mayEdit(e) && (
            <button type="button" class="icon-btn small" aria-label="메시지 수정" title="수정" onClick={() => conv.startEdit(e)}>
              <Icon name="edit" size={15} />
            </button>
          )}
          {conv.mayDelete(e) && (
            <button type="button" class="icon-btn small danger" aria-label="메시지 삭제" title="삭제" onClick={() => conv.askDelete(e)}>
              <Icon name="trash" size={15} />
            </button>
          )}
        </div>
      )}
    </li>
  );
}
