// How the connection is doing: the dot in the header and sidebar, and the
// banner (with the reconnect countdown and queued sends) while offline.
import { useEffect, useState } from 'preact/hooks';
import type { ChatStore } from '../store.ts';
import { Icon } from './common.tsx';

export const CONN_LABEL = { connected: '연결됨', connecting: '연결 중…', disconnected: '연결 끊김' } as const;

export function ConnStatus({ store }: { store: ChatStore }) {
  return (
    <span class={`conn conn-${store.conn}`} role="status" data-conn-state={store.conn} title={`서버 연결: ${CONN_LABEL[store.conn]}`}>
      <span class="conn-dot" aria-hidden="true" />
      <span class="conn-label">{CONN_LABEL[store.conn]}</span>
    </span>
  );
}

function Countdown({ at }: { at: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [at]);
  const s = Math.max(0, Math.ceil((at - now) / 1000));
  return <>{s > 0 ? `${s}초 후 다시 연결합니다` : '다시 연결하는 중…'}</>;
}

export function OfflineBanner({ store }: { store: ChatStore }) {
  if (store.conn === 'connected' || (!store.everConnected && store.conn === 'connecting')) return null;
  const queued = store.pending.filter((p) => p.delivery === 'queued').length;
  return (
    <div class={`banner banner-${store.conn}`} role="status">
      <Icon name={store.conn === 'connecting' ? 'retry' : 'alert'} size={16} />
      <span>
        {store.conn === 'connecting' ? '서버에 다시 연결하는 중…' : '서버와 연결이 끊겼습니다.'}{' '}
        {store.conn === 'disconnected' && store.retryAt && <Countdown at={store.retryAt} />}
        {queued > 0 && ` · 보낼 메시지 ${queued}개 대기 중`}
      </span>
      {store.conn === 'disconnected' && (
        <button type="button" class="link-btn" onClick={() => store.retryConnection()}>
          지금 다시 연결
        </button>
      )}
    </div>
  );
}
