// TMDB (themoviedb.org) with a v4 read token (TMDB_TOKEN, sent as Bearer)
// in Korean (language=ko-KR): search/movie to find a film, movie/{id} and
// movie/{id}/credits for runtime, countries, director and cast.
import type { Movie, MovieProvider, Person } from '../types.ts';
import { cachedJson, type ApiCache } from './cache.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const s = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

export interface TmdbOptions {
  token: string;
  baseUrl: string;
  timeoutMs: number;
  cache: ApiCache;
}

// TMDB's ISO 3166 codes → the Korean country names the catalog uses.
const COUNTRY_KO: Record<string, string> = {
  KR: '한국', US: '미국', GB: '영국', JP: '일본', CN: '중국', FR: '프랑스', DE: '독일', CA: '캐나다', HK: '홍콩', TW: '대만',
  AU: '호주', IT: '이탈리아', ES: '스페인', IN: '인도', NZ: '뉴질랜드',
};

function person(p: Obj): Person {
  const name = s(p.name);
  const original = s(p.original_name);
  return original && original !== name ? { ko: name, en: original } : { ko: name };
}

function fromSearch(r: Obj): Movie | null {
  const id = Number(r.id);
  const title = s(r.title);
  if (!Number.isInteger(id) || !title) return null;
  const date = /^\d{4}-\d{2}-\d{2}$/.test(s(r.release_date)) ? s(r.release_date) : undefined;
  const original = s(r.original_title);
  return {
    id: `t:${id}`,
    source: 'tmdb',
    titleKo: title,
    titleEn: original && original !== title ? original : undefined,
    aliases: [],
    year: date ? Number(date.slice(0, 4)) : undefined,
    releaseDate: date,
    directors: [],
    cast: [],
    genres: [],
    countries: [],
  };
}

export function createTmdbProvider(o: TmdbOptions): MovieProvider {
  const base = o.baseUrl.replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${o.token}` };
  const get = (pathAndQuery: string) => cachedJson(o.cache, 'tmdb', pathAndQuery, `${base}${pathAndQuery}`, headers, o.timeoutMs);
  return {
    name: 'tmdb',
    async search(title) {
      const body = await get(`/3/search/movie?${new URLSearchParams({ query: title, language: 'ko-KR', include_adult: 'false' }).toString()}`);
      const results = isObj(body) && Array.isArray(body.results) ? body.results : [];
      return results.filter(isObj).map(fromSearch).filter((m): m is Movie => m !== null);
    },
    async details(movie) {
      let id = movie.id.startsWith('t:') ? Number(movie.id.slice(2)) : NaN;
      let found: Movie | undefined = movie.source === 'tmdb' ? movie : undefined;
      if (!Number.isInteger(id)) {
        const hits = await this.search(movie.titleEn || movie.titleKo);
        found = hits.find((m) => movie.year !== undefined && m.year !== undefined && Math.abs(m.year - movie.year) <= 1) ?? hits[0];
        if (!found) return null;
        id = Number(found.id.slice(2));
      }
      const [info, credits] = await Promise.all([get(`/3/movie/${id}?language=ko-KR`), get(`/3/movie/${id}/credits?language=ko-KR`)]);
      const i = isObj(info) ? info : {};
      const c = isObj(credits) ? credits : {};
      const crew = Array.isArray(c.crew) ? c.crew.filter(isObj) : [];
      const cast = Array.isArray(c.cast) ? c.cast.filter(isObj) : [];
      const runtime = Number(i.runtime);
      const base = found ?? fromSearch(i) ?? movie;
      return {
        ...base,
        directors: crew.filter((p) => p.job === 'Director').map(person),
        cast: cast.sort((a, b) => Number(a.order ?? 0) - Number(b.order ?? 0)).slice(0, 6).map(person),
        genres: Array.isArray(i.genres) ? i.genres.filter(isObj).map((g) => s(g.name)).filter(Boolean) : [],
        countries: Array.isArray(i.production_countries)
          ? i.production_countries.filter(isObj).map((x) => COUNTRY_KO[s(x.iso_3166_1)] ?? s(x.name)).filter(Boolean)
          : [],
        runtime: Number.isInteger(runtime) && runtime > 0 ? runtime : undefined,
      };
    },
  };
}
