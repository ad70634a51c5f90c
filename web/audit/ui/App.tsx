// The /audit page: sign-in, the top bar (views, links to chat, notebooks and
// the API docs, light/dark), and the view the URL names. Navigation is
// client-side (pushState), so every view is a deep link.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { applyTheme, loadTheme, NEXT_THEME, THEME_LABEL, type ThemeChoice } from '../../chat/theme.ts';
import { api, ApiError, TOKEN_KEY, type Me } from '../api.ts';
import { parseRoute, routeUrl, type Route } from '../route.ts';
import { AuditLogView } from './AuditLogView.tsx';
import { ConversationView } from './ConversationView.tsx';
import { Login } from './Login.tsx';
import { SearchView } from './SearchView.tsx';
import { TopicsView } from './TopicsView.tsx';

export type Navigate = (r: Route, opts?: { replace?: boolean }) => void;

/** An in-page link: a real href (open in a new tab works), client-side navigation on a plain click. */
export function Link({ to, navigate, children, class: cls, current }: { to: Route; navigate: Navigate; children: ComponentChildren; class?: string; current?: boolean }) {
  return (
    <a
      href={routeUrl(to)}
      class={cls}
      aria-current={current ? 'page' : undefined}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

function refusal(err: unknown): string {
  if (err instanceof ApiError && err.status === 403) return '이 토큰에는 감사자(auditor) 또는 관리자 권한이 없습니다. 감사자 토큰으로 로그인해 주세요.';
  if (err instanceof ApiError && err.status === 401) return '토큰이 올바르지 않습니다.';
  return `로그인을 확인하지 못했습니다: ${(err as Error).message}`;
}

export function App() {
  const [me, setMe] = useState<Me['user'] | null | undefined>(undefined);
  const [authErr, setAuthErr] = useState('');
  const [route, setRoute] = useState<Route>(() => parseRoute(location));
  const [theme, setTheme] = useState<ThemeChoice>(loadTheme);

  useEffect(() => applyTheme(theme), [theme]);
  useEffect(() => {
    const onPop = () => setRoute(parseRoute(location));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const signIn = async (): Promise<string | null> => {
    try {
      const r = await api<Me>('/api/audit/me');
      setMe(r.user);
      setAuthErr('');
      return null;
    } catch (err) {
      setMe(null);
      return refusal(err);
    }
  };
  useEffect(() => {
    if (!localStorage.getItem(TOKEN_KEY)) setMe(null);
    else void signIn().then((e) => setAuthErr(e ?? ''));
  }, []);

  const navigate: Navigate = (r, opts) => {
    const url = routeUrl(r);
    if (url !== location.pathname + location.search) {
      if (opts?.replace) history.replaceState(null, '', url);
      else history.pushState(null, '', url);
    }
    setRoute(r);
    if (!opts?.replace) scrollTo(0, 0);
  };
  const logout = () => {
    localStorage.removeItem(TOKEN_KEY);
    setMe(null);
  };

  const tab = (to: Route, label: string) => (
    <Link to={to} navigate={navigate} class="tab" current={route.view === to.view}>
      {label}
    </Link>
  );
  return (
    <div class="audit-app" data-view={route.view}>
      <header class="top">
        <a class="brand" href="/audit">
          kchat 감사
        </a>
        {me && (
          <nav class="tabs" aria-label="감사 화면">
            {tab({ view: 'search', q: '' }, '검색')}
            {tab({ view: 'topics', from: '', to: '', channel: '' }, '주제 통계')}
            {me.role === 'admin' && tab({ view: 'log', actor: '', action: '', from: '', to: '' }, '감사 기록')}
          </nav>
        )}
        <span class="spacer" />
        <nav class="links" aria-label="다른 화면">
          <a href="/">채팅</a>
          <a href="/notebooks">노트북</a>
          <a href="/docs">API 문서</a>
        </nav>
        <button type="button" class="ghost" onClick={() => setTheme(NEXT_THEME[theme])} title="화면 테마 바꾸기">
          테마: {THEME_LABEL[theme]}
        </button>
        {me && (
          <span class="me">
            <span class="who" data-role={me.role}>
              {me.nick} · {me.role === 'admin' ? '관리자' : '감사자'}
            </span>
            <button type="button" class="ghost" onClick={logout}>
              로그아웃
            </button>
          </span>
        )}
      </header>
      <main id="main">
        {me === undefined ? (
          <p class="note">로그인 확인 중…</p>
        ) : me === null ? (
          <Login
            error={authErr}
            submit={async (token) => {
              localStorage.setItem(TOKEN_KEY, token);
              const err = await signIn();
              if (err) localStorage.removeItem(TOKEN_KEY);
              return err;
            }}
          />
        ) : route.view === 'message' ? (
          <ConversationView key={route.id} id={route.id} navigate={navigate} />
        ) : route.view === 'topics' ? (
          <TopicsView route={route} navigate={navigate} />
        ) : route.view === 'log' ? (
          me.role === 'admin' ? <AuditLogView route={route} navigate={navigate} /> : <p class="error">감사 기록은 관리자만 볼 수 있습니다.</p>
        ) : (
          <SearchView q={route.q} navigate={navigate} />
        )}
      </main>
    </div>
  );
}
