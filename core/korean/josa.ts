// Choosing a particle (조사) by the word before it: 파묘 + 은/는 → 파묘는,
// 감독 + 이/가 → 감독이, 서울 + 으로/로 → 서울로. Browser-safe (no Node
// imports): the chat UI and the bots use this one module.
import { finalOf } from './hangul.ts';

/** Pairs understood here: the form after a final consonant, then the form after a vowel. */
const PAIRS: Record<string, [consonant: string, vowel: string]> = {
  '은/는': ['은', '는'], '는/은': ['은', '는'],
  '이/가': ['이', '가'], '가/이': ['이', '가'],
  '을/를': ['을', '를'], '를/을': ['을', '를'],
  '과/와': ['과', '와'], '와/과': ['과', '와'],
  '으로/로': ['으로', '로'], '로/으로': ['으로', '로'], '(으)로': ['으로', '로'],
  '이랑/랑': ['이랑', '랑'], '랑/이랑': ['이랑', '랑'],
  '이나/나': ['이나', '나'], '나/이나': ['이나', '나'],
  '이라도/라도': ['이라도', '라도'],
  '이에요/예요': ['이에요', '예요'], '예요/이에요': ['이에요', '예요'],
  '이야/야': ['이야', '야'], '아/야': ['아', '야'],
  '이다/다': ['이다', '다'], '(이)다': ['이다', '다'],
};

// How the last digit of a number is read in Sino-Korean: 1 일, 2 이, 3 삼, 4 사, 5 오, 6 육, 7 칠, 8 팔, 9 구, 0 영.
const DIGIT_FINAL = ['ㅇ', 'ㄹ', '', 'ㅁ', '', '', 'ㄱ', 'ㄹ', 'ㄹ', ''];
// Latin letters whose English name ends in a consonant sound people write a 받침 for (L 엘, M 엠, N 엔, R 알).
const LATIN_FINAL: Record<string, string> = { l: 'ㄹ', m: 'ㅁ', n: 'ㄴ', r: 'ㄹ' };

export interface JosaOptions {
  /**
   * Words that end in neither a Hangul syllable nor a digit (nicknames such as
   * "kim", "Bob"): 'guess' reads them as English (Kafka는, Spring은); 'both'
   * writes the two forms the way Korean text hedges (kim(으)로, Bob은(는)).
   */
  foreign?: 'guess' | 'both';
}

function trimmed(word: string): string {
  return word.normalize('NFC').replace(/[\s)\]}"'’”.,!?]+$/u, '');
}

/** The final consonant a word is pronounced with ('' for a vowel ending), or null when unsure (not Hangul, not a digit). */
function knownFinal(word: string): string | null {
  const last = word.at(-1) ?? '';
  const fin = finalOf(last);
  if (fin !== null) return fin;
  if (/[0-9]/.test(last)) return DIGIT_FINAL[Number(last)];
  return null;
}

/** English-reading guess: Spring → 스프링 (ㅇ), Kafka → 카프카 (vowel), kim → 킴 (ㅁ). */
function guessedFinal(word: string): string {
  if (/ng$/i.test(word)) return 'ㅇ';
  return LATIN_FINAL[(word.at(-1) ?? '').toLowerCase()] ?? '';
}

/** "(으)로", "을(를)": both forms, for a word whose sound we do not know. */
function hedged([consonant, vowel]: [string, string]): string {
  return consonant.endsWith(vowel) ? `(${consonant.slice(0, -vowel.length)})${vowel}` : `${consonant}(${vowel})`;
}

/**
 * The particle form that fits `word`, chosen by its final sound:
 * pickJosa('파묘', '은/는') → '는', pickJosa('감독', '이/가') → '이',
 * pickJosa('서울', '으로/로') → '로' (ㄹ takes 로), pickJosa('3', '이/가') → '이'.
 */
export function pickJosa(word: string, pair: string, opts: JosaOptions = {}): string {
  const forms = PAIRS[pair];
  if (!forms) throw new Error(`unknown particle pair "${pair}" (try ${Object.keys(PAIRS).filter((k) => !k.startsWith('(')).slice(0, 6).join(', ')}…)`);
  const w = trimmed(word);
  let fin = knownFinal(w);
  if (fin === null) {
    if (opts.foreign === 'both') return hedged(forms);
    fin = guessedFinal(w);
  }
  const isRo = forms[1] === '로';
  const consonant = isRo ? fin !== '' && fin !== 'ㄹ' : fin !== '';
  return consonant ? forms[0] : forms[1];
}

/** `word` followed by the particle form that fits it: josa('파묘', '은/는') → '파묘는'. */
export function josa(word: string, pair: string, opts: JosaOptions = {}): string {
  return word + pickJosa(word, pair, opts);
}
