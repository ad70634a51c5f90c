// First screen: pick a nickname. It is remembered for the next visit.
import { useState } from 'preact/hooks';
import type { ChatStore } from '../store.ts';
import { TextField } from './form.tsx';

export function Login({ store }: { store: ChatStore }) {
  const [nick, setNick] = useState(store.rememberedNick);
  const [error, setError] = useState('');
  const shown = error || store.loginError;
  return (
    <main class="login">
      <form
        class="login-card"
        aria-labelledby="login-title"
        onSubmit={(e) => {
          e.preventDefault();
          const n = nick.trim();
          if (!n) {
            setError('닉네임을 입력해 주세요.');
            return;
          }
          setError('');
          void store.login(n);
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
          onValue={(v) => (setNick(v), setError(''))}
          help="팀원들에게 보일 이름입니다. 나중에 언제든 바꿀 수 있습니다."
          error={shown}
          placeholder="예: 민수"
          autocomplete="nickname"
          maxLength={32}
          autoFocus
        />
        <button type="submit" class="btn primary block" disabled={store.loggingIn}>
          {store.loggingIn ? '들어가는 중…' : '입장하기'}
        </button>
      </form>
    </main>
  );
}
