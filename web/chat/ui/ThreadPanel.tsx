// The thread view: a message and its replies, with a box that answers it.
// The right column on a wide screen, an overlay below 1100 px and the whole
// screen at phone width. Esc or ✕ closes it.
import { useEffect, useRef } from 'preact/hooks';
import { isDeleted } from '../../../core/conversation.ts';
import type { Command } from '../commands.ts';
import type { ChatStore } from '../store.ts';
import { snippet } from '../threads.ts';
import { Icon } from './common.tsx';
import { Composer } from './Composer.tsx';
import { MessageItem } from './MessageItem.tsx';

export function ThreadPanel({ store, onCommand }: { store: ChatStore; onCommand: (cmd: Command, replyTo: string) => void }) {
  const conv = store.conv;
  const open = conv.thread;
  const { parent, replies, more } = conv.threadView();
  const list = useRef<HTMLDivElement>(null);
  const count = replies.length;

  // Keep the newest reply in view as replies arrive.
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [open?.id, count]);

  if (!open) return null;
  const title = parent ? `${parent.user.nick}님의 메시지` : '스레드';
  return (
    <aside class="thread-panel" id="thread-panel" aria-labelledby="thread-h">
      <div class="section-head thread-head">
        <h2 id="thread-h">
          <Icon name="thread" size={16} /> 스레드 <span class="thread-sub">#{open.channel}</span>
        </h2>
        <button type="button" class="icon-btn" aria-label="스레드 닫기" title="닫기 (Esc)" onClick={() => conv.closeThread()}>
          <Icon name="close" size={16} />
        </button>
      </div>
      <div class="thread-body" ref={list} tabIndex={0} role="log" aria-label={`${title}의 스레드`}>
        {parent ? (
          <ol class="messages thread-parent">
            <MessageItem e={parent} store={store} inThread />
          </ol>
        ) : (
          <p class="older-note" role="status">
            원래 메시지를 불러오는 중…
          </p>
        )}
        <div class="thread-divider" role="separator">
          <span>{count > 0 ? `답글 ${count}개` : '아직 답글이 없습니다'}</span>
        </div>
        {more && <p class="older-note">더 오래된 답글이 있습니다 (최근 답글만 보입니다)</p>}
        <ol class="messages thread-replies">
          {replies.map((r, i) => (
            <MessageItem key={r.id} e={r} store={store} inThread continued={i > 0 && replies[i - 1].user.id === r.user.id && r.ts - replies[i - 1].ts < 5 * 60_000} />
          ))}
        </ol>
      </div>
      {parent && !isDeleted(parent) ? (
        <Composer
          channel={open.channel}
          inputId="thread-input"
          placeholder="스레드에 답글 보내기"
          replying={{ nick: parent.user.nick, text: snippet(parent.text) }}
          offline={store.conn !== 'connected'}
          onCommand={(cmd) => onCommand(cmd, open.id)}
          onEditLast={() => conv.editLast(open.channel, open.id)}
          focusKey={`${open.id}:${conv.threadFocus}`}
        />
      ) : (
        parent && <p class="thread-closed">삭제된 메시지에는 답글을 달 수 없습니다.</p>
      )}
    </aside>
  );
}
