// The list of notebooks, and "new notebook".
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';

export function NotebookList({ open }: { open: (name: string) => void }) {
  const [items, setItems] = useState<{ name: string; title: string; schedule?: string; channel?: string; error?: string }[] | null>(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    api<{ notebooks: typeof items }>('/api/notebooks').then((r) => setItems(r.notebooks), (e: Error) => setErr(e.message));
  }, []);
  const create = async () => {
    const name = prompt('새 노트북 이름 (영문·한글·숫자·_·-)');
    if (!name) return;
    try {
      await api('/api/notebooks', { method: 'POST', body: JSON.stringify({ name, title: name }) });
      open(name);
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  return (
    <main>
      <div class="toolbar">
        <h2 style="margin:0">노트북</h2>
        <span class="spacer" />
        <button class="primary" onClick={create}>
          + 새 노트북
        </button>
      </div>
      {err && <p class="error">{err}</p>}
      {!items && !err && <p class="note">불러오는 중…</p>}
      <ul class="list">
        {items?.map((n) => (
          <li key={n.name}>
            <a
              href={`/notebooks/${encodeURIComponent(n.name)}`}
              onClick={(e) => {
                e.preventDefault();
                open(n.name);
              }}
            >
              {n.title}
            </a>
            <span class="note">{n.name}.md</span>
            {n.schedule && <span class="note">⏰ {n.schedule} → #{n.channel ?? 'audit'}</span>}
            {n.error && <span class="error">{n.error}</span>}
          </li>
        ))}
      </ul>
    </main>
  );
}
