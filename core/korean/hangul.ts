// Hangul syllables ↔ jamo. Modern syllables (U+AC00–U+D7A3) are computed
// from three indexes: syllable = 0xAC00 + (initial·21 + medial)·28 + final.
// Jamo are returned as compatibility jamo (ㄱ, ㅏ, ㄳ…) because that is what
// people type and what reads well in logs; compound finals (ㄳ, ㄺ…) and
// compound medials (ㅘ, ㅢ…) can be split further so "닭" and "닥" differ by
// one keystroke, not by a whole letter.

const BASE = 0xac00;
const LAST = 0xd7a3;

/** 19 initial consonants (choseong) as compatibility jamo. */
export const CHOSEONG = ['ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ'] as const;
/** 21 medial vowels (jungseong). */
export const JUNGSEONG = ['ㅏ', 'ㅐ', 'ㅑ', 'ㅒ', 'ㅓ', 'ㅔ', 'ㅕ', 'ㅖ', 'ㅗ', 'ㅘ', 'ㅙ', 'ㅚ', 'ㅛ', 'ㅜ', 'ㅝ', 'ㅞ', 'ㅟ', 'ㅠ', 'ㅡ', 'ㅢ', 'ㅣ'] as const;
/** 28 finals (jongseong); index 0 = no final consonant. */
export const JONGSEONG = ['', 'ㄱ', 'ㄲ', 'ㄳ', 'ㄴ', 'ㄵ', 'ㄶ', 'ㄷ', 'ㄹ', 'ㄺ', 'ㄻ', 'ㄼ', 'ㄽ', 'ㄾ', 'ㄿ', 'ㅀ', 'ㅁ', 'ㅂ', 'ㅄ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ'] as const;

/** Compound jamo and the simple jamo they are typed as (two-key sequences on a 2-beolsik keyboard). */
const COMPOUND: Record<string, string> = {
  ㄳ: 'ㄱㅅ', ㄵ: 'ㄴㅈ', ㄶ: 'ㄴㅎ', ㄺ: 'ㄹㄱ', ㄻ: 'ㄹㅁ', ㄼ: 'ㄹㅂ', ㄽ: 'ㄹㅅ', ㄾ: 'ㄹㅌ', ㄿ: 'ㄹㅍ', ㅀ: 'ㄹㅎ', ㅄ: 'ㅂㅅ',
  ㅘ: 'ㅗㅏ', ㅙ: 'ㅗㅐ', ㅚ: 'ㅗㅣ', ㅝ: 'ㅜㅓ', ㅞ: 'ㅜㅔ', ㅟ: 'ㅜㅣ', ㅢ: 'ㅡㅣ',
};

export interface Syllable {
  initial: string;
  medial: string;
  /** '' when the syllable has no final consonant */
  final: string;
}

/** Is this code point a precomposed modern Hangul syllable (가–힣)? */
export function isSyllable(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  return c >= BASE && c <= LAST;
}

/** Is this a Hangul letter of any kind (syllable, conjoining or compatibility jamo)? */
export function isHangul(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  return (c >= BASE && c <= LAST) || (c >= 0x1100 && c <= 0x11ff) || (c >= 0x3130 && c <= 0x318f) || (c >= 0xa960 && c <= 0xa97f) || (c >= 0xd7b0 && c <= 0xd7ff);
}

/** Split one syllable into initial/medial/final; null for anything that is not a modern syllable. */
export function splitSyllable(ch: string): Syllable | null {
  const c = (ch.codePointAt(0) ?? 0) - BASE;
  if (c < 0 || c > LAST - BASE) return null;
  return { initial: CHOSEONG[Math.floor(c / 588)], medial: JUNGSEONG[Math.floor((c % 588) / 28)], final: JONGSEONG[c % 28] };
}

/** Build a syllable from jamo (compatibility letters); null when they do not form one. */
export function joinSyllable(initial: string, medial: string, final = ''): string | null {
  const i = (CHOSEONG as readonly string[]).indexOf(initial);
  const m = (JUNGSEONG as readonly string[]).indexOf(medial);
  const f = (JONGSEONG as readonly string[]).indexOf(final);
  if (i < 0 || m < 0 || f < 0) return null;
  return String.fromCodePoint(BASE + (i * 21 + m) * 28 + f);
}

/** The final consonant of a syllable ('' for none), or null when `ch` is not a syllable. */
export function finalOf(ch: string): string | null {
  return splitSyllable(ch)?.final ?? null;
}

/** Does the syllable end in a consonant (받침)? false for non-syllables. */
export function hasFinal(ch: string): boolean {
  return !!splitSyllable(ch)?.final;
}

/**
 * Text → jamo sequence. Syllables become 2–3 compatibility jamo; with
 * `splitCompounds` compound finals/vowels become their two keystrokes
 * (닭 → ㄷㅏㄹㄱ). Other characters are kept as they are. Input is NFC'd
 * first so NFD-typed Hangul decomposes the same way.
 */
export function toJamo(text: string, splitCompounds = false): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const s = splitSyllable(ch);
    if (!s) {
      out += splitCompounds && COMPOUND[ch] ? COMPOUND[ch] : ch;
      continue;
    }
    for (const j of [s.initial, s.medial, s.final]) if (j) out += splitCompounds && COMPOUND[j] ? COMPOUND[j] : j;
  }
  return out;
}

/** Initial consonants of each syllable, the 초성 search people type (파묘 → ㅍㅁ); other characters kept. */
export function choseong(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) out += splitSyllable(ch)?.initial ?? ch;
  return out;
}

/** Is the query only compatibility consonants (an 초성 query such as "ㅍㅁ")? */
export function isChoseongQuery(q: string): boolean {
  return q.length > 0 && /^[ㄱ-ㅎ]+$/.test(q);
}

/**
 * Levenshtein distance between two sequences (jamo, letters). With `max` it
 * gives up early and returns max + 1 once the distance must exceed `max`
 * (the movie catalog compares a query with thousands of titles).
 */
export function editDistance(a: readonly string[], b: readonly string[], max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (cur[j] < rowMin) rowMin = cur[j];
    }
    if (rowMin > max) return max + 1;
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/**
 * Edit distance over jamo keystrokes (compounds split), so a typo inside
 * one syllable (감독 vs 감돆) costs 1, not a whole syllable. Latin letters
 * are compared case-insensitively as single units.
 */
export function jamoDistance(a: string, b: string): number {
  return editDistance([...toJamo(a.toLowerCase(), true)], [...toJamo(b.toLowerCase(), true)]);
}

/** 1 for identical, 0 for nothing in common: 1 − jamoDistance / longer jamo length. */
export function jamoSimilarity(a: string, b: string): number {
  const la = [...toJamo(a.toLowerCase(), true)].length;
  const lb = [...toJamo(b.toLowerCase(), true)].length;
  const longest = Math.max(la, lb);
  if (longest === 0) return 1;
  return 1 - jamoDistance(a, b) / longest;
}
