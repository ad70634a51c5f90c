// kchat's one Markdown dialect: GFM (marked) with CJK-friendly emphasis, and
// the one rule for which links may be followed. Browser-safe (marked only).
// Two renderers use it: notebook prose as HTML (audit/notebook/markdown.ts) and
// chat messages as Preact nodes (web/chat/ui/Markdown.tsx), both from the same
// tokens. The chat profile differs in two documented ways only: a newline is a
// line break (people type chat line by line), and only the chat subset is
// formatted (CHAT_BLOCKS; a heading or table shows as the text typed).
// Neither renderer ever passes raw HTML through: an `html` token is text.
import { Marked, type Token, type TokenizerExtension, type TokenizerThis, type Tokens } from 'marked';

export type { Token, Tokens };

export const SAFE_SCHEMES = ['http:', 'https:', 'mailto:'] as const;

/**
 * `href` when a browser would open it with a safe scheme (http, https, mailto;
 * with `relative`, also a link without a scheme), else null. Browsers ignore
 * control characters and spaces inside a scheme (`java\tscript:`), and an
 * entity could spell the colon: the decision is taken on the href without
 * them, and `&` before the first `/`, `?` or `#` is refused.
 */
export function safeHref(href: string, { relative = false }: { relative?: boolean } = {}): string | null {
  // eslint-disable-next-line no-control-regex -- what browsers strip from a URL's scheme is the point
  const bare = href.replace(/[\u0000-\u0020\u007F-\u009F]/g, '');
  const lower = bare.toLowerCase();
  if (SAFE_SCHEMES.some((s) => lower.startsWith(s))) return href.trim();
  if (!relative) return null;
  const head = bare.split(/[/?#]/, 1)[0];
  if (!head.includes(':') && !head.includes('&') && !head.includes('\\')) return href.trim();
  return null;
}

// ── CJK-friendly emphasis ────────────────────────────────────────────────
// CommonMark decides whether `**` opens or closes from the characters beside
// it. `**"인용"**은` fails there: the closing `**` follows punctuation and is
// followed by a letter (the particle), so it cannot close, and Korean writes
// particles right after the word. The amendment used by several CJK Markdown
// tools (markdown-cjk-friendly): a delimiter run next to punctuation still
// opens (closes) when the character on its other side is a CJK letter. This
// extension claims exactly those cases and leaves every other `*` to marked.
const CJK = /[\p{Script=Hangul}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303F\uFF00-\uFFEF]/u;
const PUNCT = /[\p{P}\p{S}]/u;
const SPACE = /\s/u;

function lastChar(tokens: Token[]): string {
  const raw = tokens.at(-1)?.raw ?? '';
  return [...raw].at(-1) ?? '';
}

/** Where a code span starting at `i` (a backtick run) ends, or -1 when it is not closed. */
function codeSpanEnd(src: string, i: number): number {
  const run = /^`+/.exec(src.slice(i))![0];
  const close = new RegExp(`(?<!\`)${run}(?!\`)`, 'g');
  close.lastIndex = i + run.length;
  const m = close.exec(src);
  return m ? m.index + run.length : -1;
}

const cjkEmphasis: TokenizerExtension = {
  name: 'cjkEmphasis',
  level: 'inline',
  start(src: string) {
    const i = src.indexOf('*');
    return i < 0 ? undefined : i;
  },
  tokenizer(this: TokenizerThis, src: string, tokens: Token[]) {
    const delim = /^\*{1,2}(?!\*)/.exec(src)?.[0];
    if (!delim) return undefined;
    const before = lastChar(tokens);
    const next = src[delim.length] ?? '';
    if (next === '' || SPACE.test(next)) return undefined;
    // Left-flanking by CommonMark, or only by the CJK amendment?
    const openStd = !PUNCT.test(next) || before === '' || SPACE.test(before) || PUNCT.test(before);
    const openCjk = !openStd && CJK.test(before);
    if (!openStd && !openCjk) return undefined;
    for (let i = delim.length + 1; i < src.length; i++) {
      if (src[i] === '`') {
        const end = codeSpanEnd(src, i);
        if (end > 0) i = end - 1;
        continue;
      }
      if (src[i] === '\\') {
        i++;
        continue;
      }
      if (!src.startsWith(delim, i) || src[i - 1] === '*' || src[i + delim.length] === '*') continue;
      const prev = src[i - 1];
      const after = src[i + delim.length] ?? '';
      if (SPACE.test(prev)) continue;
      const closeStd = !PUNCT.test(prev) || after === '' || SPACE.test(after) || PUNCT.test(after);
      const closeCjk = !closeStd && CJK.test(after);
      if (!closeStd && !closeCjk) continue;
      if (!openCjk && !closeCjk) return undefined; // plain CommonMark: marked's own rules decide
      const text = src.slice(delim.length, i);
      return { type: delim.length === 2 ? 'strong' : 'em', raw: src.slice(0, i + delim.length), text, tokens: this.lexer.inlineTokens(text) };
    }
    return undefined;
  },
};

export type MarkdownProfile = 'chat' | 'notebook';

/** A marked instance with kchat's dialect; the caller adds its renderer (notebooks) or walks the tokens (chat). */
export function markdownParser(profile: MarkdownProfile): Marked {
  return new Marked({ gfm: true, breaks: profile === 'chat', extensions: [cjkEmphasis] });
}

/** Block tokens the chat formats; any other block is shown as the text that was typed. */
export const CHAT_BLOCKS = new Set(['paragraph', 'text', 'code', 'blockquote', 'list', 'space']);

const chat = markdownParser('chat');

/** The tokens of a chat message or bot answer (render only CHAT_BLOCKS as formatting). */
export function chatTokens(text: string): Token[] {
  return chat.lexer(text);
}
