// How search compares text: NFKC (so full-width, compatibility and NFD forms
// meet their plain NFC spelling), lower case, and whitespace removed (so
// spacing variants — 파묘 감독 / 파묘감독 — still match). The query needles
// and the highlights go through fold() here; the search service folds the
// indexed text by the same rules (search/src/…/Fold.java; test/search-service
// checks that both sides agree). foldInto() serves the benchmark's baseline
// index (bench/search/memory-index.ts).
import { isPlainUnit } from '../../core/korean/plain.ts';

const WS = /\s+/gu;
const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });

/** The folded form of a text or query word. */
export function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(WS, '');
}

/** A folded text plus, for each folded code unit, the [start, end) code units of `text` it came from. */
export function foldWithMap(text: string): { folded: string; start: Int32Array; end: Int32Array } {
  const units: string[] = [];
  const start: number[] = [];
  const end: number[] = [];
  // Fold per grapheme so every output unit knows its source; a grapheme keeps
  // NFD Hangul (conjoining jamo) together, so it composes like the whole text does.
  for (const { segment: ch, index: at } of graphemes.segment(text)) {
    if (/\s/u.test(ch)) continue;
    const f = ch.normalize('NFKC').toLowerCase();
    for (let k = 0; k < f.length; k++) {
      units.push(f[k]);
      start.push(at);
      end.push(at + ch.length);
    }
  }
  return { folded: units.join(''), start: Int32Array.from(start), end: Int32Array.from(end) };
}

/** Code-unit ranges of `text` where any needle (already folded) occurs, merged and sorted. */
export function highlightRanges(text: string, needles: readonly string[]): [number, number][] {
  const useful = needles.filter((n) => n.length > 0);
  if (useful.length === 0) return [];
  const { folded, start, end } = foldWithMap(text);
  const ranges: [number, number][] = [];
  for (const n of useful) {
    let at = folded.indexOf(n);
    while (at >= 0) {
      ranges.push([start[at], end[at + n.length - 1]]);
      at = folded.indexOf(n, at + n.length);
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/**
 * Append fold(text) as UTF-16 code units to `out` at `at`, returning the new
 * end; `out` must have room for at least text.length units (the caller checks
 * `foldedLength` first). Plain texts (core/korean/plain.ts: ASCII and
 * precomposed Hangul — nearly all chat) are folded in place without
 * allocating (NFKC leaves them unchanged; lower-casing touches only A–Z; their
 * only whitespace is space, \t and \n); anything else returns -1 and goes
 * through fold().
 */
export function foldInto(text: string, out: Uint16Array, at: number): number {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (!isPlainUnit(c)) return -1;
    if (c === 32 || c === 9 || c === 10) continue;
    out[at++] = c >= 65 && c <= 90 ? c + 32 : c;
  }
  return at;
}
