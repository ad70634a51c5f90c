// Sentences the bot says, in the asker's language. Korean particles follow
// the title's last sound (파묘는 / 기생충은), not the "(2024)" after it.
import { josa, pickJosa } from '../../core/korean/josa.ts';
import type { PersonEntry } from './catalog.ts';
import type { Field, Lang, Movie, Person } from './types.ts';

const GENRE_EN: Record<string, string> = {
  드라마: 'drama', 액션: 'action', 범죄: 'crime', 스릴러: 'thriller', 미스터리: 'mystery', '공포(호러)': 'horror', 공포: 'horror',
  코미디: 'comedy', 사극: 'historical drama', 전쟁: 'war', SF: 'science fiction', 애니메이션: 'animation', '멜로/로맨스': 'romance',
  어드벤처: 'adventure', 가족: 'family', 판타지: 'fantasy', 재난: 'disaster', 다큐멘터리: 'documentary', 뮤지컬: 'musical',
  서부극: 'western', '서부극(웨스턴)': 'western', 공연: 'performance', 성인물: 'adult', '성인물(에로)': 'adult', 기타: 'other',
};
const COUNTRY_EN: Record<string, string> = {
  한국: 'South Korea', 미국: 'the United States', 영국: 'the United Kingdom', 일본: 'Japan', 중국: 'China', 프랑스: 'France',
  독일: 'Germany', 캐나다: 'Canada', 홍콩: 'Hong Kong', 대만: 'Taiwan', 호주: 'Australia', 이탈리아: 'Italy', 스페인: 'Spain', 인도: 'India',
};

/** 파묘(2024) / Parasite (2019) */
export function label(m: Movie, lang: Lang): string {
  const year = m.year ? (lang === 'ko' ? `(${m.year})` : ` (${m.year})`) : '';
  return `${lang === 'ko' ? m.titleKo : m.titleEn || m.titleKo}${year}`;
}

/** 파묘(2024)는 — the particle chosen by the title, written after the year. */
function labelJosa(m: Movie, pair: string): string {
  return label(m, 'ko') + pickJosa(m.titleKo, pair);
}

const name = (p: Person, lang: Lang) => (lang === 'en' && p.en ? p.en : p.ko);
const names = (list: Person[], lang: Lang, max = 5) => list.slice(0, max).map((p) => name(p, lang)).join(', ');

function enList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function koDate(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number);
  return `${y}년 ${m}월 ${d}일`;
}

function enDate(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-US', { timeZone: 'UTC', year: 'numeric', month: 'long', day: 'numeric' });
}

function hoursKo(min: number): string {
  const h = Math.floor(min / 60);
  const r = min % 60;
  return h === 0 ? '' : r === 0 ? ` (${h}시간)` : ` (${h}시간 ${r}분)`;
}

/** One fact about a film as a sentence; says plainly when the catalog lacks it. */
export function fieldSentence(m: Movie, field: Field, lang: Lang): string {
  const ko = lang === 'ko';
  switch (field) {
    case 'director':
      if (m.directors.length === 0) return ko ? `${labelJosa(m, '은/는')} 감독 정보가 없어요.` : `I don't know who directed ${label(m, lang)}.`;
      return ko
        ? `${label(m, 'ko')}의 감독은 ${names(m.directors, lang)}입니다.`
        : `${label(m, lang)} was directed by ${enList(m.directors.map((p) => name(p, lang)))}.`;
    case 'cast': {
      if (m.cast.length === 0) return ko ? `${labelJosa(m, '은/는')} 출연진 정보가 없어요.` : `I don't have the cast of ${label(m, lang)}.`;
      const list = names(m.cast, lang);
      return ko ? `${label(m, 'ko')}에는 ${list} 등이 출연합니다.` : `${label(m, lang)} stars ${list}.`;
    }
    case 'release':
      if (m.releaseDate) {
        return ko
          ? `${labelJosa(m, '은/는')} ${koDate(m.releaseDate)}에 개봉했습니다.`
          : `${label(m, lang)} was released in Korea on ${enDate(m.releaseDate)}.`;
      }
      if (m.year) return ko ? `${labelJosa(m, '은/는')} ${m.year}년 작품입니다.` : `${label(m, lang)} is a ${m.year} film.`;
      return ko ? `${labelJosa(m, '은/는')} 개봉 정보가 없어요.` : `I don't know when ${label(m, lang)} was released.`;
    case 'genre':
      if (m.genres.length === 0) return ko ? `${labelJosa(m, '은/는')} 장르 정보가 없어요.` : `I don't know the genre of ${label(m, lang)}.`;
      return ko
        ? `${label(m, 'ko')}의 장르는 ${m.genres.join(', ')}입니다.`
        : `${label(m, lang)} is ${enList(m.genres.map((g) => GENRE_EN[g] ?? g))}.`;
    case 'runtime':
      if (!m.runtime) return ko ? `${labelJosa(m, '은/는')} 상영시간 정보가 없어요.` : `I don't know the runtime of ${label(m, lang)}.`;
      return ko ? `${label(m, 'ko')}의 상영시간은 ${m.runtime}분${hoursKo(m.runtime)}입니다.` : `${label(m, lang)} runs ${m.runtime} minutes.`;
    case 'country':
      if (m.countries.length === 0) return ko ? `${labelJosa(m, '은/는')} 제작국가 정보가 없어요.` : `I don't know where ${label(m, lang)} was made.`;
      return ko
        ? `${labelJosa(m, '은/는')} ${m.countries.join('·')}${m.countries.length > 1 ? ' 합작' : ''} 영화입니다.`
        : `${label(m, lang)} is from ${enList(m.countries.map((c) => COUNTRY_EN[c] ?? c))}.`;
  }
}

/** The one-line summary for a title asked without a question. */
export function summary(m: Movie, lang: Lang): string {
  if (lang === 'ko') {
    const parts: string[] = [];
    if (m.directors.length) parts.push(`감독 ${names(m.directors, lang, 3)}`);
    if (m.cast.length) parts.push(`출연 ${names(m.cast, lang, 3)}`);
    if (m.genres.length) parts.push(m.genres.join('/'));
    if (m.runtime) parts.push(`${m.runtime}분`);
    if (m.releaseDate) parts.push(`${m.releaseDate} 개봉`);
    return parts.length ? `${label(m, 'ko')}: ${parts.join(', ')}.` : `${label(m, 'ko')}에 대한 자세한 정보가 없어요.`;
  }
  const parts: string[] = [];
  if (m.directors.length) parts.push(`directed by ${enList(m.directors.map((p) => name(p, lang)))}`);
  if (m.cast.length) parts.push(`starring ${names(m.cast, lang, 3)}`);
  if (m.genres.length) parts.push(m.genres.map((g) => GENRE_EN[g] ?? g).join('/'));
  if (m.runtime) parts.push(`${m.runtime} min`);
  if (m.releaseDate) parts.push(`released ${m.releaseDate} in Korea`);
  return parts.length ? `${label(m, lang)}: ${parts.join(', ')}.` : `I have no details on ${label(m, lang)}.`;
}

export function answerFields(m: Movie, fields: Field[], lang: Lang): string {
  return fields.length ? fields.map((f) => fieldSentence(m, f, lang)).join(' ') : summary(m, lang);
}

/** Does this person appear in the film (as director or cast)? */
export function personInFilm(m: Movie, p: PersonEntry, lang: Lang, field: 'director' | 'cast'): string {
  const list = field === 'director' ? m.directors : m.cast;
  const found = list.some((x) => x.ko === p.person.ko || (!!x.en && x.en === p.person.en));
  const who = name(p.person, lang);
  if (lang === 'ko') {
    if (field === 'director') return found ? `네, ${label(m, 'ko')}의 감독은 ${who}입니다.` : `아니요, ${josa(who, '은/는')} ${label(m, 'ko')}의 감독이 아니에요. ${fieldSentence(m, 'director', lang)}`;
    return found ? `네, ${josa(who, '은/는')} ${label(m, 'ko')}에 출연합니다.` : `제가 아는 ${label(m, 'ko')}의 주요 출연진에는 ${who} 님이 없어요. ${fieldSentence(m, 'cast', lang)}`;
  }
  if (field === 'director') return found ? `Yes, ${label(m, lang)} was directed by ${who}.` : `No. ${fieldSentence(m, 'director', lang)}`;
  return found ? `Yes, ${who} is in ${label(m, lang)}.` : `${who} is not in the main cast I know of. ${fieldSentence(m, 'cast', lang)}`;
}

export function filmography(p: PersonEntry, role: 'directed' | 'acted' | 'both', lang: Lang): string {
  const who = name(p.person, lang);
  const list = (ms: Movie[]) => ms.map((m) => label(m, lang)).join(', ');
  const lines: string[] = [];
  const wantDirected = role !== 'acted' && p.directed.length > 0;
  const wantActed = role !== 'directed' && p.acted.length > 0;
  if (lang === 'ko') {
    if (wantDirected) lines.push(`${who} 감독의 영화: ${list(p.directed)}.`);
    if (wantActed) lines.push(`${josa(who, '이/가')} 출연한 영화: ${list(p.acted)}.`);
    if (lines.length === 0) lines.push(role === 'directed' ? `${josa(who, '이/가')} 연출한 영화는 카탈로그에 없어요.` : `${josa(who, '이/가')} 출연한 영화는 카탈로그에 없어요.`);
  } else {
    if (wantDirected) lines.push(`Films directed by ${who}: ${list(p.directed)}.`);
    if (wantActed) lines.push(`Films with ${who}: ${list(p.acted)}.`);
    if (lines.length === 0) lines.push(`I have no films ${role === 'directed' ? 'directed by' : 'with'} ${who} in the catalog.`);
  }
  return lines.join(' ');
}

export function choicePrompt(movies: Movie[], lang: Lang): string {
  const items = movies.map((m, i) => `${i + 1}. ${label(m, lang)}`).join(' ');
  return lang === 'ko'
    ? `여러 편이 있어요: ${items} — \`@bot 2\`처럼 번호로 골라 주세요.`
    : `Several films match: ${items} — reply \`@bot 2\` with a number to pick one.`;
}

export function notFound(text: string, suggestions: Movie[], lang: Lang): string {
  const shown = text.length > 40 ? text.slice(0, 40) + '…' : text;
  if (lang === 'ko') {
    const hint = suggestions.length ? ` 혹시 ${suggestions.map((m) => label(m, 'ko')).join(', ')} 중 하나인가요?` : '';
    return `'${shown}'${pickJosa(shown, '이라도/라도') === '이라도' ? '이라는' : '라는'} 영화는 찾지 못했어요.${hint} 제목을 확인하고 \`@bot 파묘 감독은?\`처럼 물어봐 주세요.`;
  }
  const hint = suggestions.length ? ` Did you mean ${suggestions.map((m) => label(m, lang)).join(', ')}?` : '';
  return `I couldn't find a film called "${shown}".${hint} Try \`@bot who directed Parasite?\``;
}

export function askForTitle(lang: Lang): string {
  return lang === 'ko'
    ? '어떤 영화가 궁금한지 제목을 함께 적어 주세요. 예: `@bot 파묘 감독은?`, `@bot 기생충 누가 나와?`, `@bot 봉준호 감독 영화 뭐 있어?`'
    : 'Which film? Put the title in the question, e.g. `@bot who directed Parasite?` or `@bot films by Bong Joon-ho`.';
}
