// Small typo tolerance for command words: Hangul is compared by jamo, so
// "일쩡" is one edit from "일정" (ㅉ/ㅈ), and Latin by letters.
const CHO = 'ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ';
const JUNG = 'ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ';
const JONG = ['', ...'ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ'];

export function jamo(s: string): string {
  let out = '';
  for (const ch of s.normalize('NFC')) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xac00 && c <= 0xd7a3) {
      const i = c - 0xac00;
      out += CHO[Math.floor(i / 588)] + JUNG[Math.floor((i % 588) / 28)] + JONG[i % 28];
    } else out += ch.toLowerCase();
  }
  return out;
}

export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length];
}

/** Is `typed` a small typo of `word`? Only for words long enough that a typo is not a different word. */
export function nearMiss(typed: string, word: string): boolean {
  if (typed === word) return false;
  const hangul = /[\uac00-\ud7a3]/.test(word);
  if (hangul ? [...word].length < 2 : word.length < 4) return false;
  const d = editDistance(jamo(typed), jamo(word));
  return d >= 1 && d <= (hangul ? 1 : word.length >= 7 ? 2 : 1);
}
