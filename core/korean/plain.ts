// "Plain" text: printable ASCII, tab, newline and precomposed Hangul
// syllables (가–힣) — nearly every chat message. Such text has no control
// characters, no surrogates, no combining marks and no compatibility
// characters, so NFC and NFKC both leave it as it is and every character is
// one UTF-16 unit. The envelope cleaner (core/envelope.ts), ingest's search
// text and the search index's folding skip their Unicode work for it; this is
// the one place that decides what "plain" is. Browser-safe.

/**
 * Is this UTF-16 code unit plain? Hangul compatibility jamo (ㅋ, ㅠ, U+3131–U+318E)
 * count only with `jamo`: NFC keeps them, but NFKC maps them to conjoining jamo.
 */
export function isPlainUnit(c: number, jamo = false): boolean {
  return c >= 0x20 ? c < 0x7f || (c >= 0xac00 && c <= 0xd7a3) || (jamo && c >= 0x3131 && c <= 0x318e) : c === 0x0a || c === 0x09;
}

/** Is every unit of `s` plain (see isPlainUnit)? */
export function isPlainText(s: string, jamo = false): boolean {
  for (let i = 0; i < s.length; i++) if (!isPlainUnit(s.charCodeAt(i), jamo)) return false;
  return true;
}
