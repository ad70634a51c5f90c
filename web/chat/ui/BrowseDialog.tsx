// "채널 둘러보기": the directory (GET /api/channels) — public channels and the
// private ones you belong to, with members and last activity; one click joins.
import { useEffect, useState } from 'preact/hooks';
import { directory, type DirectoryChannel } from '../api.ts';
import { formatFull } from '../format.ts';
import type { ChatStore } from '../store.ts';
import { Icon, Modal } from './common.tsx';

export function BrowseDialog({ store, open, onClose, onOpen }: { store: ChatStore; open: boolean; onClose: () => void; onOpen: (name: string) => void }) {
  const [list, setList] = useState<DirectoryChannel[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    if (!open || !store.token) return;
    setList(null);
    setError('');
    void directory(store.token).then((r) => (r.ok ? setList(r.value.filter((c) => !c.dm)) : setError(r.error)));
  }, [open]);
  return (
    <Modal open={open} title="채널 둘러보기" onClose={onClose} id="browse-dialog">
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      {!list && !error && <p class="field-help">불러오는 중…</p>}
      {list && list.length === 0 && <p class="field-help">아직 채널이 없습니다. 채널 추가로 만들어 보세요.</p>}
      {list && list.length > 0 && (
        <ul class="directory">
          {list.map((c) => {
            const joined = c.joined || store.channels.has(c.name);
            return (
              <li key={c.name} data-channel={c.name}>
                <Icon name={c.private ? 'lock' : 'hash'} size={16} />
                <span class="directory-name">{c.name}</span>
                <span class="directory-meta">
                  멤버 {c.members}명{c.last_ts ? ` · 마지막 활동 ${formatFull(c.last_ts)}` : ''}
                </span>
                {joined ? (
                  <button type="button" class="btn" onClick={() => onOpen(c.name)}>
                    열기
                  </button>
                ) : (
                  <button type="button" class="btn primary" aria-label={`#${c.name} 참여하기`} onClick={() => (store.join(c.name), onOpen(c.name))}>
                    참여
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </Modal>
  );
}
