// First screen: a nickname and its password. The first login of a nickname
// claims it with the password typed; later logins need that password. The
// nickname is remembered for the next visit, the password never.
import { useState } from 'preact/hooks';
import type { ChatStore } from '../store.ts';
import { TextField } from './form.tsx';

export function Login({ store }: { store: ChatStore }) {
  const [nick, setNick] = useState(store.rememberedNick);
  const [password, setPassword] = useState('');
  const [nickError, setNickError] = useState('');
  const [passwordError, setPasswordError] = useState('');
  const serverError = store.loginError;
  return (
    <main class="login">
      <form
        class="login-card"
        aria-labelledby="login-title"
        onSubmit={(e) => {
          e.preventDefault();
          const n = nick.trim();
          if (!n) return setNickError('닉네임을 입력해 주세요.');
          if (!password) return setPasswordError('비밀번호를 입력해 주세요.');
          setNickError('');
          setPasswordError('');
          void store.login(n, password);
        }}
      >
        <div class="login-logo" aria-hidden="true">
          k
        </div>
        <h1 id="login-title">kchat</h1>
        <p class="login-sub">Kafka 위에서 돌아가는 우리 팀 채팅</p>
        <TextField
          id="login-nick"
          name="nick"
          label="닉네임"
          value={nick}
          onValue={(v) => (setNick(v), setNickError(''))}
          help="팀원들에게 보일 이름입니다."
          error={nickError || serverError}
          placeholder="예: 민수"
          autocomplete="username"
          maxLength={32}
          autoFocus={!nick}
        />
        <TextField
          id="login-password"
          name="password"
          type="password"
          label="비밀번호"
          value={password}
          onValue={(v) => (setPassword(v), setPasswordError(''))}
          help="처음 쓰는 닉네임이면 이 비밀번호로 만들어집니다 (6자 이상)."
          error={passwordError}
          autocomplete="current-password"
          maxLength={256}
          autoFocus={Boolean(nick)}
        />
        <button type="submit" class="btn primary block" disabled={store.loggingIn}>
          {store.loggingIn ? '들어가는 중…' : '입장하기'}
        </button>
      </form>
    </main>
  );
}
