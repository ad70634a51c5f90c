// A chat message or bot answer as formatted text: kchat's Markdown tokens
// (core/markdown.ts) turned into Preact nodes. Text is only ever a text node
// (Preact escapes it) and raw HTML is shown as typed; links open only with
// http, https or mailto. The chat subset: bold, italic, strikethrough, inline
// and block code, lists, quotes, links; any other block shows its source.
import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import { CHAT_BLOCKS, chatTokens, safeHref, type Token, type Tokens } from '../../../core/markdown.ts';

function inline(tokens: Token[] | undefined): ComponentChildren {
  return (tokens ?? []).map((t, i) => <Inline key={i} t={t} />);
}

function Inline({ t }: { t: Token }): ComponentChildren {
  switch (t.type) {
    case 'strong':
      return <strong>{inline(t.tokens)}</strong>;
    case 'em':
      return <em>{inline(t.tokens)}</em>;
    case 'del':
      return <del>{inline(t.tokens)}</del>;
    case 'codespan':
      return <code>{t.text}</code>;
    case 'br':
      // a newline character, not <br>: the text keeps its newlines (white-space: pre-wrap), also when copied
      return '\n';
    case 'link':
    case 'image': {
      const href = safeHref((t as Tokens.Link).href);
      const label = t.type === 'image' ? t.text || t.href : inline(t.tokens);
      if (href === null) return <span class="unsafe-link" title="허용되지 않는 링크 형식이라 링크로 만들지 않았습니다">{t.type === 'image' ? label : t.raw}</span>;
      return (
        <a href={href} target="_blank" rel="noopener noreferrer">
          {label}
        </a>
      );
    }
    case 'text':
      return 'tokens' in t && t.tokens ? inline(t.tokens) : t.text;
    case 'escape':
      return t.text;
    default:
      // html and anything unknown: the characters as typed
      return t.raw;
  }
}

function Block({ t }: { t: Token }): ComponentChildren {
  if (!CHAT_BLOCKS.has(t.type)) return <p>{t.raw.replace(/\n+$/, '')}</p>;
  switch (t.type) {
    case 'paragraph':
      return <p>{inline(t.tokens)}</p>;
    case 'text':
      return <p>{'tokens' in t && t.tokens ? inline(t.tokens) : t.text}</p>;
    case 'code':
      // An indented block is not code in chat (pasted text is often indented): shown as typed.
      if ((t as Tokens.Code).codeBlockStyle === 'indented') return <p>{t.raw.replace(/\n+$/, '')}</p>;
      return (
        <pre>
          <code data-lang={t.lang || undefined}>{t.text}</code>
        </pre>
      );
    case 'blockquote':
      return <blockquote>{blocks(t.tokens)}</blockquote>;
    case 'list': {
      const list = t as Tokens.List;
      const items = list.items.map((item, i) => (
        <li key={i}>
          {item.task && <input type="checkbox" checked={item.checked} disabled aria-label={item.checked ? '완료' : '미완료'} />}
          {item.loose ? blocks(item.tokens) : item.tokens.map((c, j) => (c.type === 'text' ? <Inline key={j} t={c} /> : <Block key={j} t={c} />))}
        </li>
      ));
      return list.ordered ? <ol start={typeof list.start === 'number' && list.start !== 1 ? list.start : undefined}>{items}</ol> : <ul>{items}</ul>;
    }
    default:
      return null; // space between blocks
  }
}

function blocks(tokens: Token[] | undefined): ComponentChildren {
  return (tokens ?? []).map((t, i) => <Block key={i} t={t} />);
}

/** Formatted message text. */
export function Markdown({ text }: { text: string }) {
  const tokens = useMemo(() => chatTokens(text), [text]);
  return <div class="md">{blocks(tokens)}</div>;
}
