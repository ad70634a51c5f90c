// A message in its conversation (/audit/messages/{id}, a permalink): the
// events before and after it in its channel (more on scroll, both ways), its
// versions, its delete record and its thread. Data: GET /api/messages/{id}
// and /api/messages/{id}/context (contract, second edition).
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, apiUrl, explain, type ContextEvent, type MessageContext, type MessageRecord } from '../api.ts';
import type { Navigate } from './App.tsx';
import { Link } from './App.tsx';
import { When } from './common.tsx';

const STEP = 25;
/** the API's largest window on each side */
const MAX_SIDE = 200;

const nickOf = (by: unknown): string => (typeof by === 'string' ? by : by && typeof by === 'object' && 'nick' in by ? String((by as { nick: unknown }).nick) : '');

function eventLine(e: ContextEvent): string {
  switch (e.type as string) {
    case 'join':
      return `${e.user.nick}님이 채널에 들어왔습니다`;
    case 'leave':
      return `${e.user.nick}님이 채널에서 나갔습니다`;
    case 'nick':
      return `닉네임 변경: ${e.text || e.user.nick}`;
    case 'edit':
      return `${e.user.nick}님이 메시지를 수정했습니다: ${e.text}`;
    case 'delete':
      return `${e.user.nick}님이 메시지를 삭제했습니다`;
    default:
      return e.text;
  }
}

export function ConversationView({ id, navigate }: { id: string; navigate: Navigate }) {
  const [record, setRecord] = useState<MessageRecord | null>(null);
  const [ctx, setCtx] = useState<MessageContext | null>(null);
  const [side, setSide] = useState({ before: STEP, after: STEP });
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(false);
  const [copied, setCopied] = useState(false);
  const top = useRef<HTMLDivElement>(null);
  const bottom = useRef<HTMLDivElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const anchor = useRef<{ id: string; y: number } | null>(null);
  const centred = useRef(false);
  const path = `/api/messages/${encodeURIComponent(id)}`;

  useEffect(() => {
    api<MessageRecord>(path).then(setRecord, (e: unknown) => setError(explain(e)));
  }, [path]);
  useEffect(() => {
    let live = true;
    setLoading(true);
    api<MessageContext>(apiUrl(`${path}/context`, side))
      .then((c) => live && setCtx(c), (e: unknown) => live && setError(explain(e)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [path, side.before, side.after]);

  // the message in the middle of the screen once; older events loaded above keep what was on screen in place
  useLayoutEffect(() => {
    if (!ctx || !list.current) return;
    if (!centred.current) {
      list.current.querySelector('.event.focused')?.scrollIntoView({ block: 'center' });
      centred.current = true;
    } else if (anchor.current) {
      const el = list.current.querySelector(`[data-id="${CSS.escape(anchor.current.id)}"]`);
      if (el) scrollBy(0, el.getBoundingClientRect().top - anchor.current.y);
      anchor.current = null;
    }
  }, [ctx]);

  // more on scroll: the window grows on the side that came into view
  useEffect(() => {
    if (!ctx || loading) return;
    const io = new IntersectionObserver(
      (entries) => {
        for (const e of entries) {
          if (!e.isIntersecting) continue;
          if (e.target === top.current && ctx.more_before && side.before < MAX_SIDE && centred.current) {
            const first = list.current?.querySelector('.event');
            if (first) anchor.current = { id: (first as HTMLElement).dataset.id ?? '', y: first.getBoundingClientRect().top };
            setSide((s) => ({ ...s, before: Math.min(MAX_SIDE, s.before + STEP) }));
          }
          if (e.target === bottom.current && ctx.more_after && side.after < MAX_SIDE) setSide((s) => ({ ...s, after: Math.min(MAX_SIDE, s.after + STEP) }));
        }
      },
      { rootMargin: '200px' },
    );
    if (top.current) io.observe(top.current);
    if (bottom.current) io.observe(bottom.current);
    return () => io.disconnect();
  }, [ctx, loading]);

  const permalink = `${location.origin}/audit/messages/${encodeURIComponent(id)}`;
  const msg = record?.message;
  return (
    <section class="conversation">
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {msg && record && (
        <article class="card record" aria-label="메시지 기록">
          <div class="hit-head">
            <Link to={{ view: 'search', q: `in:#${msg.channel}` }} navigate={navigate} class="channel">
              #{msg.channel}
            </Link>
            <span class="nick">{msg.user.nick}</span>
            <When ts={msg.ts} />
            {record.deleted && <span class="badge danger">삭제됨</span>}
            {record.versions.length > 1 && <span class="badge">수정 {record.versions.length - 1}회</span>}
          </div>
          <p class="record-text">{record.versions.at(-1)?.text ?? msg.text}</p>
          <div class="permalink">
            <span class="note">고유 주소</span>
            <a href={permalink} class="mono">
              {permalink}
            </a>
            <button
              type="button"
              class="ghost"
              onClick={() =>
                void navigator.clipboard?.writeText(permalink).then(
                  () => setCopied(true),
                  () => setCopied(false),
                )
              }
            >
              {copied ? '복사했습니다' : '주소 복사'}
            </button>
          </div>
          {msg.reply_to && (
            <p>
              <Link to={{ view: 'message', id: msg.reply_to }} navigate={navigate}>
                이 답글의 원글 보기
              </Link>
            </p>
          )}
          {record.versions.length > 1 && (
            <section class="versions">
              <h2>고친 기록</h2>
              <ol>
                {record.versions.map((v, i) => (
                  <li key={i}>
                    <When ts={v.ts} /> {nickOf(v.by) && <span class="nick">{nickOf(v.by)}</span>} {i === 0 ? <span class="badge">처음</span> : null}
                    <p class="version-text">{v.text}</p>
                  </li>
                ))}
              </ol>
            </section>
          )}
          {record.deleted && (
            <p class="deleted-note">
              <When ts={record.deleted.ts} />에 {nickOf(record.deleted.by) || '누군가'}님이 삭제했습니다. (멤버에게는 내용이 보이지 않습니다)
            </p>
          )}
          {typeof record.replies === 'number' && record.replies > 0 && <p class="note">답글 {record.replies}개 (아래 대화에서 ↳ 표시)</p>}
        </article>
      )}
      {ctx && (
        <>
          <h2 class="section-title">#{ctx.channel}의 대화</h2>
          <div ref={top} class="edge">
            {ctx.more_before ? (side.before < MAX_SIDE ? '이전 대화를 불러옵니다…' : '더 이전 대화는 검색으로 찾아 주세요') : '채널의 처음입니다'}
          </div>
          <ol class="events" ref={list}>
            {ctx.events.map((e) => {
              const notice = !['message', 'bot'].includes(e.type);
              const cls = ['event', notice ? 'notice' : 'msg', e.id === id ? 'focused' : '', e.reply_to === id ? 'reply' : ''].filter(Boolean).join(' ');
              return (
                <li key={e.id} class={cls} data-id={e.id} data-type={e.type}>
                  <div class="hit-head">
                    <span class="nick">{e.user.nick}</span>
                    <When ts={e.ts} />
                    {e.reply_to === id && <span class="badge">↳ 답글</span>}
                    {e.edited && <span class="badge">수정됨</span>}
                    {e.deleted && <span class="badge danger">삭제됨</span>}
                  </div>
                  {e.id === id || notice ? (
                    <p class="event-text">{eventLine(e)}</p>
                  ) : (
                    <Link to={{ view: 'message', id: e.id }} navigate={navigate} class="event-text">
                      {eventLine(e)}
                    </Link>
                  )}
                </li>
              );
            })}
          </ol>
          <div ref={bottom} class="edge">
            {ctx.more_after ? (side.after < MAX_SIDE ? '다음 대화를 불러옵니다…' : '더 다음 대화는 검색으로 찾아 주세요') : '가장 최근 대화까지 보았습니다'}
          </div>
        </>
      )}
      {!ctx && !error && <p class="note">대화를 불러오는 중…</p>}
    </section>
  );
}
