// Topic statistics for a range and channel (/audit/topics?from=&to=&channel=):
// keywords and rising topics (a click searches the word in that range), and
// the message volume by hour, day, channel and person as Plot charts. With no
// dates in the URL it opens on the last day that has messages.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { dayKey } from '../../chat/format.ts';
import { api, apiUrl, explain, type SearchResult, type TopicsResult, type VolumeResult } from '../api.ts';
import { withDateRange, withOperator } from '../query.ts';
import type { Route } from '../route.ts';
import type { Navigate } from './App.tsx';
import { Plot, PlotChart } from './PlotChart.tsx';

type TopicsRoute = Extract<Route, { view: 'topics' }>;
type Bucket = VolumeResult['buckets'][number];
/** one bar colour that reads on light and dark backgrounds (Plot needs a real colour, not a CSS variable) */
const BAR = '#6470e0';
const BY = ['hour', 'day', 'channel', 'user'] as const;
type Volumes = Record<(typeof BY)[number], VolumeResult>;

/** The last local day with a message (newest search hit), else today. */
async function lastDayWithData(): Promise<string> {
  try {
    const r = await api<SearchResult>(apiUrl('/api/search', { q: 'type:message', limit: 1 }));
    if (r.hits[0]) return dayKey(r.hits[0].ts);
  } catch {
    // no search service: today
  }
  return dayKey(Date.now());
}

/** A time axis of many bars shows every n-th label only. */
const sparseTicks = (keys: string[], most: number) => keys.filter((_, i) => i % Math.max(1, Math.ceil(keys.length / most)) === 0);

function timeChart(buckets: Bucket[], by: 'hour' | 'day') {
  const label = (b: Bucket) => (by === 'hour' ? b.key.slice(5) : b.key);
  const keys = buckets.map(label);
  return (width: number) =>
    Plot.plot({
      width,
      height: 220,
      marginLeft: 44,
      marginBottom: 40,
      x: { type: 'band', domain: keys, ticks: sparseTicks(keys, Math.max(3, Math.floor(width / 90))), label: by === 'hour' ? '시각' : '날짜', tickRotate: 0 },
      y: { grid: true, label: '메시지 수' },
      marks: [Plot.barY(buckets, { x: label, y: 'count', fill: BAR, tip: true }), Plot.ruleY([0])],
    });
}

/** Largest first: a ranking reads top-down. */
function rankChart(buckets: Bucket[]) {
  const rows = [...buckets].sort((a, b) => b.count - a.count).slice(0, 15);
  return (width: number) =>
    Plot.plot({
      width,
      height: 28 * rows.length + 40,
      marginLeft: Math.min(140, Math.max(60, width / 4)),
      x: { grid: true, label: '메시지 수' },
      y: { label: null, domain: rows.map((r) => r.key) },
      marks: [Plot.barX(rows, { y: 'key', x: 'count', fill: BAR, tip: true }), Plot.ruleX([0])],
    });
}

export function TopicsView({ route, navigate }: { route: TopicsRoute; navigate: Navigate }) {
  const [form, setForm] = useState(route);
  const [topics, setTopics] = useState<TopicsResult | null>(null);
  const [vol, setVol] = useState<Volumes | null>(null);
  const [error, setError] = useState('');

  // no dates: open on the last day with data (and say so in the URL)
  useEffect(() => {
    setForm(route);
    if (route.from && route.to) return;
    let live = true;
    void lastDayWithData().then((day) => live && navigate({ ...route, from: route.from || day, to: route.to || route.from || day }, { replace: true }));
    return () => {
      live = false;
    };
  }, [route.from, route.to, route.channel]);

  useEffect(() => {
    if (!route.from || !route.to) return;
    let live = true;
    setError('');
    setTopics(null);
    setVol(null);
    const p = { from: route.from, to: route.to, channel: route.channel };
    Promise.all([api<TopicsResult>(apiUrl('/api/stats/topics', { ...p, limit: 30 })), ...BY.map((by) => api<VolumeResult>(apiUrl('/api/stats/volume', { ...p, by })))])
      .then(([t, ...v]) => {
        if (!live) return;
        setTopics(t);
        setVol(Object.fromEntries(BY.map((by, i) => [by, v[i]])) as Volumes);
      })
      .catch((e: unknown) => live && setError(explain(e)));
    return () => {
      live = false;
    };
  }, [route.from, route.to, route.channel]);

  const searchTerm = (term: string) => {
    let q = withDateRange(term.includes(' ') ? `"${term}"` : term, route.from, route.to);
    if (route.channel) q = withOperator(q, 'in', `#${route.channel.replace(/^#/, '')}`);
    navigate({ view: 'search', q });
  };
  const charts = useMemo(
    () =>
      vol
        ? [
            { key: 'hour' as const, title: '시간대별', draw: timeChart(vol.hour.buckets, 'hour') },
            { key: 'day' as const, title: '날짜별', draw: timeChart(vol.day.buckets, 'day') },
            { key: 'channel' as const, title: '채널별', draw: rankChart(vol.channel.buckets.map((b) => ({ ...b, key: `#${b.key}` }))) },
            { key: 'user' as const, title: '사람별', draw: rankChart(vol.user.buckets) },
          ]
        : [],
    [vol],
  );

  return (
    <section class="topics-view">
      <form
        class="range-form card"
        onSubmit={(e) => {
          e.preventDefault();
          navigate({ ...form, channel: form.channel.replace(/^#/, '').trim() });
        }}
      >
        <label>
          <span>시작일</span>
          <input type="date" name="from" value={form.from} onInput={(e) => setForm({ ...form, from: (e.target as HTMLInputElement).value })} />
        </label>
        <label>
          <span>종료일</span>
          <input type="date" name="to" value={form.to} onInput={(e) => setForm({ ...form, to: (e.target as HTMLInputElement).value })} />
        </label>
        <label>
          <span>채널 (비우면 전체)</span>
          <input type="text" name="channel" value={form.channel} placeholder="예: dev" onInput={(e) => setForm({ ...form, channel: (e.target as HTMLInputElement).value })} />
        </label>
        <button class="primary" type="submit">
          보기
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {topics && (
        <p class="note period">
          {topics.period.from === topics.period.to ? topics.period.from : `${topics.period.from} ~ ${topics.period.to}`} (서울 시간) · 메시지 {topics.period.messages.toLocaleString('ko-KR')}건
          {topics.channel ? ` · #${topics.channel}` : ' · 모든 채널'}
          {!topics.coverage.complete && ` · 아직 ${topics.coverage.pending_messages}건을 세는 중`}
        </p>
      )}
      {topics && (
        <div class="topic-lists">
          <KeywordList title="많이 나온 낱말" items={topics.keywords} pick={searchTerm} id="keywords" />
          <KeywordList
            title="떠오르는 주제 (이전 기간 대비)"
            items={topics.rising}
            pick={searchTerm}
            id="rising"
            empty={topics.reference.messages === 0 ? `비교할 이전 기간(${topics.reference.from === topics.reference.to ? topics.reference.from : `${topics.reference.from} ~ ${topics.reference.to}`})에 메시지가 없습니다.` : '눈에 띄게 늘어난 낱말이 없습니다.'}
          />
        </div>
      )}
      {vol && (
        <div class="charts">
          {charts.map((c) => (
            <section class="card chart-card" key={c.key} data-chart={c.key}>
              <h2>{c.title} 메시지 수</h2>
              {vol[c.key].buckets.length ? <PlotChart draw={c.draw} label={`${c.title} 메시지 수 막대 그래프`} /> : <p class="note">이 기간에는 메시지가 없습니다.</p>}
            </section>
          ))}
        </div>
      )}
      {!topics && !error && <p class="note">통계를 불러오는 중…</p>}
    </section>
  );
}

function KeywordList({ title, items, pick, id, empty = '이 기간에는 낱말이 없습니다.' }: { title: string; items: TopicsResult['keywords']; pick: (t: string) => void; id: string; empty?: string }) {
  return (
    <section class="card keywords" id={id}>
      <h2>{title}</h2>
      {items.length === 0 ? (
        <p class="note">{empty}</p>
      ) : (
        <ol>
          {items.map((k) => (
            <li key={k.term}>
              <button type="button" class="keyword" onClick={() => pick(k.term)} title={`"${k.term}" 검색`}>
                <span class="term">{k.term}</span>
                <span class="count">{k.count.toLocaleString('ko-KR')}</span>
              </button>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
