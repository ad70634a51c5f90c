// Korean-aware tokenizer for search and topic statistics.
//
// Text is NFKC-normalised and split by script: Hangul runs, Latin words and
// numbers become tokens; emoji, symbols and URLs are dropped. Korean words
// lose their particles (core/korean/particles.ts) and, best effort, the most
// common verb/adjective endings after a noun (회의했어요 → 회의, 배포합니다 →
// 배포, 연결되는 → 연결). This is a rule list, not a morphological analyser:
// it handles 하다/되다 verbs built on nouns — the bulk of chat topics — and
// leaves other verbs as written (so rare forms may stay as their own term).
// English is lower-cased, stopwords removed and stemmed with natural's
// PorterStemmer (natural's own tokenizers drop Hangul, so it sees only
// Latin words). A Hangul run glued to a Latin word or number (Kafka에서,
// API가, 3시에) is read as that word's particle and dropped when it is one.
import porter from 'natural/lib/natural/stemmers/porter_stemmer.js';
import { isSyllable } from './hangul.ts';
import { NOT_PARTICLE, stripParticle } from './particles.ts';

export type TokenKind = 'hangul' | 'latin' | 'number';

export interface Token {
  /** the normalised term (stem) */
  term: string;
  kind: TokenKind;
  /** the word as it appeared (NFKC, case kept) */
  surface: string;
}

/**
 * Endings of 하다/되다 verbs and common adjective/verb endings, longest first.
 * Removed only when at least two syllables remain, so 해요/하는 alone stay
 * (and are stopwords) and 하늘/하루 are not touched.
 */
const ENDINGS = [
  '했었습니다', '하겠습니다', '되었습니다', '했습니다', '됐습니다', '합니다만', '했었어요', '하셨어요', '하시나요', '되었어요',
  '했어요', '했는데', '했지만', '했네요', '했다고', '하는데', '하세요', '하십시오', '합니다', '합니까', '하는지', '하려고', '하려면',
  '되는데', '됩니다', '됐어요', '됐네요', '되나요', '돼요', '되어', '되면', '되는', '되고', '되지', '됐다', '된다', '된', '될',
  '해야', '해서', '해요', '해도', '했다', '했고', '했음', '하는', '하고', '하면', '하기', '하지', '하자', '하죠', '한다', '할게',
  '해줘', '해주세요', '시켜', '시키는', '시켰어요', '중입니다', '중이에요', '중', '할게요', '할게', '하셨나요', '하셨나', '하셨어요',
  '했나요', '할까요', '할래요', '하실', '하신', '해봐요', '해볼게요', '하겠습니다만',
];
// Endings grouped by their last character: a word is only compared with the few that can match.
const ENDINGS_BY_LAST = new Map<string, string[]>();
for (const e of [...ENDINGS].sort((a, b) => b.length - a.length)) {
  const last = e.at(-1)!;
  ENDINGS_BY_LAST.set(last, [...(ENDINGS_BY_LAST.get(last) ?? []), e]);
}
// One-syllable endings are too ambiguous on their own (한국, 할인): only after a known verbal noun pattern.
const SHORT_ENDINGS = new Set(['된', '될', '중']);

/** Common Korean function words, fillers and chat noise (after particle stripping). */
export const KOREAN_STOPWORDS = new Set([
  '그리고', '그래서', '그런데', '근데', '하지만', '그러나', '또는', '그럼', '그냥', '진짜', '정말', '너무', '아주', '매우', '조금', '좀', '많이',
  '이거', '그거', '저거', '이것', '그것', '저것', '여기', '거기', '저기', '이런', '그런', '저런', '이렇게', '그렇게', '어떻게', '왜', '뭐', '무엇',
  '나', '너', '저', '우리', '저희', '제가', '내가', '네가', '그', '이', '저', '것', '수', '등', '때', '중', '더', '또', '다', '안', '못', '잘',
  '있다', '있어요', '있습니다', '있는', '있고', '없다', '없어요', '없습니다', '없는', '같아요', '같은', '같이', '하다', '해요', '합니다',
  '하는', '했어요', '했다', '되다', '돼요', '됩니다', '네', '예', '아니요', '아니', '응', '음', '아', '오', '와', '헐', 'ㅋㅋ', 'ㅎㅎ', 'ㅠㅠ',
  '오늘', '내일', '어제', '지금', '이제', '다시', '혹시', '일단', '먼저', '감사합니다', '감사해요', '고맙습니다', '안녕하세요', '수고하셨습니다',
  '확인', '부탁드립니다', '알겠습니다', '넵', '네네', '입니다', '이다', '아요', '어요', '해주세요',
]);

/** English stopwords (short list; stemming makes longer ones rare as topics anyway). */
export const ENGLISH_STOPWORDS = new Set(
  ('a an and are as at be been but by can could did do does for from had has have he her his i if in into is it its just me my no not of on or ' +
    'our she so than that the their them then there these they this to too up us was we were what when where which who why will with would you your ' +
    'yes ok okay hi hello thanks thank please lol im dont cant its ive ill going get got let lets today tomorrow yesterday now pm am')
    .split(' '),
);

/** Remove a 하다/되다 ending after a noun, keeping at least two syllables. */
export function stripEnding(word: string): string {
  for (const e of ENDINGS_BY_LAST.get(word.at(-1) ?? '') ?? []) {
    if (!word.endsWith(e)) continue;
    const stem = word.slice(0, -e.length);
    if ([...stem].filter(isSyllable).length < 2) continue;
    if (SHORT_ENDINGS.has(e) && NOT_PARTICLE.has(word)) continue;
    return stem;
  }
  return word;
}

/** Stem a Hangul word: ending first (회의했어요 → 회의), otherwise particles (장애가 → 장애). */
export function stemKorean(word: string): string {
  const w = word.normalize('NFC');
  const noEnding = stripEnding(w);
  return noEnding !== w ? noEnding : stripParticle(w);
}

/** Lower-case and Porter-stem one English word. */
export function stemEnglish(word: string): string {
  const lower = word.toLowerCase();
  return lower.length <= 3 ? lower : porter.stem(lower);
}

/** Links and @mentions/#channels: never topic words (shared with core/korean/terms.ts). */
export const URL_RE = /\b(?:https?:\/\/|www\.)\S+/giu;
export const MENTION_RE = /(^|\s)[@#][^\s]+/gu;
// One run of a single script: Hangul (syllables + jamo), letters of other scripts (with marks and inner ' or -), or digits.
// (the `v` flag's set difference keeps Hangul out of the letter class; built from a string because tsconfig targets ES2022)
const RUN_RE = new RegExp(String.raw`([\p{Script=Hangul}]+)|([[\p{L}\p{M}]--\p{Script=Hangul}]+(?:['’\-][[\p{L}\p{M}]--\p{Script=Hangul}]+)*)|(\p{N}+(?:[.,]\p{N}+)*)`, 'gv');

export interface TokenizeOptions {
  /** keep stopwords (search keeps them; topics drop them). Default false. */
  keepStopwords?: boolean;
  /** keep numbers. Default false. */
  numbers?: boolean;
  /** drop @mentions and #channel references. Default true. */
  dropMentions?: boolean;
  /** minimum Hangul term length in syllables. Default 1. */
  minHangul?: number;
}

/** Split text into normalised tokens (see the file comment for the rules). */
export function tokenize(text: string, options: TokenizeOptions = {}): Token[] {
  const { keepStopwords = false, numbers = false, dropMentions = true, minHangul = 1 } = options;
  let s = text.normalize('NFKC').replace(URL_RE, ' ');
  if (dropMentions) s = s.replace(MENTION_RE, '$1 ');
  const out: Token[] = [];
  let prevEnd = -1;
  let prevKind: TokenKind | null = null;
  for (const m of s.matchAll(RUN_RE)) {
    const start = m.index ?? 0;
    const prev = prevKind;
    const glued = start === prevEnd && prev !== null && prev !== 'hangul';
    prevEnd = start + m[0].length;
    if (m[1] !== undefined) {
      const run = m[1];
      prevKind = 'hangul';
      if (glued) {
        // Kafka에서, API가, 3시에: a particle (or a counter + particle after a number) glued to a
        // Latin word or number is not a word of its own.
        const rest = prev === 'number' ? run.replace(/^[시분초일월년개명번차건원주층대회위등]/u, '') : run;
        if (rest === '' || stripParticle('장애' + rest) === '장애' || stripParticle('감독' + rest) === '감독') continue;
      }
      if (!/[가-힣]/.test(run)) {
        // jamo-only chat noise (ㅋㅋ, ㅠㅠ) is never a topic
        if (keepStopwords) out.push({ term: run, kind: 'hangul', surface: run });
        continue;
      }
      const term = stemKorean(run);
      if (!keepStopwords && (KOREAN_STOPWORDS.has(term) || KOREAN_STOPWORDS.has(run))) continue;
      if ([...term].length < minHangul) continue;
      out.push({ term, kind: 'hangul', surface: run });
    } else if (m[2] !== undefined) {
      prevKind = 'latin';
      const word = m[2];
      const lower = word.toLowerCase();
      if (!keepStopwords && (ENGLISH_STOPWORDS.has(lower) || lower.length < 2)) continue;
      out.push({ term: stemEnglish(lower), kind: 'latin', surface: word });
    } else if (m[3] !== undefined) {
      prevKind = 'number';
      if (numbers) out.push({ term: m[3], kind: 'number', surface: m[3] });
    }
  }
  return out;
}

/** Just the terms, as topic statistics count them (stopwords and numbers dropped, Hangul ≥ 2 syllables). */
export function terms(text: string): string[] {
  return tokenize(text, { minHangul: 2 }).map((t) => t.term);
}
