// Sign-in with an auditor or admin token (from `kchat users add NAME --role auditor`).
import { useState } from 'preact/hooks';
import { api, TOKEN_KEY, type ApiError } from '../api.ts';

export function Login({ onDone, error }: { onDone: () => void; error?: string }) {
  const [token, setToken] = useState('');
  const [err, setErr] = useState(error ?? '');
  const submit = async (e: Event) => {
    e.preventDefault();
    localStorage.setItem(TOKEN_KEY, token.trim());
    try {
      await api('/api/notebooks');
      onDone();
    } catch (ex) {
      const status = (ex as ApiError).status;
      setErr(status === 403 ? '감사자(auditor) 또는 관리자 토큰이 필요합니다.' : status === 401 ? '토큰이 올바르지 않습니다.' : (ex as Error).message);
    }
  };
  return (
    <form class="login" onSubmit={submit}>
      <h2>감사 노트북 로그인</h2>
      <p class="note">
        <code>kchat users add 이름 --role auditor</code>로 받은 토큰을 붙여 넣으세요. 이 브라우저에만 저장됩니다.
      </p>
      <input type="password" name="token" placeholder="감사자 토큰" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} autoFocus />
      <button class="primary" type="submit">
        로그인
      </button>
      {err && <p class="error">{err}</p>}
    </form>
  );
}
