// Korean particles (조사): stripping them from nouns (장애가/장애를/장애는 →
// 장애). Choosing the form for a word (파묘 + 은/는 → 파묘는) is josa.ts.
//
// Stripping is rule-based and conservative, because a wrong cut hides a
// word: a particle is only removed when
//   1. what is left is long enough (ambiguous one-syllable particles such as
//      이/가/도/의/로 need a stem of two syllables: 회의 and 정도 stay whole);
//   2. the particle fits the stem's last sound (이/을/은/과 only after a
//      final consonant, 가/를/는/와 only after a vowel, 로 after a vowel or ㄹ)
//      — so 나이 (나 + 이?) and 사과 (사 + 과?) are never cut;
//   3. the word is not in a short list of nouns that merely end like a
//      particle (도로, 포도, 휴가, 요가…).
// Stacked particles (에서는, 에게도, 으로는, 까지만…) are removed one layer at a time.

import { finalOf, isSyllable } from './hangul.ts';

type Cond = 'any' | 'consonant' | 'vowel' | 'vowelOrL';

interface Particle {
  form: string;
  cond: Cond;
  /** minimum stem length in syllables */
  minStem: number;
}

const p = (form: string, cond: Cond = 'any', minStem = 1): Particle => ({ form, cond, minStem });

/** The particles we strip, each with the sound it follows. */
export const PARTICLES: readonly Particle[] = [
  // copula forms ("학생입니다", "회의예요") — the noun is what people search for
  p('입니다'), p('이에요', 'consonant'), p('예요', 'vowel', 2), p('이다', 'consonant', 2), p('이요', 'consonant', 2),
  // multi-syllable particles are rarely the end of a plain noun
  p('에서'), p('에게'), p('한테'), p('까지'), p('부터'), p('보다'), p('처럼'), p('조차'), p('마저'), p('밖에'),
  p('이라도', 'consonant'), p('라도', 'vowel', 2), p('이랑', 'consonant'), p('랑', 'vowel', 2),
  p('이나', 'consonant', 2), p('나', 'vowel', 2), p('으로', 'consonant'), p('로', 'vowelOrL', 2),
  // one-syllable case/topic particles
  p('은', 'consonant'), p('는', 'vowel'), p('을', 'consonant'), p('를', 'vowel'),
  p('이', 'consonant', 2), p('가', 'vowel', 2), p('과', 'consonant', 2), p('와', 'vowel', 2),
  p('의', 'any', 2), p('에', 'any', 2), p('께', 'any', 2), p('도', 'any', 2), p('만', 'any', 2), p('요', 'any', 2),
];

// Longest form first so 에서 wins over 서, 이라도 over 라도 over 도; grouped by last character
// so a word is compared only with the particles that could end it.
const BY_LAST = new Map<string, Particle[]>();
for (const part of [...PARTICLES].sort((a, b) => b.form.length - a.form.length)) {
  const last = part.form.at(-1)!;
  BY_LAST.set(last, [...(BY_LAST.get(last) ?? []), part]);
}

/**
 * Nouns that end like a particle but are whole words. Kept short on purpose:
 * the stem-length and sound rules above already protect most nouns.
 */
export const NOT_PARTICLE = new Set([
  '도로', '포도', '휴가', '요가', '나이', '사과', '가구', '회의', '정도', '태도', '제도', '지도', '속도', '온도', '의도', '각도',
  '고려', '우리', '누나', '언니', '하나', '아이', '오이', '거리', '소리', '자리', '머리', '다리', '요리', '노래', '나라',
  '시계', '세계', '관계', '단계', '얼마나', '어디에', '처음에', '카페', '커피', '메뉴', '기자', '의자', '사이', '차이',
  '경로', '진로', '통로', '과로', '미로', '대로', '더미', '가가', '분야', '모두', '정말', '만만', '조만간', '이만',
  '주의', '동의', '합의', '문의', '논의', '정의', '강의', '토의', '결의', '바나나', '제도', '시도', '기도', '반도', '영도',
  '파티', '사이다', '아이다', '주도', '부도', '인도', '한도', '빈도', '강도', '고도', '밀도', '농도', '심도',
]);

/** Would removing `len` code units from the end cut inside a protected noun (비상회의, 민주주의, 이정도)? */
function cutsProtected(word: string, len: number): boolean {
  for (const w of [word.slice(-2), word.slice(-3)]) {
    if (w.length > len && NOT_PARTICLE.has(w)) return true;
  }
  return false;
}

function fits(stem: string, cond: Cond): boolean {
  if (cond === 'any') return true;
  const last = stem.at(-1) ?? '';
  const fin = finalOf(last);
  if (fin === null) {
    // Latin/digits before a particle (API가, Kafka에서, 3시에): accept as written.
    return /[\p{L}\p{N}]/u.test(last);
  }
  if (cond === 'consonant') return fin !== '';
  if (cond === 'vowel') return fin === '';
  return fin === '' || fin === 'ㄹ';
}

function syllableCount(s: string): number {
  let n = 0;
  for (const ch of s) if (isSyllable(ch) || /[\p{L}\p{N}]/u.test(ch)) n++;
  return n;
}

/** Remove one particle layer, or return null when none can be removed safely. */
function stripOnce(word: string): string | null {
  if (NOT_PARTICLE.has(word)) return null;
  for (const part of BY_LAST.get(word.at(-1) ?? '') ?? []) {
    if (!word.endsWith(part.form)) continue;
    // 회의도 is 회의 + 도 even though 의도 is a noun: a known noun as the stem wins.
    if (cutsProtected(word, part.form.length) && !NOT_PARTICLE.has(word.slice(0, -part.form.length))) continue;
    const stem = word.slice(0, -part.form.length);
    if (syllableCount(stem) < part.minStem || stem.length === 0) continue;
    if (!fits(stem, part.cond)) continue;
    // 요 after a verb ending (났어요, 좋아요, 하죠요) is politeness, not a noun's particle.
    if (part.form === '요' && /[어아여해지네죠게래데세까워와]$/.test(stem)) continue;
    // A Latin/number stem takes only a particle written right after it (API가, v2로).
    return stem;
  }
  return null;
}

/**
 * The stem of a noun followed by particles: 장애가/장애를/장애는/장애에서 → 장애,
 * 서버에서는 → 서버, Kafka에서 → Kafka. Words without a safe particle come
 * back unchanged (나이, 사과, 도로, 회의). Input is NFC-normalised.
 */
export function stripParticle(word: string): string {
  let current = word.normalize('NFC').trim();
  // At most three layers: 에서 + 만 + 은 is already rare.
  for (let i = 0; i < 3; i++) {
    const next = stripOnce(current);
    if (next === null || next === current) break;
    current = next;
  }
  return current;
}
