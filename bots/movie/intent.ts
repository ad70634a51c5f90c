// What is being asked: which facts (director, cast, release, genre, runtime,
// country) and whether it is a filmography question. Pure functions over the
// raw question, so they are cheap to test with many phrasings.
import { stripParticle } from '../../core/korean/particles.ts';
import type { Field } from './types.ts';

export interface Intent {
  /** facts asked about a film, in the order they should be answered */
  fields: Field[];
  /** "봉준호 감독 영화 뭐 있어?", "films by …": list a person's films */
  filmography: boolean;
  /** the question talks about films at all (영화, movie…), even without a known field */
  moviey: boolean;
}

// Korean patterns are matched on the text with spaces kept and also removed
// (누가만들었어, 러닝 타임), English ones on the lowercase text.
const FIELD_PATTERNS: [Field, RegExp][] = [
  ['director', /감독|연출|메가폰|누가(?:만들|찍|연출)|만든사람|찍은사람|\bdirect(?:or|ors|ed|s)?\b|\bwho\s+(?:made|shot)\b|\bfilmmaker\b/u],
  ['cast', /출연|배우|주연|조연|캐스팅|누가나와|누가나오|나와|나오는|나오나|나온|\bcast\b|\bactors?\b|\bactress(?:es)?\b|\bstarring\b|\bstars?\b|\bwho'?s\s+in\b|\bwho\s+is\s+in\b|\bwho\s+(?:plays?|played|acted|acts)\b|\bin\s+it\b/u],
  ['release', /개봉|언제|몇년|몇년도|연도|년도|출시|\breleased?\b|\bcame\s+out\b|\bcome\s+out\b|\bwhen\b|\bwhat\s+year\b|\bwhich\s+year\b/u],
  ['genre', /장르|무슨영화|어떤영화|어떤장르|\bgenres?\b|\bwhat\s+kind\b|\bwhat\s+type\b/u],
  ['runtime', /러닝타임|상영시간|몇분|길이|얼마나길|몇시간|\bruntime\b|\brunning\s+time\b|\bhow\s+long\b|\blength\b|\bminutes\b/u],
  ['country', /국가|어느나라|어디나라|어디영화|제작국|국적|나라영화|\bcountry\b|\bcountries\b|\bnationality\b|\bwhere\s+(?:was|is)\s+it\s+(?:made|from)\b|\bwhere\b.*\bfrom\b/u],
];

const FILMOGRAPHY = /작품|필모|영화(?:뭐|목록|들|는뭐|가뭐|좀|알려|추천|리스트|있)|찍은영화|만든영화|나온영화|출연한영화|출연작|연출작|감독작|대표작|\bfilms?\s+by\b|\bmovies?\s+by\b|\bfilmography\b|\b(?:films?|movies?)\s+(?:with|starring|featuring|directed\s+by)\b|\bwhat\s+(?:films?|movies?)\b|\bdirected\s+by\b/u;
const MOVIEY = /영화|무비|\bmovies?\b|\bfilms?\b/u;

function squeeze(text: string): string {
  return text.toLowerCase().replace(/\s+/gu, '');
}

/** Detect the intent of a question (the text after the bot alias). */
export function detectIntent(question: string): Intent {
  const lower = question.toLowerCase().trim();
  const squeezed = squeeze(question);
  const fields: Field[] = [];
  for (const [field, re] of FIELD_PATTERNS) {
    if (re.test(lower) || re.test(squeezed)) fields.push(field);
  }
  // "파묘 언제 나와?" asks for the release: 나와/나오 without a cast word is not about actors there.
  if (fields.includes('cast') && fields.includes('release') && /언제/u.test(squeezed) && !/출연|배우|주연|조연|캐스팅|누가/u.test(squeezed)) {
    fields.splice(fields.indexOf('cast'), 1);
  }
  const filmography = FILMOGRAPHY.test(lower) || FILMOGRAPHY.test(squeezed);
  return { fields, filmography, moviey: MOVIEY.test(lower) || filmography };
}

// Words that carry the question, not the title. Korean stems are compared
// after particle stripping, by prefix for stems of two or more syllables.
const KO_FILLER_PREFIX = [
  '감독', '연출', '출연', '배우', '주연', '조연', '캐스팅', '개봉', '언제', '장르', '러닝', '상영', '국가', '나라', '제작국', '국적',
  '누구', '누가', '알려', '궁금', '나와', '나오', '나온', '만들', '만든', '찍었', '찍은', '필모', '작품', '영화', '몇년', '몇분', '몇시',
  '무슨', '어떤', '어느', '어디', '얼마', '길이', '정보', '말해', '있어', '있나', '있니', '했어', '했나', '했냐', '했지', '했는', '했던', '인가',
  '이야', '뭐야', '뭐예', '뭐지', '뭐있', '무엇', '대해', '관해', '출시', '연도', '년도', '타임', '시간', '가르쳐', '해줘', '부탁', '대표작',
  '출연작', '연출작', '감독작', '목록', '리스트', '추천', '거야', '건가', '건지', '입니까', '인지', '이었', '였어', '였나', '맞아', '맞나',
];
const KO_FILLER_EXACT = new Set(['뭐', '몇', '좀', '줘', '요', '야', '분', '년', '은', '는', '이', '가', '의', '그', '저', '이거', '그거', '혹시', '그럼', '그리고', '랑', '하고', '및', '다', '해', '임', '뭔가', '번', '편']);
const EN_FILLER = new Set([
  'who', 'whos', "who's", 'whom', 'directed', 'direct', 'director', 'directors', 'made', 'make', 'is', 'was', 'are', 'were', 'of', 'in', 'by',
  'what', 'whats', "what's", 'when', 'where', 'which', 'how', 'long', 'runtime', 'running', 'time', 'length', 'cast', 'actors', 'actor', 'actress',
  'starring', 'stars', 'star', 'release', 'released', 'date', 'year', 'come', 'came', 'out', 'genre', 'genres', 'kind', 'type', 'country', 'countries',
  'tell', 'me', 'about', 'movie', 'movies', 'film', 'films', 'a', 'an', 'did', 'does', 'do', 'it', 'please', 'show', 'list', 'with', 'from', 'for',
  'and', 'its', "it's", 'info', 'information', 'plays', 'play', 'played', 'minutes', 'filmography', 'featuring', 'acted', 'acts', 'you', 'know',
  'can', 'could', 'give', 'any', 'some', 'other', 'there', 'have', 'has', 'shot', 'filmmaker', 'nationality', 'be', 'to', 'on', 'at', 'much',
]);

/** Is this token part of the question's wording rather than a title or a name? */
export function isFiller(token: string): boolean {
  const t = token.toLowerCase();
  if (EN_FILLER.has(t)) return true;
  if (KO_FILLER_EXACT.has(t)) return true;
  const stem = stripParticle(t);
  if (KO_FILLER_EXACT.has(stem)) return true;
  return KO_FILLER_PREFIX.some((p) => t.startsWith(p) || stem.startsWith(p));
}

// Question words glued to a title without a space (파묘감독은, 기생충출연진): split them off.
const GLUE = /(감독|연출|출연진?|배우|주연|개봉일?|장르|러닝타임|상영시간|국가|제작국|언제|누가|누구|몇분|몇년)/u;

/** Split a token such as 파묘감독은 into [파묘, 감독은]; tokens without glued words come back alone. */
export function unglue(token: string): string[] {
  const m = GLUE.exec(token);
  if (!m || m.index === 0) return [token];
  return [token.slice(0, m.index), token.slice(m.index)];
}
