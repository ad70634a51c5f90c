// The curated catalog (catalog.json) and the in-memory index the bot
// answers from: exact keys for titles and aliases, weak keys for a series
// (범죄도시 → 범죄도시2/3/4) or a title without its subtitle (한산), jamo
// sequences for typos, and people by name for filmographies.
import fs from 'node:fs';
import { z } from 'zod';
import { editDistance, isHangul, isSyllable, toJamo } from '../../core/korean/hangul.ts';
import { mainTitle, titleKey } from './text.ts';
import type { Movie, Person } from './types.ts';

const personText = z.string().regex(/^[^|]+(\|[^|]+)?$/, 'a person is "한국어 이름" or "한국어 이름|Romanized"');
const curatedSchema = z.object({
  note: z.string().optional(),
  movies: z.array(
    z.object({
      id: z.string().regex(/^[a-z0-9-]+$/),
      kobisCd: z.string().regex(/^\d{8}$/).optional(),
      titleKo: z.string().min(1),
      titleEn: z.string().min(1),
      aliases: z.array(z.string().min(1)),
      year: z.number().int().min(1900).max(2100),
      releaseDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      directors: z.array(personText).min(1),
      cast: z.array(personText),
      genres: z.array(z.string().min(1)).min(1),
      countries: z.array(z.string().min(1)).min(1),
      runtime: z.number().int().min(1).max(1000).optional(),
    }),
  ),
});

export const CURATED_FILE = new URL('./catalog.json', import.meta.url);

export function parsePerson(text: string): Person {
  const [ko, en] = text.split('|').map((s) => s.trim());
  return en ? { ko, en } : { ko };
}

/** The curated films, validated; throws naming the bad entry when catalog.json is wrong. */
export function loadCurated(file: URL | string = CURATED_FILE): Movie[] {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  const parsed = curatedSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`movie catalog ${String(file)}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data.movies.map((m) => ({
    id: `c:${m.id}`,
    source: 'curated' as const,
    kobisCd: m.kobisCd,
    titleKo: m.titleKo,
    titleEn: m.titleEn,
    aliases: m.aliases,
    year: m.year,
    releaseDate: m.releaseDate,
    directors: m.directors.map(parsePerson),
    cast: m.cast.map(parsePerson),
    genres: m.genres,
    countries: m.countries,
    runtime: m.runtime,
  }));
}

/** How a title in a question resolved against the catalog. */
export type TitleMatch =
  | { kind: 'one'; movie: Movie; fuzzy: boolean }
  | { kind: 'several'; movies: Movie[]; fuzzy: boolean }
  | { kind: 'none' };

export interface PersonEntry {
  person: Person;
  key: string;
  directed: Movie[];
  acted: Movie[];
}

interface FuzzyEntry {
  key: string;
  jamo: string[];
  id: string;
  curated: boolean;
}

const MAX_CHOICES = 6;

/** Allowed jamo edits for a query of this many jamo (or letters): short queries must match exactly. */
export function typoBudget(length: number, latin: boolean): number {
  if (latin) return length < 5 ? 0 : length < 9 ? 1 : length < 15 ? 2 : 3;
  return length < 4 ? 0 : length < 7 ? 1 : length < 13 ? 2 : 3;
}

/** Hangul syllables and Latin/digit letter pairs of a key. */
function grams(key: string): Set<string> {
  const out = new Set<string>();
  const chars = [...key];
  chars.forEach((c, i) => {
    if (isSyllable(c)) out.add(c);
    else if (i + 1 < chars.length) out.add(c + chars[i + 1]);
  });
  return out;
}

export const jamoOf = (key: string): string[] => [...toJamo(key, true)];

function byYear(a: Movie, b: Movie): number {
  return (a.year ?? 9999) - (b.year ?? 9999) || (a.releaseDate ?? '').localeCompare(b.releaseDate ?? '');
}

function add<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

export class MovieIndex {
  readonly byId = new Map<string, Movie>();
  private readonly strong = new Map<string, Set<string>>();
  private readonly weak = new Map<string, Set<string>>();
  private readonly fuzzyEntries: FuzzyEntry[] = [];
  /** fuzzy entries by syllable (Hangul) or letter pair (Latin): a typo leaves most of them in place */
  private readonly byGram = new Map<string, Set<FuzzyEntry>>();
  private readonly fuzzyMemo = new Map<string, { match: TitleMatch; distance: number } | null>();
  private readonly people = new Map<string, PersonEntry>();

  constructor(movies: readonly Movie[]) {
    for (const m of movies) this.add(m);
    for (const e of this.fuzzyEntries) {
      for (const g of grams(e.key)) add(this.byGram, g, e);
    }
    for (const p of this.people.values()) {
      p.directed.sort(byYear);
      p.acted.sort(byYear);
    }
  }

  get size(): number {
    return this.byId.size;
  }

  private add(m: Movie): void {
    this.byId.set(m.id, m);
    const names = [m.titleKo, m.titleEn ?? '', ...m.aliases].filter(Boolean);
    const keys = new Set<string>();
    for (const name of names) {
      const key = titleKey(name);
      if (!key) continue;
      keys.add(key);
      add(this.strong, key, m.id);
      const head = mainTitle(name);
      if (head) {
        const hk = titleKey(head);
        if (hk && hk !== key) {
          add(this.weak, hk, m.id);
          keys.add(hk);
        }
      }
      // A numbered sequel is also found by its series name (베테랑2 → 베테랑).
      const seq = /^(.*\D)(\d{1,2})$/u.exec(key);
      if (seq && seq[1].length >= 2) add(this.weak, seq[1], m.id);
    }
    for (const key of keys) this.fuzzyEntries.push({ key, jamo: jamoOf(key), id: m.id, curated: m.source === 'curated' });
    for (const [role, list] of [['directed', m.directors], ['acted', m.cast]] as const) {
      for (const person of list) {
        for (const name of [person.ko, person.en]) {
          const key = name ? titleKey(name) : '';
          if (key.length < 2) continue;
          let entry = this.people.get(key);
          if (!entry) this.people.set(key, (entry = { person, key, directed: [], acted: [] }));
          if (!entry.person.en && person.en) entry.person = person;
          if (!entry[role].includes(m)) entry[role].push(m);
        }
      }
    }
  }

  /** Films whose title, English title or alias has exactly this key (plus the series it names). */
  exact(key: string): TitleMatch {
    const strongIds = [...(this.strong.get(key) ?? [])];
    const weakIds = [...(this.weak.get(key) ?? [])].filter((id) => !strongIds.includes(id));
    const strong = strongIds.map((id) => this.byId.get(id)!);
    let weak = weakIds.map((id) => this.byId.get(id)!);
    // A famous (curated) film named exactly so wins over imported namesakes;
    // only its curated sequels make the question ambiguous.
    const curatedStrong = strong.filter((m) => m.source === 'curated');
    let pool: Movie[];
    if (curatedStrong.length > 0) {
      weak = weak.filter((m) => m.source === 'curated');
      pool = [...curatedStrong, ...weak];
    } else {
      pool = [...strong, ...weak];
    }
    return this.resolve(pool, false);
  }

  private resolve(pool: Movie[], fuzzy: boolean): TitleMatch {
    if (pool.length === 0) return { kind: 'none' };
    if (pool.length === 1) return { kind: 'one', movie: pool[0], fuzzy };
    const curated = pool.filter((m) => m.source === 'curated');
    const shown = [...curated.sort(byYear), ...pool.filter((m) => m.source !== 'curated').sort(byYear)].slice(0, MAX_CHOICES);
    return { kind: 'several', movies: shown.sort(byYear), fuzzy };
  }

  /**
   * Closest titles by jamo edit distance within the typo budget for the
   * key's length. `curatedOnly` when the question has no movie wording, so
   * small talk never turns into a random imported film.
   */
  fuzzy(key: string, curatedOnly = false): { match: TitleMatch; distance: number } | null {
    const memoKey = `${curatedOnly ? 1 : 0}${key}`;
    if (this.fuzzyMemo.has(memoKey)) return this.fuzzyMemo.get(memoKey)!;
    const found = this.fuzzyUncached(key, curatedOnly);
    if (this.fuzzyMemo.size > 5000) this.fuzzyMemo.clear();
    this.fuzzyMemo.set(memoKey, found);
    return found;
  }

  /** Entries of about the query's jamo length that share a syllable or letter pair with it. */
  private *near(key: string, length: number, spread: number): Generator<FuzzyEntry> {
    const seen = new Set<FuzzyEntry>();
    for (const g of grams(key)) {
      for (const e of this.byGram.get(g) ?? []) {
        if (seen.has(e) || Math.abs(e.jamo.length - length) > spread) continue;
        seen.add(e);
        yield e;
      }
    }
  }

  private fuzzyUncached(key: string, curatedOnly: boolean): { match: TitleMatch; distance: number } | null {
    const q = jamoOf(key);
    const latin = ![...key].some(isHangul);
    const budget = typoBudget(q.length, latin);
    if (budget === 0) return null;
    let best = budget + 1;
    let ids = new Set<string>();
    for (const e of this.near(key, q.length, budget)) {
      if (curatedOnly && !e.curated) continue;
      const d = editDistance(q, e.jamo, Math.min(best, budget));
      if (d < best) {
        best = d;
        ids = new Set([e.id]);
      } else if (d === best && d <= budget) ids.add(e.id);
    }
    if (best > budget || ids.size === 0) return null;
    const pool = [...ids].map((id) => this.byId.get(id)!);
    const curated = pool.filter((m) => m.source === 'curated');
    return { match: this.resolve(curated.length === 1 ? curated : pool, true), distance: best };
  }

  /** A few titles that look most like the key (for "did you mean"), however far. */
  suggest(key: string, n = 3): Movie[] {
    const q = jamoOf(key);
    if (q.length === 0) return [];
    const scored: { id: string; score: number }[] = [];
    // "Did you mean" allows up to 40% of the query's jamo to differ.
    const spread = Math.max(2, Math.ceil(q.length * 0.4));
    for (const e of this.near(key, q.length, spread)) {
      const limit = spread;
      const d = editDistance(q, e.jamo, limit);
      if (d > limit) continue;
      scored.push({ id: e.id, score: d / Math.max(q.length, e.jamo.length) - (e.curated ? 0.05 : 0) });
    }
    scored.sort((a, b) => a.score - b.score);
    const out: Movie[] = [];
    for (const s of scored) {
      const m = this.byId.get(s.id)!;
      if (!out.includes(m)) out.push(m);
      if (out.length >= n) break;
    }
    return out;
  }

  person(key: string): PersonEntry | undefined {
    return this.people.get(key);
  }

  /** A few curated titles for examples in help answers. */
  examples(n = 3): Movie[] {
    return [...this.byId.values()].filter((m) => m.source === 'curated').slice(0, n);
  }
}
