// The one Markdown renderer for notebook prose, used by the HTML export
// (render.ts) and the /notebooks page alike. Browser-safe (marked only).
// Sanitising is done by the renderer itself, token by token: raw HTML is shown
// as text, links keep only safe schemes (http, https, mailto, or a relative
// link) and anything else (javascript:, data:, vbscript:…) becomes plain text;
// images are shown as links, so an export never loads anything from outside.
import { Marked, type Tokens } from 'marked';

export const SAFE_SCHEMES = ['http:', 'https:', 'mailto:'] as const;

export function escapeHtml(s: unknown): string {
  return String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * `href` when a browser would open it with a safe scheme (or as a relative
 * link), else null. Browsers ignore control characters and spaces inside a
 * scheme (`java\tscript:`), and an entity could spell the colon: both are
 * taken into account by deciding on the href without them, and by refusing
 * `&` before the first `/`, `?` or `#`.
 */
export function safeHref(href: string): string | null {
  // eslint-disable-next-line no-control-regex -- what browsers strip from a URL's scheme is the point
  const bare = href.replace(/[\u0000-\u0020\u007F-\u009F]/g, '');
  const lower = bare.toLowerCase();
  if (SAFE_SCHEMES.some((s) => lower.startsWith(s))) return href.trim();
  const head = bare.split(/[/?#]/, 1)[0];
  if (!head.includes(':') && !head.includes('&') && !head.includes('\\')) return href.trim();
  return null;
}

const markdown = new Marked({
  gfm: true,
  renderer: {
    html: (token: Tokens.HTML | Tokens.Tag) => escapeHtml(token.text),
    link(token: Tokens.Link) {
      const text = this.parser.parseInline(token.tokens);
      const href = safeHref(token.href);
      if (href === null) return `<span class="unsafe-link" title="허용되지 않는 링크 형식이라 링크로 만들지 않았습니다">${text}</span>`;
      const title = token.title ? ` title="${escapeHtml(token.title)}"` : '';
      return `<a href="${escapeHtml(href)}"${title} rel="noopener noreferrer nofollow">${text}</a>`;
    },
    image(token: Tokens.Image) {
      const href = safeHref(token.href);
      const label = escapeHtml(token.text || token.href);
      return href === null ? `<span class="unsafe-link">${label}</span>` : `<a href="${escapeHtml(href)}" rel="noopener noreferrer nofollow">🖼 ${label}</a>`;
    },
  },
});

/** Notebook prose (Markdown) → HTML that is safe to insert into a page or an export. */
export function renderMarkdown(source: string): string {
  return markdown.parse(source, { async: false }) as string;
}
