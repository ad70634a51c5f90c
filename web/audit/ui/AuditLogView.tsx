// The audit log (admins): who searched, read, exported or ran SQL, with the
// detail of each action; filtered by person, action and dates (/audit/log?…).
import { useEffect, useState } from 'preact/hooks';
import { api, apiUrl, explain, type AuditLogEntry } from '../api.ts';
import type { Route } from '../route.ts';
import type { Navigate } from './App.tsx';
import { When } from './common.tsx';

type LogRoute = Extract<Route, { view: 'log' }>;

const ACTIONS: [string, string][] = [
  ['', '모든 동작'],
  ['search', '검색 (내보내기 포함)'],
  ['search.export', '검색 결과 내보내기'],
  ['private.read', '비공개 대화 열람'],
  ['messages', '메시지·대화 열람'],
  ['stats', '통계'],
  ['sql', 'SQL'],
  ['notebooks', '노트북'],
  ['cli', '원격 CLI'],
  ['audit_log.read', '감사 기록 열람'],
  ['audit.sign_in', '감사 화면 로그인'],
  ['refused', '거부된 요청'],
];

function detailText(e: AuditLogEntry): string {
  const d = e.detail as Record<string, unknown> | null;
  if (d && typeof d === 'object') {
    if (typeof d.sql === 'string') return d.sql;
    if (typeof d.q === 'string') return `q=${d.q}`;
  }
  if (d === null || d === undefined) return Object.keys(e.params).length ? new URLSearchParams(e.params as Record<string, string>).toString() : '';
  return typeof d === 'string' ? d : JSON.stringify(d);
}

export function AuditLogView({ route, navigate }: { route: LogRoute; navigate: Navigate }) {
  const [form, setForm] = useState(route);
  const [entries, setEntries] = useState<AuditLogEntry[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    setForm(route);
    let live = true;
    setError('');
    api<{ entries: AuditLogEntry[] }>(apiUrl('/api/audit-log', { limit: 200, actor: route.actor, action: route.action, from: route.from, to: route.to }))
      .then((r) => live && setEntries(r.entries))
      .catch((e: unknown) => live && setError(explain(e)));
    return () => {
      live = false;
    };
  }, [route.actor, route.action, route.from, route.to]);
  const field = (k: 'actor' | 'from' | 'to') => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  return (
    <section class="log-view">
      <form
        class="range-form card"
        onSubmit={(e) => {
          e.preventDefault();
          navigate({ ...form, actor: form.actor.trim() });
        }}
      >
        <label>
          <span>사람 (닉네임 또는 id)</span>
          <input type="text" name="actor" value={form.actor} onInput={field('actor')} />
        </label>
        <label>
          <span>동작</span>
          <select name="action" value={form.action} onChange={(e) => setForm({ ...form, action: (e.target as HTMLSelectElement).value })}>
            {ACTIONS.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>시작일</span>
          <input type="date" name="from" value={form.from} onInput={field('from')} />
        </label>
        <label>
          <span>종료일</span>
          <input type="date" name="to" value={form.to} onInput={field('to')} />
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
      {entries && (
        <>
          <p class="note">{entries.length ? `최근 ${entries.length}건 (최신순)` : '조건에 맞는 기록이 없습니다.'}</p>
          <ol class="log-entries">
            {entries.map((e, i) => (
              <li key={e.id ?? i} class="card log-entry" data-action={e.action}>
                <div class="hit-head">
                  <When ts={e.ts} />
                  <span class="nick">{e.actor.nick ?? e.actor.id ?? '알 수 없음'}</span>
                  {e.actor.role && <span class="note">{e.actor.role}</span>}
                  <span class="badge">{e.action}</span>
                  {e.status !== null && <span class={`badge${e.status >= 400 ? ' danger' : ''}`}>{e.status}</span>}
                </div>
                {detailText(e) && <code class="detail">{detailText(e)}</code>}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
