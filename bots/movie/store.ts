// The movie catalog in DuckDB: `movies` (one row per film) and
// `movie_people` (directors and cast in billing order). Curated films are
// upserted at every start (idempotent); KOBIS imports never overwrite them.
import type { Database, Session } from '../../core/db.ts';
import type { Movie, MovieSource, Person } from './types.ts';

export const MOVIE_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS movies (
     id VARCHAR PRIMARY KEY,
     source VARCHAR NOT NULL,
     kobis_cd VARCHAR,
     title_ko VARCHAR NOT NULL,
     title_en VARCHAR,
     aliases VARCHAR NOT NULL DEFAULT '[]',
     year INTEGER,
     release_date VARCHAR,
     genres VARCHAR NOT NULL DEFAULT '[]',
     countries VARCHAR NOT NULL DEFAULT '[]',
     runtime INTEGER,
     type_nm VARCHAR,
     status VARCHAR,
     updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
   )`,
  `CREATE TABLE IF NOT EXISTS movie_people (
     movie_id VARCHAR NOT NULL,
     role VARCHAR NOT NULL,
     ord INTEGER NOT NULL,
     name_ko VARCHAR NOT NULL,
     name_en VARCHAR
   )`,
  `CREATE INDEX IF NOT EXISTS movie_people_movie ON movie_people (movie_id)`,
  `CREATE TABLE IF NOT EXISTS movie_api_cache (
     provider VARCHAR NOT NULL,
     key VARCHAR NOT NULL,
     body VARCHAR NOT NULL,
     fetched_at TIMESTAMPTZ NOT NULL,
     PRIMARY KEY (provider, key)
   )`,
];

export interface StoredMovie extends Movie {
  typeNm?: string;
  status?: string;
}

const COLUMNS = 'id, source, kobis_cd, title_ko, title_en, aliases, year, release_date, genres, countries, runtime, type_nm, status';

function rowValues(m: StoredMovie): unknown[] {
  return [
    m.id, m.source, m.kobisCd ?? null, m.titleKo, m.titleEn ?? null, JSON.stringify(m.aliases), m.year ?? null,
    m.releaseDate ?? null, JSON.stringify(m.genres), JSON.stringify(m.countries), m.runtime ?? null, m.typeNm ?? null, m.status ?? null,
  ];
}

/**
 * Insert or replace films and their people in one statement batch (call
 * inside a transaction). Batches keep 10k-row imports to a few statements.
 */
export async function upsertMovies(tx: Session, movies: readonly StoredMovie[], batch = 400): Promise<void> {
  for (let i = 0; i < movies.length; i += batch) {
    const chunk = movies.slice(i, i + batch);
    const placeholders = chunk.map(() => `(${Array(13).fill('?').join(', ')}, now())`).join(', ');
    await tx.run(
      `INSERT INTO movies (${COLUMNS}, updated_at) VALUES ${placeholders}
       ON CONFLICT (id) DO UPDATE SET source = excluded.source, kobis_cd = excluded.kobis_cd, title_ko = excluded.title_ko,
         title_en = excluded.title_en, aliases = excluded.aliases, year = excluded.year, release_date = excluded.release_date,
         genres = excluded.genres, countries = excluded.countries, runtime = excluded.runtime, type_nm = excluded.type_nm,
         status = excluded.status, updated_at = excluded.updated_at`,
      chunk.flatMap(rowValues),
    );
    const ids = chunk.map((m) => m.id);
    await tx.run(`DELETE FROM movie_people WHERE movie_id IN (${ids.map(() => '?').join(', ')})`, ids);
    const people: unknown[] = [];
    let rows = 0;
    for (const m of chunk) {
      for (const [role, list] of [['director', m.directors], ['cast', m.cast]] as const) {
        list.forEach((p: Person, ord) => {
          people.push(m.id, role, ord, p.ko, p.en ?? null);
          rows++;
        });
      }
    }
    if (rows > 0) {
      await tx.run(`INSERT INTO movie_people (movie_id, role, ord, name_ko, name_en) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?)').join(', ')}`, people);
    }
  }
}

export async function ensureMovieSchema(db: Database): Promise<void> {
  await db.ensureSchema(MOVIE_SCHEMA);
}

/** Seed the curated films (idempotent: same rows after every start). */
export async function seedCurated(db: Database, curated: readonly Movie[]): Promise<void> {
  await db.transaction((tx) => upsertMovies(tx, curated));
}

interface MovieRow {
  id: string;
  source: string;
  kobis_cd: string | null;
  title_ko: string;
  title_en: string | null;
  aliases: string;
  year: number | null;
  release_date: string | null;
  genres: string;
  countries: string;
  runtime: number | null;
}

interface PersonRow {
  movie_id: string;
  role: string;
  name_ko: string;
  name_en: string | null;
}

function list(json: string): string[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Every film with its people, for the in-memory index. */
export async function loadMovies(db: Database): Promise<Movie[]> {
  const rows = await db.all<MovieRow>(`SELECT ${COLUMNS} FROM movies`);
  const people = await db.all<PersonRow>('SELECT movie_id, role, name_ko, name_en FROM movie_people ORDER BY movie_id, role, ord');
  const byMovie = new Map<string, { directors: Person[]; cast: Person[] }>();
  for (const p of people) {
    let entry = byMovie.get(p.movie_id);
    if (!entry) byMovie.set(p.movie_id, (entry = { directors: [], cast: [] }));
    const person: Person = p.name_en ? { ko: p.name_ko, en: p.name_en } : { ko: p.name_ko };
    (p.role === 'director' ? entry.directors : entry.cast).push(person);
  }
  return rows.map((r) => ({
    id: r.id,
    source: r.source as MovieSource,
    kobisCd: r.kobis_cd ?? undefined,
    titleKo: r.title_ko,
    titleEn: r.title_en ?? undefined,
    aliases: list(r.aliases),
    year: r.year ?? undefined,
    releaseDate: r.release_date ?? undefined,
    genres: list(r.genres),
    countries: list(r.countries),
    runtime: r.runtime ?? undefined,
    directors: byMovie.get(r.id)?.directors ?? [],
    cast: byMovie.get(r.id)?.cast ?? [],
  }));
}
