// The notebook page: sign-in, the list, one notebook (client-side routes /notebooks and /notebooks/<name>?run=<id>).
import { useEffect, useState } from 'preact/hooks';
import { applyTheme, loadTheme, NEXT_THEME, THEME_LABEL, type ThemeChoice } from '../../chat/theme.ts';
import { api, TOKEN_KEY, type ApiError } from '../api.ts';
import { mayLeave } from '../unsaved.ts';
import { Login } from './Login.tsx';
import { NotebookList } from './NotebookList.tsx';
import { NotebookView } from './NotebookView.tsx';

function route(): { name: string | null; runId: string | null } {
  const parts = location.pathname.split('/').filter(Boolean);
  const name = parts[1] ? decodeURIComponent(parts[1]) : null;
  return { name, runId: new URLSearchParams(location.search).get('run') };
}

/** The URL on screen: where back/forward returns to when the person stays with unsaved edits. */
let shown = '';

export function App() {
  const [authed, setAuthed] = useState<boolean | null>(null);
  const [authErr, setAuthErr] = useState<string>('');
  const [where, setWhere] = useState(route());
  const [theme, setTheme] = useState<ThemeChoice>(loadTheme);
  useEffect(() => applyTheme(theme), [theme]);
  useEffect(() => {
    shown = location.pathname + location.search;
    const onPop = () => {
      // back/forward away from unsaved edits: stay unless the person says to leave
      if (!mayLeave()) return history.pushState(null, '', shown);
      shown = location.pathname + location.search;
      setWhere(route());
    };
    addEventListener('popstate', onPop);
    if (!localStorage.getItem(TOKEN_KEY)) setAuthed(false);
    else
      api('/api/notebooks').then(
        () => setAuthed(true),
        (e: ApiError) => {
          setAuthErr(e.status === 403 ? '감사자(auditor) 또는 관리자 토큰이 필요합니다.' : e.status === 401 ? '저장된 토큰이 더 이상 유효하지 않습니다.' : e.message);
          setAuthed(false);
        },
      );
    return () => removeEventListener('popstate', onPop);
  }, []);
  const go = (name: string | null) => {
    if (!mayLeave()) return;
    history.pushState(null, '', name ? `/notebooks/${encodeURIComponent(name)}` : '/notebooks');
    shown = location.pathname + location.search;
    setWhere(route());
  };
  const logout = () => {
    localStorage.removeItem(TOKEN_KEY);
    setAuthed(false);
  };
  return (
    <>
      <header class="top">
        <a class="brand" href="/notebooks" onClick={(e) => (e.preventDefault(), go(null))}>
          kchat 감사 노트북
        </a>
        <span class="spacer" />
        <a href="/">채팅</a>
        <a href="/audit">감사 화면</a>
        <a href="/docs">API 문서</a>
        <button type="button" onClick={() => setTheme(NEXT_THEME[theme])} title="화면 테마 바꾸기" style="font-size:.8rem">
          테마: {THEME_LABEL[theme]}
        </button>
        {authed && (
          <button onClick={logout} style="font-size:.8rem">
            로그아웃
          </button>
        )}
      </header>
      {authed === null ? null : !authed ? (
        <Login onDone={() => setAuthed(true)} error={authErr} />
      ) : where.name ? (
        <NotebookView name={where.name} runId={where.runId} back={() => go(null)} />
      ) : (
        <NotebookList open={(n) => go(n)} />
      )}
    </>
  );
}
