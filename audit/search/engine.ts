// The search index: an in-memory inverted index over character bigrams of
// the folded text (plus single characters for one-syllable queries), with
// the fields hits and filters need kept in typed arrays. It is built from
// DuckDB at startup and caught up before every search by reading the rows
// whose DuckDB rowid is above the last one seen, so it never misses what
// ingest wrote and needs no hook in ingest. See docs/audit.md for the design.
//
// Why bigrams: Korean words are short (파묘, 감독) and glued to particles, so
// a word index cannot find 감독 inside 감독은; every substring of two or more
// characters is the intersection of its bigrams' postings, and a two-character
// needle is answered exactly by one posting list. Longer needles are verified
// against the text (documents whose bigrams all match but not adjacently).
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Database } from '../../core/db.ts';
import { logger } from '../../core/log.ts';
import { fold, highlightRanges } from './fold.ts';
import type { ParsedQuery } from './query.ts';

const log = logger('audit.search');

const LINK_RE = /https?:\/\/|www\./iu;
const TYPES = ['message', 'join', 'leave', 'nick', 'bot', 'system'];

/** A row as the index reads it from `messages`. */
export interface IndexRow {
  rid: number;
  id: string;
  channel: string;
  nick: string;
  type: string;
  text: string;
  ts_ms: number;
  kafka_partition: number | null;
  kafka_offset: number | null;
}

export interface Hit {
  id: string;
  channel: string;
  nick: string;
  text: string;
  ts: number;
  type: string;
  kafka: { partition: number | null; offset: number | null };
  highlights: [number, number][];
}

export interface Facet {
  value: string;
  count: number;
}

export interface SearchResult {
  hits: Hit[];
  next_cursor: string | null;
  total: number;
  facets: { channels: Facet[]; users: Facet[] };
}

/** A growable sorted list of document numbers. */
class Posting {
  docs = new Uint32Array(4);
  n = 0;
  last = -1;
  add(doc: number): void {
    if (doc === this.last) return;
    if (this.n === this.docs.length) {
      const bigger = new Uint32Array(this.docs.length * 2);
      bigger.set(this.docs);
      this.docs = bigger;
    }
    this.docs[this.n++] = doc;
    this.last = doc;
  }
  has(doc: number): boolean {
    let lo = 0;
    let hi = this.n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.docs[mid];
      if (v === doc) return true;
      if (v < doc) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
}

function grow<T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const ctor = a.constructor as new (n: number) => T;
  const b = new ctor(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

class Dict {
  readonly ids = new Map<string, number>();
  readonly names: string[] = [];
  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.ids.set(name, id);
    }
    return id;
  }
}

export function encodeCursor(ts: number, id: string): string {
  return Buffer.from(JSON.stringify([ts, id])).toString('base64url');
}

/** The (ts, id) a cursor stands for, or null when it is not one of ours. */
export function decodeCursor(cursor: string): { ts: number; id: string } | null {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && Number.isFinite(v[0]) && typeof v[1] === 'string') return { ts: v[0], id: v[1] };
  } catch {
    // fall through
  }
  return null;
}

export class SearchIndex {
  private n = 0;
  private ts = new Float64Array(1024);
  private chan = new Uint32Array(1024);
  private nick = new Uint32Array(1024);
  private type = new Uint8Array(1024);
  private link = new Uint8Array(1024);
  private part = new Int32Array(1024);
  private offset = new Float64Array(1024);
  private readonly ids: string[] = [];
  private readonly texts: string[] = [];
  /** folded texts (see fold.ts) for verifying needles longer than one bigram */
  private readonly folded: string[] = [];
  private readonly channels = new Dict();
  private readonly nicks = new Dict();
  private readonly bigrams = new Map<number, Posting>();
  private readonly unigrams = new Map<number, Posting>();
  // UTF-16 unit → small dense id (1-based; 0 = not seen yet). Bigram keys are
  // id·65536 + id, which stay V8 small integers while there are < 16384
  // distinct characters, so the Map lookups on the indexing path stay fast.
  private readonly charId = new Uint32Array(65536);
  private chars = 0;
  private lastRid = -1;
  private catching: Promise<void> | null = null;
  private connection: DuckDBConnection | null = null;

  constructor(private readonly db: Database | null = null) {}

  get size(): number {
    return this.n;
  }

  /** Add rows (in any order of ts); each must be new to the index. */
  add(rows: readonly IndexRow[]): void {
    for (const r of rows) {
      const doc = this.n++;
      if (doc >= this.ts.length) {
        const need = doc + 1;
        this.ts = grow(this.ts, need);
        this.chan = grow(this.chan, need);
        this.nick = grow(this.nick, need);
        this.type = grow(this.type, need);
        this.link = grow(this.link, need);
        this.part = grow(this.part, need);
        this.offset = grow(this.offset, need);
      }
      const text = String(r.text ?? '');
      this.ts[doc] = Number(r.ts_ms);
      this.chan[doc] = this.channels.id(String(r.channel).toLowerCase());
      this.nick[doc] = this.nicks.id(String(r.nick));
      const t = TYPES.indexOf(r.type);
      this.type[doc] = t < 0 ? 255 : t;
      this.link[doc] = LINK_RE.test(text) ? 1 : 0;
      this.part[doc] = r.kafka_partition === null || r.kafka_partition === undefined ? -1 : Number(r.kafka_partition);
      this.offset[doc] = r.kafka_offset === null || r.kafka_offset === undefined ? NaN : Number(r.kafka_offset);
      this.ids.push(String(r.id));
      this.texts.push(text);
      const f = fold(text);
      this.folded.push(f);
      let prev = -1;
      for (let i = 0; i < f.length; i++) {
        const a = f.charCodeAt(i);
        const id = this.idOf(a, true);
        if (a >= 0x80) this.posting(this.unigrams, id).add(doc);
        if (prev >= 0) this.posting(this.bigrams, prev * 65536 + id).add(doc);
        prev = id;
      }
      if (r.rid > this.lastRid) this.lastRid = r.rid;
    }
  }

  private idOf(unit: number, create: boolean): number {
    let id = this.charId[unit];
    if (id === 0 && create) id = this.charId[unit] = ++this.chars;
    return id;
  }

  private posting(map: Map<number, Posting>, key: number): Posting {
    let p = map.get(key);
    if (!p) {
      p = new Posting();
      map.set(key, p);
    }
    return p;
  }

  /** Release the index's DuckDB connection (before the database closes). */
  close(): void {
    this.connection?.closeSync();
    this.connection = null;
  }

  /** Read rows ingest wrote since the last call (shared by concurrent callers). */
  catchUp(): Promise<void> {
    if (!this.db) return Promise.resolve();
    this.catching ??= this.readNew().finally(() => {
      this.catching = null;
    });
    return this.catching;
  }

  private async readNew(): Promise<void> {
    const db = this.db!;
    // Columns, not row objects: at millions of rows the per-row objects cost more than the indexing.
    this.connection ??= await db.instance.connect();
    const batch = 200_000;
    for (;;) {
      let cols: unknown[][];
      try {
        const reader = await this.connection.runAndReadAll(
          `SELECT rowid AS rid, id, channel, nick, type, text,
                  COALESCE(ts_ms, epoch_ms(ts)) AS ts_ms, kafka_partition, kafka_offset
             FROM messages WHERE rowid > $1 ORDER BY rowid LIMIT ${batch}`,
          [BigInt(this.lastRid)],
        );
        cols = reader.getColumnsJS() as unknown[][];
      } catch (err) {
        // Before ingest created its table there is simply nothing to search.
        if (/does not exist/i.test((err as Error).message)) return;
        throw err;
      }
      const count = cols[0]?.length ?? 0;
      if (count === 0) return;
      const [rid, id, channel, nick, type, text, ts, part, offset] = cols;
      const rows: IndexRow[] = new Array(count);
      const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
      for (let i = 0; i < count; i++) {
        rows[i] = {
          rid: Number(rid[i]),
          id: String(id[i]),
          channel: String(channel[i]),
          nick: String(nick[i]),
          type: String(type[i]),
          text: String(text[i] ?? ''),
          ts_ms: Number(ts[i]),
          kafka_partition: num(part[i]),
          kafka_offset: num(offset[i]),
        };
      }
      this.add(rows);
      log.debug({ indexed: this.n }, 'search index caught up');
      if (count < batch) return;
    }
  }

  /** Documents containing a folded needle exactly (needles of ≤ 2 characters) or as candidates (longer). */
  private listsFor(needle: string): Posting[] | null {
    if (needle.length === 1) {
      const c = needle.charCodeAt(0);
      if (c < 0x80) return null; // single ASCII letters are not indexed: scan
      return [this.unigrams.get(this.idOf(c, false)) ?? new Posting()];
    }
    const seen = new Set<number>();
    const out: Posting[] = [];
    for (let i = 0; i + 1 < needle.length; i++) {
      const a = this.idOf(needle.charCodeAt(i), false);
      const b = this.idOf(needle.charCodeAt(i + 1), false);
      if (a === 0 || b === 0) return [new Posting()]; // a character never seen: nothing matches
      const key = a * 65536 + b;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(this.bigrams.get(key) ?? new Posting());
    }
    return out;
  }

  private contains(doc: number, needle: string): boolean {
    return this.folded[doc].includes(needle);
  }

  async search(q: ParsedQuery, options: { limit: number; cursor?: { ts: number; id: string } | null }): Promise<SearchResult> {
    await this.catchUp();
    return this.searchNow(q, options);
  }

  /** Search what is indexed now (no catch-up). */
  searchNow(q: ParsedQuery, options: { limit: number; cursor?: { ts: number; id: string } | null }): SearchResult {
    const { limit } = options;
    const cursor = options.cursor ?? null;
    const empty: SearchResult = { hits: [], next_cursor: null, total: 0, facets: { channels: [], users: [] } };

    // Filters as masks over dictionary ids.
    let chanMask: Uint8Array | null = null;
    if (q.channels.length) {
      chanMask = new Uint8Array(this.channels.names.length);
      for (const c of q.channels) {
        const id = this.channels.ids.get(c);
        if (id !== undefined) chanMask[id] = 1;
      }
    }
    let nickMask: Uint8Array | null = null;
    if (q.nicks.length) {
      nickMask = new Uint8Array(this.nicks.names.length);
      const wanted = new Set(q.nicks.map((n) => fold(n)));
      this.nicks.names.forEach((name, id) => {
        if (wanted.has(fold(name))) nickMask![id] = 1;
      });
    }
    const typeMask = q.types.length ? new Set(q.types.map((t) => TYPES.indexOf(t))) : null;

    // Candidate lists: every posting of every must-needle; the shortest drives the walk.
    const lists: Posting[] = [];
    const verify: string[] = [];
    for (const needle of q.must) {
      const l = this.listsFor(needle);
      if (l === null || needle.length > 2) verify.push(needle);
      if (!l) continue;
      if (needle.length > 2) {
        // The text check confirms the needle anyway: walking only its rarest bigram's
        // list is cheaper than intersecting all of them (deploy = de·ep·pl·lo·oy).
        lists.push(l.reduce((a, b) => (b.n < a.n ? b : a)));
      } else lists.push(...l);
    }
    if (lists.some((l) => l.n === 0)) return empty;
    lists.sort((a, b) => a.n - b.n);
    const notChecks = q.not.map((needle) => ({ needle, lists: this.listsFor(needle) }));

    const chanCount = new Uint32Array(this.channels.names.length);
    const nickCount = new Uint32Array(this.nicks.names.length);
    let total = 0;
    const k = limit + 1;
    const top: number[] = []; // best first: ts desc, id desc
    const better = (a: number, b: number) => this.ts[a] > this.ts[b] || (this.ts[a] === this.ts[b] && this.ids[a] > this.ids[b]);

    const driver = lists[0];
    const others = lists.slice(1);
    const ptr = others.map((l) => l.n - 1);
    const count = driver ? driver.n : this.n;
    for (let i = count - 1; i >= 0; i--) {
      const doc = driver ? driver.docs[i] : i;
      // intersect: walk each other list downwards alongside
      let inAll = true;
      for (let j = 0; j < others.length; j++) {
        const docs = others[j].docs;
        let p = ptr[j];
        while (p >= 0 && docs[p] > doc) p--;
        ptr[j] = p;
        if (p < 0 || docs[p] !== doc) {
          inAll = false;
          break;
        }
      }
      if (!inAll) continue;
      const ts = this.ts[doc];
      if (q.from !== null && !(ts >= q.from)) continue;
      if (q.to !== null && !(ts < q.to)) continue;
      if (chanMask && !chanMask[this.chan[doc]]) continue;
      if (nickMask && !nickMask[this.nick[doc]]) continue;
      if (typeMask && !typeMask.has(this.type[doc])) continue;
      if (q.hasLink && !this.link[doc]) continue;
      let ok = true;
      for (const needle of verify) {
        if (!this.contains(doc, needle)) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      for (const c of notChecks) {
        // exact for ≤ 2 characters; longer needles are only checked when all their bigrams are there
        const candidate = c.lists === null ? true : c.lists.every((l) => l.has(doc));
        if (candidate && (c.needle.length <= 2 && c.lists !== null ? true : this.contains(doc, c.needle))) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      total++;
      chanCount[this.chan[doc]]++;
      nickCount[this.nick[doc]]++;
      if (cursor && !(ts < cursor.ts || (ts === cursor.ts && this.ids[doc] < cursor.id))) continue;
      if (top.length === k && !better(doc, top[k - 1])) continue;
      let at = top.length;
      while (at > 0 && better(doc, top[at - 1])) at--;
      top.splice(at, 0, doc);
      if (top.length > k) top.pop();
    }

    const page = top.slice(0, limit);
    const hits: Hit[] = page.map((doc) => ({
      id: this.ids[doc],
      channel: this.channels.names[this.chan[doc]],
      nick: this.nicks.names[this.nick[doc]],
      text: this.texts[doc],
      ts: this.ts[doc],
      type: TYPES[this.type[doc]] ?? 'message',
      kafka: { partition: this.part[doc] < 0 ? null : this.part[doc], offset: Number.isNaN(this.offset[doc]) ? null : this.offset[doc] },
      highlights: highlightRanges(this.texts[doc], q.highlight),
    }));
    const last = page.at(-1);
    const facet = (counts: Uint32Array, names: string[]): Facet[] => {
      const out: Facet[] = [];
      counts.forEach((count, id) => {
        if (count > 0) out.push({ value: names[id], count });
      });
      return out.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)).slice(0, 20);
    };
    return {
      hits,
      next_cursor: top.length > limit && last !== undefined ? encodeCursor(this.ts[last], this.ids[last]) : null,
      total,
      facets: { channels: facet(chanCount, this.channels.names), users: facet(nickCount, this.nicks.names) },
    };
  }
}
