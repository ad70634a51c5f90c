// Sign-in with an auditor or admin token (`kchat users add NAME --role auditor`); a member's token is refused in Korean.
import { useState } from 'preact/hooks';

export function Login({ submit, error }: { submit: (token: string) => Promise<string | null>; error?: string }) {
  const [token, setToken] = useState('');
  const [err, setErr] = useState(error ?? '');
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="card login"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!token.trim()) return setErr('토큰을 붙여 넣어 주세요.');
        setBusy(true);
        setErr((await submit(token.trim())) ?? '');
        setBusy(false);
      }}
    >
      <h1>감사 화면 로그인</h1>
      <p class="note">
        감사자 또는 관리자 토큰으로 로그인합니다. 토큰은 <code>kchat users add 이름 --role auditor</code>로 만들며, 이 브라우저에만 저장됩니다.
      </p>
      <label for="audit-token">토큰</label>
      <input id="audit-token" name="token" type="password" autoComplete="off" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} autoFocus />
      <button class="primary" type="submit" disabled={busy}>
        로그인
      </button>
      {err && (
        <p class="error" role="alert">
          {err}
        </p>
      )}
    </form>
  );
}
