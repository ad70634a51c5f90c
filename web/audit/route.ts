// The /audit page's views and their deep links (contract: /audit/search?q=…,
// /audit/topics?from=&to=&channel=, /audit/messages/{id}; plus /audit/log).
// Values from the URL are only ever used as text and API parameters.
export type Route =
  | { view: 'search'; q: string }
  | { view: 'message'; id: string }
  | { view: 'topics'; from: string; to: string; channel: string }
  | { view: 'log'; actor: string; action: string; from: string; to: string };

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function parseRoute(loc: { pathname: string; search: string }): Route {
  const parts = loc.pathname.split('/').filter(Boolean).slice(1); // after "audit"
  const qs = new URLSearchParams(loc.search);
  const get = (k: string) => qs.get(k) ?? '';
  if (parts[0] === 'messages' && parts[1]) return { view: 'message', id: safeDecode(parts[1]) };
  if (parts[0] === 'topics') return { view: 'topics', from: get('from'), to: get('to'), channel: get('channel') };
  if (parts[0] === 'log') return { view: 'log', actor: get('actor'), action: get('action'), from: get('from'), to: get('to') };
  return { view: 'search', q: get('q') };
}

function withQuery(path: string, params: Record<string, string>): string {
  const qs = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== ''));
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

export function routeUrl(r: Route): string {
  switch (r.view) {
    case 'search':
      return withQuery('/audit/search', { q: r.q });
    case 'message':
      return `/audit/messages/${encodeURIComponent(r.id)}`;
    case 'topics':
      return withQuery('/audit/topics', { from: r.from, to: r.to, channel: r.channel });
    case 'log':
      return withQuery('/audit/log', { actor: r.actor, action: r.action, from: r.from, to: r.to });
  }
}
