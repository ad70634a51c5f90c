// KOBIS Open API (영화진흥위원회): searchMovieList to find a film by its Korean
// title, searchMovieInfo for cast, runtime and countries. Key from
// KOBIS_API_KEY; base URL from KOBIS_BASE_URL (tests point it at a loopback
// server replaying recorded responses).
import { kobisRecordToMovie } from '../kobis-import.ts';
import type { Movie, MovieProvider } from '../types.ts';
import { cachedJson, type ApiCache } from './cache.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface KobisOptions {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  cache: ApiCache;
}

function fault(body: unknown): string | null {
  if (isObj(body) && isObj(body.faultInfo)) return `KOBIS error ${String(body.faultInfo.errorCode ?? '')} ${String(body.faultInfo.message ?? '')}`.trim();
  return null;
}

export function createKobisProvider(o: KobisOptions): MovieProvider {
  const base = o.baseUrl.replace(/\/+$/, '');
  const get = async (endpoint: string, params: Record<string, string>): Promise<unknown> => {
    const query = new URLSearchParams(params).toString();
    const url = `${base}/${endpoint}.json?${new URLSearchParams({ key: o.apiKey, ...params }).toString()}`;
    const body = await cachedJson(o.cache, 'kobis', `${endpoint}?${query}`, url, {}, o.timeoutMs);
    const err = fault(body);
    if (err) throw new Error(err);
    return body;
  };
  const toMovie = (rec: unknown): Movie | null => {
    const m = kobisRecordToMovie(rec);
    return typeof m === 'string' ? null : { ...m, source: 'kobis-api', id: `k:${m.kobisCd}` };
  };
  return {
    name: 'kobis',
    async search(title) {
      const body = await get('searchMovieList', { movieNm: title, itemPerPage: '10' });
      const list = isObj(body) && isObj(body.movieListResult) && Array.isArray(body.movieListResult.movieList) ? body.movieListResult.movieList : [];
      return list.map(toMovie).filter((m): m is Movie => m !== null);
    },
    async details(movie) {
      let cd = movie.kobisCd;
      if (!cd) {
        const found = await this.search(movie.titleKo);
        cd = (found.find((m) => m.year === movie.year || m.releaseDate === movie.releaseDate) ?? found[0])?.kobisCd;
        if (!cd) return null;
      }
      const body = await get('searchMovieInfo', { movieCd: cd });
      const info = isObj(body) && isObj(body.movieInfoResult) ? body.movieInfoResult.movieInfo : null;
      return info ? toMovie(info) : null;
    },
  };
}
