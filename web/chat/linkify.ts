// Split chat text into plain runs and links. Only http(s) URLs become links;
// everything else stays text (rendered as text nodes, never as HTML).

export type Segment = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/giu;
// Closing punctuation that usually ends a sentence rather than the URL.
const TRAILING = /[.,;:!?…。、)\]}>'"’”」』]+$/u;

export function safeHref(raw: string): string | null {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

export function linkify(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    let url = m[0];
    const start = m.index ?? 0;
    // Keep a closing paren that has an opening one inside the URL (wiki links).
    const trail = TRAILING.exec(url);
    if (trail) {
      let cut = trail[0];
      if (cut.startsWith(')') && url.includes('(')) cut = cut.slice(1);
      url = url.slice(0, url.length - cut.length);
    }
    const href = safeHref(url);
    if (!href || url.length <= 'https://'.length) continue;
    if (start > last) out.push({ kind: 'text', text: text.slice(last, start) });
    out.push({ kind: 'link', text: url, href });
    last = start + url.length;
  }
  if (last < text.length) out.push({ kind: 'text', text: text.slice(last) });
  return out;
}
