// Re-render a component whenever the chat store changes.
import { useEffect, useState } from 'preact/hooks';
import type { ChatStore } from '../store.ts';

export function useStore(store: ChatStore): number {
  const [, setV] = useState(0);
  useEffect(() => store.subscribe(() => setV(store.version)), [store]);
  return store.version;
}
