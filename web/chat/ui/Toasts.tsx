// Toasts: errors (in Korean, the server's words underneath) and notices, newest last.
import type { ChatStore } from '../store.ts';
import { Icon } from './common.tsx';

export function Toasts({ store }: { store: ChatStore }) {
  return (
    <div class="toasts" aria-live="polite" aria-relevant="additions">
      {store.toasts.items.map((t) => (
        <div key={t.id} class={`toast toast-${t.tone}`} role={t.tone === 'error' ? 'alert' : 'status'}>
          <Icon name={t.tone === 'error' ? 'alert' : 'info'} size={16} />
          <div class="toast-text">
            <strong>{t.text}</strong>
            {t.detail && <span class="toast-detail">{t.detail}</span>}
          </div>
          <button type="button" class="icon-btn" aria-label="알림 닫기" onClick={() => store.toasts.dismiss(t.id)}>
            <Icon name="close" size={14} />
          </button>
        </div>
      ))}
    </div>
  );
}
