// `kchat movies import`: KOBIS Open API dumps → the catalog. Accepts the
// shapes the API and people's scripts produce: a searchMovieList response
// ({movieListResult:{movieList:[…]}}), a bare array of its movies, JSON
// lines, and movieInfoResult detail documents. Upsert by movieCd; a film the
// curated catalog already has stays curated.
import fs from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { cleanText } from '../../core/text.ts';
import type { Database } from '../../core/db.ts';
import { logger } from '../../core/log.ts';
import { loadCurated } from './catalog.ts';
import { ensureMovieSchema, seedCurated, upsertMovies, type StoredMovie } from './store.ts';
import { titleKey } from './text.ts';
import type { Movie, Person } from './types.ts';

const log = logger('bots.movie.import');

/** Fired after an import changed the catalog, so a running bot reloads its index. */
export const catalogEvents = new EventEmitter();

export interface Rejected {
  /** 1-based line (JSON lines) or record number (arrays) */
  line: number;
  reason: string;
}

export interface FileReport {
  file: string;
  format: 'searchMovieList' | 'array' | 'jsonl' | 'movieInfo' | 'unknown';
  read: number;
  imported: number;
  updated: number;
  /** records for films the curated catalog already has (curated facts win) */
  curated: number;
  rejected: Rejected[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? cleanText(String(v), 500).trim() : '');
const splitAlt = (v: unknown): string[] => str(v).split(',').map((s) => s.trim()).filter(Boolean);

function people(v: unknown, max = 20): Person[] {
  if (!Array.isArray(v)) return [];
  const out: Person[] = [];
  for (const p of v.slice(0, max)) {
    if (!isObj(p)) continue;
    const ko = str(p.peopleNm);
    const en = str(p.peopleNmEn);
    if (ko) out.push(en ? { ko, en } : { ko });
  }
  return out;
}

function names(v: unknown, field: string): string[] {
  return Array.isArray(v) ? v.map((x) => (isObj(x) ? str(x[field]) : '')).filter(Boolean) : [];
}

/** One KOBIS record (list or detail shape) → a catalog film, or the reason it cannot be one. */
export function kobisRecordToMovie(rec: unknown): StoredMovie | string {
  if (!isObj(rec)) return 'not a JSON object';
  const cd = str(rec.movieCd);
  if (!cd) return 'missing movieCd';
  // KOBIS codes are 8 characters, mostly digits (older ones such as 2010A019 hold a letter).
  if (!/^[0-9A-Za-z]{6,12}$/.test(cd)) return `movieCd "${cd.slice(0, 20)}" is not a KOBIS movie code`;
  const title = str(rec.movieNm);
  if (!title) return `movie ${cd}: missing movieNm`;
  const open = str(rec.openDt);
  let releaseDate: string | undefined;
  if (open) {
    const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(open);
    if (!m) return `movie ${cd}: openDt "${open.slice(0, 20)}" is not YYYYMMDD`;
    releaseDate = `${m[1]}-${m[2]}-${m[3]}`;
  }
  const prdtYear = Number(str(rec.prdtYear)) || undefined;
  const year = releaseDate ? Number(releaseDate.slice(0, 4)) : prdtYear;
  const showTm = Number(str(rec.showTm));
  const genres = Array.isArray(rec.genres) ? names(rec.genres, 'genreNm') : splitAlt(rec.genreAlt);
  const countries = Array.isArray(rec.nations) ? names(rec.nations, 'nationNm') : splitAlt(rec.nationAlt);
  const en = str(rec.movieNmEn);
  return {
    id: `k:${cd}`,
    source: 'kobis',
    kobisCd: cd,
    titleKo: title,
    titleEn: en || undefined,
    aliases: [],
    year,
    releaseDate,
    directors: people(rec.directors),
    cast: people(rec.actors, 10),
    genres,
    countries,
    runtime: Number.isInteger(showTm) && showTm > 0 ? showTm : undefined,
    typeNm: str(rec.typeNm) || undefined,
    status: str(rec.prdtStatNm) || undefined,
  };
}

/** Records of a parsed document, whatever KOBIS shape it has. */
function recordsOf(doc: unknown): { format: FileReport['format']; records: unknown[] } | null {
  if (Array.isArray(doc)) return { format: 'array', records: doc.flatMap((d) => recordsOf(d)?.records ?? [d]) };
  if (!isObj(doc)) return null;
  if (isObj(doc.movieListResult) && Array.isArray(doc.movieListResult.movieList)) return { format: 'searchMovieList', records: doc.movieListResult.movieList };
  if (isObj(doc.movieInfoResult) && isObj(doc.movieInfoResult.movieInfo)) return { format: 'movieInfo', records: [doc.movieInfoResult.movieInfo] };
  if ('movieCd' in doc) return { format: 'array', records: [doc] };
  return null;
}

/** Parse a dump's text into records (with their line/record numbers) and per-line errors. */
export function parseDump(text: string): { format: FileReport['format']; records: { line: number; rec: unknown }[]; rejected: Rejected[] } {
  const body = text.replace(/^\uFEFF/, '');
  try {
    const doc = JSON.parse(body) as unknown;
    const found = recordsOf(doc);
    if (!found) {
      const fault = isObj(doc) && isObj(doc.faultInfo) ? `: KOBIS error ${str(doc.faultInfo.errorCode)} ${str(doc.faultInfo.message)}` : '';
      return { format: 'unknown', records: [], rejected: [{ line: 1, reason: `not a KOBIS movie list or movie info document${fault}` }] };
    }
    return { format: found.format, records: found.records.map((rec, i) => ({ line: i + 1, rec })), rejected: [] };
  } catch {
    // Not one JSON document: JSON lines, one movie (or one API response) per line.
    const records: { line: number; rec: unknown }[] = [];
    const rejected: Rejected[] = [];
    body.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.trim();
      if (!line) return;
      try {
        const found = recordsOf(JSON.parse(line));
        if (!found) rejected.push({ line: i + 1, reason: 'not a KOBIS movie record' });
        else for (const rec of found.records) records.push({ line: i + 1, rec });
      } catch (err) {
        rejected.push({ line: i + 1, reason: `invalid JSON (${(err as Error).message.slice(0, 80)})` });
      }
    });
    if (records.length === 0 && !/^[[{]/.test(body.trimStart())) {
      return { format: 'unknown', records, rejected: [{ line: 1, reason: 'not JSON: expected a KOBIS JSON dump (searchMovieList, movieInfo, an array or JSON lines)' }] };
    }
    return { format: 'jsonl', records, rejected };
  }
}

/** Curated films by KOBIS code and by title key + year, to keep curated facts when KOBIS has the same film. */
function curatedLookup(curated: readonly Movie[]): (m: StoredMovie) => boolean {
  const codes = new Set(curated.map((m) => m.kobisCd).filter(Boolean));
  const byKey = new Map<string, Movie[]>();
  for (const m of curated) {
    for (const t of [m.titleKo, ...m.aliases]) {
      const k = titleKey(t);
      byKey.set(k, [...(byKey.get(k) ?? []), m]);
    }
  }
  return (m) => {
    if (m.kobisCd && codes.has(m.kobisCd)) return true;
    const years = (c: Movie) => [c.year, c.releaseDate ? Number(c.releaseDate.slice(0, 4)) : undefined].filter((y): y is number => !!y);
    return (byKey.get(titleKey(m.titleKo)) ?? []).some((c) => m.year !== undefined && years(c).some((y) => Math.abs(y - m.year!) <= 1));
  };
}

export interface ImportOptions {
  /** progress callback: (done, total) */
  onProgress?: (done: number, total: number) => void;
  /** how the file is named in the report (defaults to its base name) */
  label?: string;
}

/** Import one dump file into the catalog; never half-writes (one transaction per file). */
export async function importKobisFile(db: Database, file: string, options: ImportOptions = {}): Promise<FileReport> {
  const report: FileReport = { file: options.label ?? path.basename(file), format: 'unknown', read: 0, imported: 0, updated: 0, curated: 0, rejected: [] };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    report.rejected.push({ line: 0, reason: `cannot read file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    return report;
  }
  await ensureMovieSchema(db);
  const curated = loadCurated();
  // Curated rows must exist before imports so the catalog never lacks them.
  await seedCurated(db, curated);
  const isCurated = curatedLookup(curated);
  const parsed = parseDump(text);
  report.format = parsed.format;
  report.rejected.push(...parsed.rejected);
  // Lines of a JSON-lines dump that failed to parse were read too; a whole document of the wrong shape holds no records.
  report.read = parsed.records.length + (parsed.format === 'jsonl' ? parsed.rejected.length : 0);
  const byId = new Map<string, StoredMovie>();
  for (const { line, rec } of parsed.records) {
    const movie = kobisRecordToMovie(rec);
    if (typeof movie === 'string') {
      report.rejected.push({ line, reason: movie });
      continue;
    }
    if (isCurated(movie)) {
      report.curated++;
      continue;
    }
    byId.set(movie.id, movie); // the last record for a movieCd wins within a file
  }
  const movies = [...byId.values()];
  const chunk = 1000;
  await db.transaction(async (tx) => {
    for (let i = 0; i < movies.length; i += chunk) {
      const part = movies.slice(i, i + chunk);
      const ids = part.map((m) => m.id);
      const existing = await tx.all<{ id: string }>(`SELECT id FROM movies WHERE id IN (${ids.map(() => '?').join(', ')})`, ids);
      report.updated += existing.length;
      report.imported += part.length - existing.length;
      await upsertMovies(tx, part);
      options.onProgress?.(Math.min(i + chunk, movies.length), movies.length);
    }
  });
  report.rejected.sort((a, b) => a.line - b.line);
  log.info({ file: report.file, read: report.read, imported: report.imported, updated: report.updated, curated: report.curated, rejected: report.rejected.length }, 'kobis import');
  if (movies.length) catalogEvents.emit('changed');
  return report;
}
