// Search in the right column: the channels you belong to, with the auditors'
// query language ("구절", -제외, from:닉, in:#채널, on:날짜…). A click on a
// result shows the message in its channel.
import { useState } from 'preact/hooks';
import { searchMessages, type SearchHit } from '../api.ts';
import { formatFull } from '../format.ts';
import type { ChatStore } from '../store.ts';
import { Icon } from './common.tsx';

/** The hit's text with its highlighted ranges in <mark> (text nodes only: nothing becomes HTML). */
function Highlighted({ hit }: { hit: SearchHit }) {
  const parts: preact.ComponentChild[] = [];
  let at = 0;
  for (const [start, end] of hit.highlights ?? []) {
    if (start < at || end <= start) continue;
    parts.push(hit.text.slice(at, start), <mark key={start}>{hit.text.slice(start, end)}</mark>);
    at = end;
  }
  parts.push(hit.text.slice(at));
  return <>{parts}</>;
}

export function SearchPanel({ store, onClose, onPick }: { store: ChatStore; onClose: () => void; onPick: () => void }) {
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const run = async () => {
    if (!q.trim() || !store.token) return;
    setBusy(true);
    const r = await searchMessages(store.token, q.trim());
    setBusy(false);
    if (!r.ok) {
      setError(r.error);
      setHits(null);
      return;
    }
    setError('');
    setHits(r.value.hits);
    setTotal(r.value.total);
  };
  const label = (channel: string) => {
    const ch = store.channels.get(channel);
    return ch?.dm ? `@${ch.dm.join(', ')}` : `#${channel}`;
  };
  return (
    <aside class="members search-panel" id="search-panel" aria-labelledby="search-h">
      <div class="section-head">
        <h2 id="search-h">검색</h2>
        <button type="button" class="icon-btn" aria-label="검색 닫기" onClick={onClose}>
          <Icon name="close" size={16} />
        </button>
      </div>
      <form
        class="search-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <input id="search-input" type="search" value={q} placeholder="내 채널에서 찾기" aria-label="검색어" maxLength={500} onInput={(e) => setQ((e.target as HTMLInputElement).value)} autoFocus />
        <button type="submit" class="icon-btn" aria-label="찾기" disabled={busy}>
          <Icon name="search" size={16} />
        </button>
      </form>
      <p class="field-help search-help">예: 회의록, "배포 일정", from:민수, in:#점심, on:2024-08-27</p>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      {hits && (
        <>
          <p class="search-count" role="status">
            {total ? `${total}건` : '찾은 메시지가 없습니다'}
          </p>
          <ul class="search-hits">
            {hits.map((h) => (
              <li key={h.id}>
                <button
                  type="button"
                  class="search-hit"
                  data-id={h.id}
                  onClick={() => {
                    store.jumpTo(h.channel, h.id);
                    onPick();
                  }}
                >
                  <span class="search-hit-head">
                    <span class="search-hit-channel">{label(h.channel)}</span> · <span>{h.nick}</span> · <time dateTime={new Date(h.ts).toISOString()}>{formatFull(h.ts)}</time>
                  </span>
                  <span class="search-hit-text">
                    <Highlighted hit={h} />
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}
