// The movie bot's vocabulary: a film as the catalog knows it, a person in
// it, and what a live provider (KOBIS, TMDB) must offer.

export interface Person {
  /** name as written in Korean sources (KOBIS peopleNm) */
  ko: string;
  /** romanized / original name when known */
  en?: string;
}

export type MovieSource = 'curated' | 'kobis' | 'kobis-api' | 'tmdb';

export interface Movie {
  /** catalog id: `c:<slug>` curated, `k:<movieCd>` KOBIS, `t:<id>` TMDB */
  id: string;
  source: MovieSource;
  kobisCd?: string;
  titleKo: string;
  titleEn?: string;
  aliases: string[];
  /** production / premiere year */
  year?: number;
  /** Korean theatrical release, YYYY-MM-DD */
  releaseDate?: string;
  directors: Person[];
  cast: Person[];
  /** Korean genre labels as KOBIS writes them (드라마, 액션, 공포(호러)…) */
  genres: string[];
  /** Korean country names (한국, 미국…) */
  countries: string[];
  /** minutes */
  runtime?: number;
}

/** A live source of film facts. Both methods may throw; the bot falls back to its catalog. */
export interface MovieProvider {
  readonly name: string;
  /** films whose title matches `title` (best first), with whatever facts the search returns */
  search(title: string): Promise<Movie[]>;
  /** fuller facts (cast, runtime, countries) for a film found earlier or in the catalog */
  details(movie: Movie): Promise<Movie | null>;
}

export type Field = 'director' | 'cast' | 'release' | 'genre' | 'runtime' | 'country';
export type Lang = 'ko' | 'en';
