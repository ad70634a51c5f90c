// Small typo tolerance for command words: Hangul is compared by jamo, so
// "일쩡" is one edit from "일정" (ㅉ/ㅈ), and Latin by letters
// (core/korean/hangul.ts jamoDistance, the one edit distance).
import { isSyllable, jamoDistance } from '../../core/korean/hangul.ts';

/** Is `typed` a small typo of `word`? Only for words long enough that a typo is not a different word. */
export function nearMiss(typed: string, word: string): boolean {
  if (typed === word) return false;
  const hangul = [...word].some(isSyllable);
  if (hangul ? [...word].length < 2 : word.length < 4) return false;
  const d = jamoDistance(typed, word);
  return d >= 1 && d <= (hangul ? 1 : word.length >= 7 ? 2 : 1);
}
