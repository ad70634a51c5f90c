// What the chat remembers in localStorage between visits: the session
// (token, user), the last nickname, the channels and the active one.
export const KEY = {
  token: 'kchat.token',
  user: 'kchat.user',
  nick: 'kchat.nick',
  channels: 'kchat.channels',
  active: 'kchat.active',
} as const;

export function load<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

export function save(key: string, value: unknown): void {
  try {
    if (value === null || value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    /* private mode: the session still works, it just is not remembered */
  }
}
