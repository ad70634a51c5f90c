// The HTML renderer for notebook prose, used by the HTML export (render.ts)
// and the /notebooks page alike. The dialect and the link rule are kchat's one
// Markdown module (core/markdown.ts); this file only turns tokens into HTML.
// Sanitising is done by the renderer itself, token by token: raw HTML is shown
// as text, links keep only safe schemes (http, https, mailto, or a relative
// link) and anything else (javascript:, data:, vbscript:…) becomes plain text;
// images are shown as links, so an export never loads anything from outside.
import { markdownParser, safeHref as safeLink, type Tokens } from '../../core/markdown.ts';

export function escapeHtml(s: unknown): string {
  return String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Notebook prose may link relatively (to another notebook, a file beside it). */
const safeHref = (href: string) => safeLink(href, { relative: true });

const markdown = markdownParser('notebook').use({
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
