// Question → what to look up: the intent, the film the question names
// (exact key first, then jamo-level typos), and a person when it names one.
// Pure: takes the index, returns data; the bot turns it into sentences.
import { stripParticle } from '../../core/korean/particles.ts';
import type { MovieIndex, PersonEntry, TitleMatch } from './catalog.ts';
import { detectIntent, isFiller, unglue, type Intent } from './intent.ts';
import { detectLang, titleKey, tokenize } from './text.ts';
import type { Lang } from './types.ts';

export interface Understanding {
  lang: Lang;
  intent: Intent;
  title: TitleMatch;
  /** the words that were taken as the title (for "not found" answers) */
  titleText: string;
  person: PersonEntry | null;
  /** small talk or an empty question: not for the movie bot */
  chatter: boolean;
}

const MAX_SPAN = 8;
const SMALL_TALK = /^(?:안녕|안녕하세요|하이|ㅎㅇ|hi|hello|hey|thanks|thank you|고마워|고맙습니다|감사합니다|ㅋ+|ㅎ+|ㅠ+|ㅜ+|help|도움말|도움|\?+)$/iu;

/** Key variants of a span: as written, and with the last word's particle removed (파묘의 → 파묘). */
function spanKeys(tokens: string[]): string[] {
  const out = [titleKey(tokens.join(' '))];
  const last = tokens[tokens.length - 1];
  const stripped = stripParticle(last);
  if (stripped !== last) out.push(titleKey([...tokens.slice(0, -1), stripped].join(' ')));
  // 에서/에는/이랑 stacked after a title written with digits (범죄도시4에서) are covered by stripParticle;
  // "4편에서" leaves 4편 which titleKey reads as 4.
  return out.filter(Boolean);
}

interface Span {
  key: string;
  text: string;
}

/** Longest run of tokens whose key names a film exactly. */
function findExactTitle(tokens: string[], index: MovieIndex): { span: Span; match: TitleMatch } | null {
  let best: { span: Span; match: TitleMatch } | null = null;
  for (let i = 0; i < tokens.length; i++) {
    for (let j = i + 1; j <= Math.min(tokens.length, i + MAX_SPAN); j++) {
      const part = tokens.slice(i, j);
      // A span made only of question words (언제, 감독…) is never a title, even if a film is called so.
      if (part.every(isFiller) && tokens.length > part.length) continue;
      for (const key of spanKeys(part)) {
        if (best && key.length <= best.span.key.length) continue;
        const match = index.exact(key);
        if (match.kind !== 'none') best = { span: { key, text: part.join(' ') }, match };
      }
    }
  }
  return best;
}

function findPerson(tokens: string[], index: MovieIndex): { span: Span; person: PersonEntry } | null {
  let best: { span: Span; person: PersonEntry } | null = null;
  for (let i = 0; i < tokens.length; i++) {
    for (let j = i + 1; j <= Math.min(tokens.length, i + 4); j++) {
      const part = tokens.slice(i, j);
      for (const key of spanKeys(part)) {
        if (best && key.length <= best.span.key.length) continue;
        const person = index.person(key);
        if (person) best = { span: { key, text: part.join(' ') }, person };
      }
    }
  }
  return best;
}

/** Fuzzy title over the words that are not question wording; longest covered span wins. */
function findFuzzyTitle(tokens: string[], index: MovieIndex, curatedOnly: boolean): { text: string; match: TitleMatch } | null {
  let best: { text: string; match: TitleMatch; cover: number; distance: number } | null = null;
  for (let i = 0; i < tokens.length; i++) {
    for (let j = i + 1; j <= Math.min(tokens.length, i + MAX_SPAN); j++) {
      const part = tokens.slice(i, j);
      for (const key of spanKeys(part)) {
        if (best && key.length < best.cover) continue;
        const found = index.fuzzy(key, curatedOnly);
        if (!found || found.match.kind === 'none') continue;
        if (!best || key.length > best.cover || found.distance < best.distance) {
          best = { text: part.join(' '), match: found.match, cover: key.length, distance: found.distance };
        }
      }
    }
  }
  return best && { text: best.text, match: best.match };
}

export function understand(question: string, index: MovieIndex): Understanding {
  const lang = detectLang(question);
  const intent = detectIntent(question);
  const raw = tokenize(question);
  const chatter = raw.length === 0 || (raw.length <= 2 && SMALL_TALK.test(raw.join(' ')));
  const base: Understanding = { lang, intent, title: { kind: 'none' }, titleText: '', person: null, chatter };
  if (chatter) return base;

  const tokens = raw.flatMap(unglue);
  const person = findPerson(tokens, index);
  const exact = findExactTitle(raw, index) ?? (tokens.length !== raw.length ? findExactTitle(tokens, index) : null);
  // A person's name that is also a title's exact key (rare) counts as the person when the question is a filmography.
  if (exact && !(person && intent.filmography && person.span.key.length >= exact.span.key.length)) {
    return { ...base, title: exact.match, titleText: exact.span.text, person: person?.person ?? null };
  }
  if (person) return { ...base, person: person.person };

  const rest = tokens.filter((t) => !isFiller(t));
  const titleText = rest.join(' ');
  if (rest.length === 0) return base;
  const movieWording = intent.fields.length > 0 || intent.moviey;
  // Without movie wording, only a short message may be a bare (mistyped) title.
  if (!movieWording && rest.length > 3) return { ...base, titleText, chatter: true };
  const fuzzy = findFuzzyTitle(rest, index, !movieWording);
  if (fuzzy) return { ...base, title: fuzzy.match, titleText: fuzzy.text };
  return { ...base, titleText };
}
