// The movie bot: answers free Korean and English questions about films
// from the DuckDB catalog (curated + KOBIS imports), asking live providers
// (KOBIS, TMDB) only for what the catalog lacks, and never failing loudly.
import type { Config } from '../../core/config.ts';
import type { Database } from '../../core/db.ts';
import { logger } from '../../core/log.ts';
import { cleanText } from '../../core/text.ts';
import { stripParticle } from '../../core/korean/particles.ts';
import { answerFields, askForTitle, choicePrompt, filmography, notFound, personInFilm, fieldSentence } from './answer.ts';
import { loadCurated, MovieIndex, type PersonEntry, type TitleMatch } from './catalog.ts';
import { catalogEvents } from './kobis-import.ts';
import { PendingChoices, parseChoice } from './pending.ts';
import { ApiCache } from './providers/cache.ts';
import { createKobisProvider } from './providers/kobis.ts';
import { createTmdbProvider } from './providers/tmdb.ts';
import { ensureMovieSchema, loadMovies, seedCurated } from './store.ts';
import { detectLang, titleKey } from './text.ts';
import type { Field, Lang, Movie, MovieProvider } from './types.ts';
import { understand } from './understand.ts';

export type { Movie, MovieProvider, Person, Field, Lang } from './types.ts';
export { importKobisFile, catalogEvents, type FileReport } from './kobis-import.ts';

const log = logger('bots.movie');

export interface MovieAnswer {
  text: string;
  /** false: not a movie question (the runtime answers a generic hint) */
  handled: boolean;
}

export interface MovieBot {
  init(): Promise<void>;
  answer(question: string, ctx: { userId: string; channel: string }): Promise<MovieAnswer>;
}

export interface MovieBotDeps {
  db: Database;
  config: Config;
  /** live providers; default: KOBIS and/or TMDB when their key/token is configured */
  providers?: MovieProvider[];
  /** clock for pending choices (tests) */
  now?: () => number;
}

/** Example questions for `@bot help`. */
export const movieHelp = {
  ko: [
    '@bot 파묘 감독은 누구야?',
    '@bot 기생충에 누가 나와?',
    '@bot 서울의봄 언제 개봉했어?',
    '@bot 범죄도시4 러닝타임',
    '@bot 봉준호 감독 영화 뭐 있어?',
    '@bot 송강호 나온 영화',
  ],
  en: ['@bot who directed Parasite?', '@bot Top Gun Maverick runtime', '@bot who is in Train to Busan?', '@bot films by Park Chan-wook'],
};

/** The providers the configuration enables (none without keys: the catalog alone answers). */
export function providersFromConfig(config: Config, db: Database | null): MovieProvider[] {
  const cache = new ApiCache(db, config.movies.cacheTtlSeconds * 1000);
  const out: MovieProvider[] = [];
  const { kobisApiKey, kobisBaseUrl, tmdbToken, tmdbBaseUrl, timeoutMs } = config.movies;
  if (kobisApiKey) out.push(createKobisProvider({ apiKey: kobisApiKey, baseUrl: kobisBaseUrl, timeoutMs, cache }));
  if (tmdbToken) out.push(createTmdbProvider({ token: tmdbToken, baseUrl: tmdbBaseUrl, timeoutMs, cache }));
  return out;
}

/** Which asked facts the film lacks (a summary needs at least director or cast). */
function missing(m: Movie, fields: Field[]): Field[] {
  const want: Field[] = fields.length ? fields : ['director', 'cast'];
  return want.filter((f) =>
    f === 'director' ? m.directors.length === 0
    : f === 'cast' ? m.cast.length === 0
    : f === 'release' ? !m.releaseDate && !m.year
    : f === 'genre' ? m.genres.length === 0
    : f === 'runtime' ? !m.runtime
    : m.countries.length === 0,
  );
}

function merge(m: Movie, extra: Movie): Movie {
  return {
    ...m,
    titleEn: m.titleEn ?? extra.titleEn,
    year: m.year ?? extra.year,
    releaseDate: m.releaseDate ?? extra.releaseDate,
    directors: m.directors.length ? m.directors : extra.directors,
    cast: m.cast.length ? m.cast : extra.cast,
    genres: m.genres.length ? m.genres : extra.genres,
    countries: m.countries.length ? m.countries : extra.countries,
    runtime: m.runtime ?? extra.runtime,
  };
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]);
}

export function createMovieBot(deps: MovieBotDeps): MovieBot {
  const { db, config } = deps;
  const providers = deps.providers ?? providersFromConfig(config, db);
  const pending = new PendingChoices(5 * 60_000, deps.now ?? Date.now);
  // Provider calls carry their own timeout; this bound also covers search + details in a row.
  const providerBudget = config.movies.timeoutMs * 2;
  let index = new MovieIndex(loadCurated());
  let stale = false;
  let reloading: Promise<void> | null = null;

  const reload = async () => {
    index = new MovieIndex(await loadMovies(db));
    stale = false;
  };
  catalogEvents.on('changed', () => {
    stale = true;
  });

  /** Ask providers for facts the catalog lacks; on any failure keep what we have. */
  async function enrich(m: Movie, fields: Field[]): Promise<Movie> {
    let movie = m;
    for (const p of providers) {
      if (missing(movie, fields).length === 0) break;
      try {
        const extra = await within(p.details(movie), providerBudget, p.name);
        if (extra) movie = merge(movie, extra);
      } catch (err) {
        log.warn({ provider: p.name, title: m.titleKo, err: (err as Error).message }, 'movie provider failed; answering from the catalog');
      }
    }
    return movie;
  }

  async function searchProviders(text: string): Promise<Movie | null> {
    const key = titleKey(text);
    for (const p of providers) {
      try {
        const hits = await within(p.search(text), providerBudget, p.name);
        const best = hits.find((h) => titleKey(h.titleKo) === key || (h.titleEn && titleKey(h.titleEn) === key)) ?? hits[0];
        if (best) return best;
      } catch (err) {
        log.warn({ provider: p.name, query: text, err: (err as Error).message }, 'movie provider search failed');
      }
    }
    return null;
  }

  async function aboutFilm(m: Movie, fields: Field[], person: PersonEntry | null, lang: Lang): Promise<string> {
    const movie = missing(m, fields).length ? await enrich(m, fields) : m;
    if (!person || fields.length === 0) return answerFields(movie, fields, lang);
    return fields
      .map((f) =>
        f === 'cast' && person.acted.length ? personInFilm(movie, person, lang, 'cast')
        : f === 'director' && person.directed.length ? personInFilm(movie, person, lang, 'director')
        : fieldSentence(movie, f, lang),
      )
      .join(' ');
  }

  async function pick(n: number, lang: Lang, ctx: { userId: string; channel: string }): Promise<MovieAnswer> {
    const choice = pending.get(ctx.userId, ctx.channel);
    if (!choice) {
      return {
        handled: true,
        text: lang === 'ko' ? '고를 목록이 없어요(몇 분이 지나면 사라져요). 영화 제목과 함께 다시 물어봐 주세요.' : 'There is no list to pick from (they expire after a few minutes). Ask again with the title.',
      };
    }
    if (n < 1 || n > choice.movieIds.length) {
      return { handled: true, text: choice.lang === 'ko' ? `1부터 ${choice.movieIds.length} 사이의 번호로 골라 주세요.` : `Pick a number from 1 to ${choice.movieIds.length}.` };
    }
    const movie = index.byId.get(choice.movieIds[n - 1]);
    if (!movie) return { handled: true, text: choice.lang === 'ko' ? '그 영화가 카탈로그에서 사라졌어요. 다시 물어봐 주세요.' : 'That film is no longer in the catalog. Please ask again.' };
    const person = choice.personKey ? (index.person(choice.personKey) ?? null) : null;
    return { handled: true, text: await aboutFilm(movie, choice.fields, person, choice.lang) };
  }

  async function respond(question: string, ctx: { userId: string; channel: string }): Promise<MovieAnswer> {
    const q = cleanText(question, 500).trim();
    if (!q) return { handled: false, text: '' };
    if (stale && !reloading) reloading = reload().finally(() => (reloading = null));
    if (reloading) await reloading;
    const lang = detectLang(q);
    const n = parseChoice(q);
    if (n !== null) return pick(n, lang, ctx);

    const u = understand(q, index);
    if (u.chatter) return { handled: false, text: '' };
    const title: TitleMatch = u.title;
    if (title.kind === 'one') return { handled: true, text: await aboutFilm(title.movie, u.intent.fields, u.person, lang) };
    if (title.kind === 'several') {
      pending.set(ctx.userId, ctx.channel, { movieIds: title.movies.map((m) => m.id), fields: u.intent.fields, personKey: u.person ? titleKey(u.person.person.ko) : null, lang });
      return { handled: true, text: choicePrompt(title.movies, lang) };
    }
    if (u.person) {
      const f = u.intent.fields;
      const role = f.includes('director') && u.person.directed.length ? 'directed' : f.includes('cast') && u.person.acted.length ? 'acted' : f.includes('director') ? 'directed' : f.includes('cast') ? 'acted' : 'both';
      return { handled: true, text: filmography(u.person, role, lang) };
    }
    const movieWording = u.intent.fields.length > 0 || u.intent.moviey;
    if (!movieWording) return { handled: false, text: '' };
    if (!u.titleText) return { handled: true, text: askForTitle(lang) };
    // The words left over still carry the particle of the last one (모가디슈에 → 모가디슈).
    const words = u.titleText.split(/\s+/u);
    const asked = [...words.slice(0, -1), stripParticle(words[words.length - 1])].join(' ');
    if (providers.length) {
      const found = await searchProviders(asked);
      if (found) return { handled: true, text: await aboutFilm(found, u.intent.fields, null, lang) };
    }
    return { handled: true, text: notFound(asked, index.suggest(titleKey(asked)), lang) };
  }

  return {
    async init() {
      await ensureMovieSchema(db);
      await seedCurated(db, loadCurated());
      await reload();
      log.info({ films: index.size, providers: providers.map((p) => p.name) }, 'movie bot ready');
    },
    async answer(question, ctx) {
      try {
        return await respond(question, ctx);
      } catch (err) {
        log.error({ err, question: question.slice(0, 200) }, 'movie bot failed');
        const ko = detectLang(question) === 'ko';
        return { handled: true, text: ko ? '지금은 영화 정보를 찾지 못했어요. 잠시 후 다시 물어봐 주세요.' : "I couldn't look that up right now. Please try again in a moment." };
      }
    },
  };
}
