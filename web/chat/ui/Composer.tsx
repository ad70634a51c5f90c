// The message box, written for Korean IME first:
// - Enter while a syllable is being composed (isComposing / keyCode 229)
//   never sends; the IME gets the key to finish the syllable.
// - After sending, the box is cleared once composition is over (and once
//   more on the next tick), so the IME cannot put the last syllable back —
//   the bootcamp client's stray-jamo bug.
// - Focus stays in the box; Shift+Enter is a newline; ↑ in an empty box edits
//   your last message; Esc drops the reply the box was writing.
// The channel's box and the thread's box are both this component.
import { useEffect, useRef, useState } from 'preact/hooks';
import { parseInput, type Command } from '../commands.ts';
import { MAX_TEXT } from '../store.ts';
import { Icon } from './common.tsx';

export interface ComposerProps {
  channel: string;
  offline: boolean;
  onCommand(cmd: Command): void;
  /** the textarea's id (the channel's box is `composer-input`) */
  inputId?: string;
  placeholder?: string;
  /** what this box answers: shown above it, with a button to stop replying */
  replying?: { nick: string; text: string } | null;
  onCancelReply?: () => void;
  /** ↑ in the empty box: edit my last message here (false when there is none) */
  onEditLast?: () => boolean;
  /** the box takes focus when this changes (a reply was asked for) */
  focusKey?: string | null;
}

const MAX_ROWS_PX = 200;

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function Composer({ channel, offline, onCommand, inputId = 'composer-input', placeholder, replying, onCancelReply, onEditLast, focusKey }: ComposerProps) {
  const ta = useRef<HTMLTextAreaElement>(null);
  const composing = useRef(false);
  /** text just sent: if the IME re-inserts its tail after we cleared, we clear again */
  const justSent = useRef<string | null>(null);
  const drafts = useRef(new Map<string, string>());
  const [note, setNote] = useState('');
  const [length, setLength] = useState(0);

  const resize = () => {
    const el = ta.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, MAX_ROWS_PX)}px`;
  };

  // Keep a draft per channel, and put the cursor in the box when switching.
  const current = useRef(channel);
  useEffect(() => {
    const el = ta.current;
    if (!el) return;
    if (current.current !== channel) {
      drafts.current.set(current.current, el.value);
      el.value = drafts.current.get(channel) ?? '';
      current.current = channel;
      setLength(codePoints(el.value));
      setNote('');
      resize();
    }
    if (matchMedia('(pointer: fine)').matches) el.focus();
  }, [channel]);

  useEffect(() => {
    if (focusKey) ta.current?.focus();
  }, [focusKey]);

  const clearBox = () => {
    const el = ta.current;
    if (!el) return;
    el.value = '';
    setLength(0);
    resize();
  };

  const clearAfterSend = (sent: string) => {
    justSent.current = sent;
    clearBox();
    // The IME may still commit its last syllable after our clear (Chrome on
    // macOS/Windows does for Enter pressed mid-syllable); clear again on the
    // next tick if what reappeared is a piece of what we sent.
    setTimeout(() => {
      const el = ta.current;
      if (el && justSent.current === sent && el.value && sent.endsWith(el.value) && !composing.current) clearBox();
      justSent.current = null;
    }, 0);
  };

  const submit = () => {
    const el = ta.current;
    if (!el) return;
    // Never send while the IME holds an unfinished syllable.
    if (composing.current) return;
    const text = el.value;
    if (!text.trim()) return;
    if (codePoints(text) > MAX_TEXT) {
      setNote(`메시지는 ${MAX_TEXT.toLocaleString('ko-KR')}자까지 보낼 수 있습니다 (지금 ${codePoints(text).toLocaleString('ko-KR')}자).`);
      return;
    }
    const cmd = parseInput(text);
    if (cmd.kind === 'invalid') {
      setNote(cmd.message);
      el.focus();
      return;
    }
    setNote('');
    onCommand(cmd);
    clearAfterSend(text);
    el.focus();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.isComposing || e.keyCode === 229 || composing.current) return;
    if (e.key === 'ArrowUp' && !e.altKey && !e.shiftKey && ta.current?.value === '' && onEditLast?.()) {
      e.preventDefault();
      return;
    }
    if (e.key === 'Escape' && replying && onCancelReply) {
      e.preventDefault();
      onCancelReply();
      return;
    }
    if (e.key !== 'Enter' || e.shiftKey || e.altKey) return;
    // 229 is what browsers report for keys the IME is handling.
    if (e.isComposing || e.keyCode === 229 || composing.current) return;
    e.preventDefault();
    submit();
  };

  const onInput = (e: Event) => {
    const el = ta.current;
    if (!el) return;
    // An input outside composition means no composition is open, even if a
    // compositionend got lost (the window lost focus mid-syllable, say).
    if ((e as InputEvent).isComposing === false) composing.current = false;
    if (note) setNote('');
    setLength(codePoints(el.value));
    resize();
  };

  const onCompositionEnd = () => {
    composing.current = false;
    const el = ta.current;
    // Composition that ends right after a send put back a piece of the sent text: drop it.
    if (el && justSent.current !== null && el.value && justSent.current.endsWith(el.value)) clearBox();
  };

  const over = length > MAX_TEXT;
  const hintId = `${inputId}-hint`;
  const noteId = `${inputId}-note`;
  const replyId = `${inputId}-reply`;
  const describedBy = [replying ? replyId : '', note ? noteId : '', hintId].filter(Boolean).join(' ');
  return (
    <form
      class={`composer${offline ? ' offline' : ''}`}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {note && (
        <p class="composer-note" id={noteId} role="alert">
          <Icon name="info" size={14} /> {note}
        </p>
      )}
      {replying && (
        <div class="composer-reply" id={replyId}>
          <Icon name="reply" size={14} />
          <span class="composer-reply-text">
            <strong>{replying.nick}</strong>님에게 답글: <span class="quote">{replying.text || '(내용 없음)'}</span>
          </span>
          {onCancelReply && (
            <button type="button" class="icon-btn small" aria-label="답글 쓰기 취소" title="답글 취소 (Esc)" onClick={onCancelReply}>
              <Icon name="close" size={14} />
            </button>
          )}
        </div>
      )}
      <div class="composer-box">
        <label for={inputId} class="sr-only">
          {placeholder ?? `#${channel}에 메시지 보내기`}
        </label>
        <textarea
          id={inputId}
          ref={ta}
          rows={1}
          placeholder={placeholder ?? `#${channel}에 메시지 보내기`}
          aria-describedby={describedBy}
          aria-invalid={over || undefined}
          autocomplete="off"
          spellcheck={false}
          enterkeyhint="send"
          onKeyDown={onKeyDown}
          onInput={onInput}
          onCompositionStart={() => {
            composing.current = true;
          }}
          onCompositionEnd={onCompositionEnd}
          onBlur={() => {
            composing.current = false;
          }}
        />
        <button
          type="submit"
          class="send-btn"
          aria-label="보내기"
          title="보내기 (Enter)"
          disabled={length === 0 || over}
          // Keep focus (and the mobile keyboard) in the text box when the button is pressed.
          onMouseDown={(e) => e.preventDefault()}
        >
          <Icon name="send" size={18} />
        </button>
      </div>
      <p class="composer-hint" id={hintId}>
        {offline ? (
          <span class="offline-hint">연결이 끊겨 있습니다. 보낸 메시지는 다시 연결되면 전송됩니다.</span>
        ) : (
          <span>
            <kbd>Enter</kbd> 보내기 · <kbd>Shift</kbd>+<kbd>Enter</kbd> 줄바꿈 · <kbd>↑</kbd> 마지막 메시지 수정 · <kbd>/help</kbd> 명령어
          </span>
        )}
        {length > MAX_TEXT * 0.9 && (
          <span class={`counter${over ? ' over' : ''}`}>
            {length.toLocaleString('ko-KR')} / {MAX_TEXT.toLocaleString('ko-KR')}
          </span>
        )}
      </p>
    </form>
  );
}
