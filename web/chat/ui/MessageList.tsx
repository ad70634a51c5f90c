// The message timeline of one channel: day separators, grouped runs of one
// author (each message is a MessageItem), notices, our pending sends, older
// pages on scroll-up, and auto-scroll only when the reader is already at the
// bottom.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { buildTimeline, formatFull, formatTime, noticeText, type TimelineEvent } from '../format.ts';
import type { ChannelState } from '../channels.ts';
import type { ChatStore } from '../store.ts';
import { replyCounts } from '../threads.ts';
import { Icon } from './common.tsx';
import { Markdown } from './Markdown.tsx';
import { MessageItem } from './MessageItem.tsx';

const BOTTOM_SLACK_PX = 48;
const TOP_LOAD_PX = 120;

const NOTICE_ICON: Record<string, string> = { join: 'arrowIn', leave: 'arrowOut', nick: 'edit', system: 'info' };

function Notice({ e }: { e: TimelineEvent }) {
  return (
    <li class={`notice notice-${e.type}`} data-id={e.id} data-type={e.type}>
      <Icon name={NOTICE_ICON[e.type] ?? 'info'} size={14} />
      <div class="notice-text">{e.type === 'system' ? <Markdown text={noticeText(e)} /> : noticeText(e)}</div>
      <time dateTime={new Date(e.ts).toISOString()} title={formatFull(e.ts)}>
        {formatTime(e.ts)}
      </time>
    </li>
  );
}

export function MessageList({ store, channel }: { store: ChatStore; channel: ChannelState }) {
  const scroller = useRef<HTMLDivElement>(null);
  const events = store.timeline(channel.name);
  const items = useMemo(() => buildTimeline(events), [events, store.version]);
  const counts = useMemo(() => replyCounts(events), [events, store.version]);
  const [atBottom, setAtBottom] = useState(true);
  const [unseen, setUnseen] = useState(0);
  const atBottomRef = useRef(true);
  const prev = useRef<{ channel: string; first: string | null; last: string | null; count: number; height: number; top: number }>({
    channel: '',
    first: null,
    last: null,
    count: 0,
    height: 0,
    top: 0,
  });

  // Read the DOM before Preact commits this render: the previous height and
  // position are what keep the reader's place when older messages are prepended.
  const el = scroller.current;
  if (el) {
    prev.current.height = el.scrollHeight;
    prev.current.top = el.scrollTop;
  }

  const firstKey = events[0]?.id ?? null;
  const lastKey = events[events.length - 1]?.id ?? null;

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const p = prev.current;
    const lastEvent = events[events.length - 1];
    if (p.channel !== channel.name) {
      el.scrollTop = el.scrollHeight;
      atBottomRef.current = true;
      setAtBottom(true);
      setUnseen(0);
    } else if (firstKey !== p.first && lastKey === p.last && p.count > 0) {
      // Older page prepended: stay on the message the reader was looking at.
      el.scrollTop = p.top + (el.scrollHeight - p.height);
    } else if (lastKey !== p.last) {
      const ownSend = lastEvent && (lastEvent.delivery !== undefined || lastEvent.user.id === store.me?.id);
      if (atBottomRef.current || ownSend) {
        el.scrollTop = el.scrollHeight;
        setUnseen(0);
      } else {
        const added = Math.max(1, events.length - p.count);
        setUnseen((n) => n + added);
      }
    } else if (atBottomRef.current) {
      // Same messages, new layout (a delivery note appeared, an image of text reflowed).
      el.scrollTop = el.scrollHeight;
    }
    prev.current = { ...p, channel: channel.name, first: firstKey, last: lastKey, count: events.length };
  });

  // A search hit to show: scroll to it and mark it; older pages load until it is there.
  const focus = store.focus?.channel === channel.name ? store.focus.id : null;
  useEffect(() => {
    if (!focus) return;
    const target = scroller.current?.querySelector<HTMLElement>(`[data-id="${CSS.escape(focus)}"]`);
    if (target) {
      target.scrollIntoView({ block: 'center' });
      target.classList.add('focused');
      atBottomRef.current = false;
      setAtBottom(false);
      store.focus = null;
    } else if (channel.noMoreOlder) store.focus = null;
    else store.loadOlder(channel.name);
  });

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const bottom = el.scrollHeight - el.scrollTop - el.clientHeight < BOTTOM_SLACK_PX;
    if (bottom !== atBottomRef.current) {
      atBottomRef.current = bottom;
      setAtBottom(bottom);
    }
    if (bottom && unseen) {
      setUnseen(0);
      store.markRead();
    }
    if (el.scrollTop < TOP_LOAD_PX) store.loadOlder(channel.name);
  };

  const jumpToBottom = () => {
    const el = scroller.current;
    if (!el) return;
    el.scrollTo({ top: el.scrollHeight, behavior: 'smooth' });
    setUnseen(0);
  };

  return (
    <div class="timeline-wrap">
      <div class="timeline" ref={scroller} onScroll={onScroll} tabIndex={0} role="log" aria-live="off" aria-label={`#${channel.name} 메시지`}>
        <div class="timeline-top">
          {channel.loadingOlder ? (
            <p class="older-note" role="status">
              이전 메시지를 불러오는 중…
            </p>
          ) : channel.noMoreOlder || (channel.historyLoaded && events.length === 0) ? (
            <div class="channel-intro">
              <div class="intro-mark">
                <Icon name="hash" size={28} />
              </div>
              <h2>#{channel.name} 채널의 처음입니다</h2>
              <p>이 채널의 모든 대화가 여기에 있습니다. 첫 인사를 남겨 보세요.</p>
            </div>
          ) : !channel.historyLoaded ? (
            <p class="older-note" role="status">
              대화 기록을 불러오는 중…
            </p>
          ) : (
            <button type="button" class="link-btn older-btn" onClick={() => store.loadOlder(channel.name)}>
              이전 메시지 더 보기
            </button>
          )}
        </div>
        <ol class="messages">
          {items.map((item) =>
            item.kind === 'day' ? (
              <li key={item.key} class="day-sep" role="separator" aria-label={item.label}>
                <span>{item.label}</span>
              </li>
            ) : item.kind === 'notice' ? (
              <Notice key={item.key} e={item.event} />
            ) : (
              <MessageItem key={item.key} e={item.event} continued={item.continued} replies={counts.get(item.event.id) ?? 0} store={store} />
            ),
          )}
        </ol>
      </div>
      {!atBottom && unseen > 0 && (
        <button type="button" class="new-pill" onClick={jumpToBottom}>
          새 메시지 {unseen > 99 ? '99+' : unseen}개 <Icon name="down" size={15} />
        </button>
      )}
      {!atBottom && unseen === 0 && (
        <button type="button" class="new-pill quiet" onClick={jumpToBottom} aria-label="맨 아래로">
          <Icon name="down" size={15} />
        </button>
      )}
    </div>
  );
}
