// Search: one box with the whole query language, chips that edit the query
// text, syntax help, highlighted hits newest first with infinite scroll, the
// exact total, channel/person facets and a CSV of every hit.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, apiUrl, explain, token, type Hit, type SearchResult } from '../api.ts';
import { withOperator } from '../query.ts';
import type { Navigate } from './App.tsx';
import { Link } from './App.tsx';
import { download, Highlighted, When } from './common.tsx';
import { QueryChips } from './QueryChips.tsx';
import { SyntaxHelp } from './SyntaxHelp.tsx';

const PAGE = 30;

interface Results {
  q: string;
  hits: Hit[];
  total: number;
  next: string | null;
  facets: SearchResult['facets'];
}

export function SearchView({ q, navigate }: { q: string; navigate: Navigate }) {
  const [text, setText] = useState(q);
  const [res, setRes] = useState<Results | null>(null);
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(false);
  const [exporting, setExporting] = useState(false);
  const sentinel = useRef<HTMLDivElement>(null);
  const search = (next: string) => navigate({ view: 'search', q: next.trim() });

  // the URL's query is the one searched (a deep link, back/forward, a chip)
  useEffect(() => {
    setText(q);
    setRes(null);
    setError('');
    if (!q.trim()) return;
    let live = true;
    setLoading(true);
    api<SearchResult>(apiUrl('/api/search', { q, limit: PAGE }))
      .then((r) => live && setRes({ q, hits: r.hits, total: r.total, next: r.next_cursor, facets: r.facets }))
      .catch((e: unknown) => live && setError(e instanceof ApiError && e.status === 400 ? `검색어를 읽지 못했습니다 — ${e.message}` : explain(e)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [q]);

  const more = async () => {
    if (!res?.next || loading) return;
    setLoading(true);
    try {
      const r = await api<SearchResult>(apiUrl('/api/search', { q: res.q, limit: PAGE, cursor: res.next }));
      setRes((cur) => (cur && cur.q === res.q ? { ...cur, hits: [...cur.hits, ...r.hits], next: r.next_cursor } : cur));
    } catch (e) {
      setError(explain(e));
    } finally {
      setLoading(false);
    }
  };
  // infinite scroll: the next page when the end of the list comes into view
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !res?.next) return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && void more(), { rootMargin: '400px' });
    io.observe(el);
    return () => io.disconnect();
  });

  const exportCsv = async () => {
    setExporting(true);
    try {
      await download(apiUrl('/api/search/export', { q }), token(), 'kchat-search.csv');
    } catch (e) {
      setError(explain(e));
    } finally {
      setExporting(false);
    }
  };

  return (
    <section class="search-view">
      <form
        class="search-box"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          search(text);
        }}
      >
        <input
          id="audit-q"
          type="search"
          name="q"
          value={text}
          maxLength={500}
          placeholder='예: 배포 in:#dev from:민수 after:2024-08-26 "점심 메뉴"'
          aria-label="검색어 (검색 문법 사용 가능)"
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
          autoFocus={!q}
        />
        <button class="primary" type="submit">
          검색
        </button>
      </form>
      <QueryChips q={text} facets={res?.facets ?? null} onChange={(next) => search(next)} />
      <SyntaxHelp />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {res && (
        <div class="results-layout">
          <div class="results">
            <div class="results-head">
              <p class="total" role="status">
                {res.total ? `${res.total.toLocaleString('ko-KR')}건` : '찾은 메시지가 없습니다'}
                {res.total > 0 && <span class="note"> · 최신순</span>}
              </p>
              {res.total > 0 && (
                <button type="button" class="ghost" onClick={exportCsv} disabled={exporting}>
                  {exporting ? '내보내는 중…' : 'CSV로 내보내기'}
                </button>
              )}
            </div>
            <ol class="hits">
              {res.hits.map((h) => (
                <li key={h.id} class="hit" data-id={h.id}>
                  <div class="hit-head">
                    <span class="channel">#{h.channel}</span>
                    <span class="nick">{h.nick}</span>
                    <When ts={h.ts} />
                    {h.type !== 'message' && <span class="badge">{h.type}</span>}
                    {h.edited && <span class="badge">수정됨</span>}
                    {h.deleted && <span class="badge danger">삭제됨</span>}
                  </div>
                  <Link to={{ view: 'message', id: h.id }} navigate={navigate} class="hit-text">
                    <Highlighted text={h.text} ranges={h.highlights} />
                  </Link>
                </li>
              ))}
            </ol>
            {res.next ? (
              <div ref={sentinel} class="more">
                <button type="button" class="ghost" onClick={() => void more()} disabled={loading}>
                  {loading ? '불러오는 중…' : '더 보기'}
                </button>
              </div>
            ) : (
              res.hits.length > 0 && <p class="note end">마지막 결과입니다.</p>
            )}
          </div>
          <aside class="facets" aria-label="검색 결과 분포">
            <Facet title="채널" items={res.facets.channels} label={(v) => `#${v}`} pick={(v) => search(withOperator(q, 'in', `#${v}`))} />
            <Facet title="사람" items={res.facets.users} label={(v) => v} pick={(v) => search(withOperator(q, 'from', v))} />
          </aside>
        </div>
      )}
      {loading && !res && <p class="note">검색 중…</p>}
    </section>
  );
}

function Facet({ title, items, label, pick }: { title: string; items: { value: string; count: number }[]; label: (v: string) => string; pick: (v: string) => void }) {
  if (items.length === 0) return null;
  return (
    <section class="facet">
      <h2>{title}</h2>
      <ul>
        {items.map((f) => (
          <li key={f.value}>
            <button type="button" class="facet-item" onClick={() => pick(f.value)}>
              <span class="facet-label">{label(f.value)}</span>
              <span class="count">{f.count.toLocaleString('ko-KR')}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
