// Text helpers for matching titles and names: one normal form ("key") that
// ignores spacing, punctuation, case and the ways people write sequels, so
// 서울의봄 / 서울의 봄, 범죄 도시 4 / 범죄도시 4편 and "Top Gun Maverick" /
// "Top Gun: Maverick" meet on the same key.
import { cleanText } from '../../core/text.ts';
import { isHangul } from '../../core/korean/hangul.ts';
import type { Lang } from './types.ts';

const ROMAN: Record<string, string> = { ii: '2', iii: '3', iv: '4' };

/** The matching key of a title or name: lowercase letters and digits only. */
export function titleKey(s: string): string {
  return cleanText(s, 500)
    .toLowerCase()
    .replace(/\b(ii|iii|iv)\b/g, (m) => ROMAN[m])
    .replace(/(\d+)\s*(?:편|탄|부)(?![\p{L}])/gu, '$1')
    .replace(/\bpart\s*(\d+)/g, '$1')
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/** The part of a title before its subtitle (한산: 용의 출현 → 한산, 신과함께-죄와 벌 → 신과함께), or null. */
export function mainTitle(title: string): string | null {
  const m = /^(.+?)\s*(?:[:,]|\s-\s|-(?=\S)|\s–\s)/u.exec(title);
  if (!m) return null;
  const head = m[1].trim();
  return head.length >= 2 && head !== title ? head : null;
}

/** Hangul anywhere in the question → answer in Korean. */
export function detectLang(text: string): Lang {
  for (const ch of text) if (isHangul(ch)) return 'ko';
  return 'en';
}

/** Whitespace tokens with surrounding punctuation removed (내부의 ':' '-' '.' are kept for titles). */
export function tokenize(text: string): string[] {
  return cleanText(text, 1000)
    .split(/\s+/u)
    .map((t) => t.replace(/^[\s"'“”‘’「」『』<>《》〈〉()[\]{}`~!?,.…]+|[\s"'“”‘’「」『』<>《》〈〉()[\]{}`~!?,.…]+$/gu, ''))
    .filter(Boolean);
}
