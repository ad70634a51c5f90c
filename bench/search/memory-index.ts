// BASELINE for bench/search: kchat's former search index, kept here unchanged
// so the benchmark can measure it beside the Lucene service that replaced it
// (search/, docs/search.md). Not used by the product.
//
// An in-memory inverted index over character bigrams of the folded text (plus
// single characters for one-syllable queries), with the fields hits and
// filters need kept in typed arrays. It is built from the message log (DuckDB)
// at startup and caught up before every search. Very large candidate sets get
// an exact newest part and a sampled estimate of the rest (total_exact: false).
import type { Database } from '../../core/db.ts';
import { messageLog, type MessageLog } from '../../ingest/index.ts';
import { logger } from '../../core/log.ts';
import { fold, foldInto, highlightRanges } from '../../audit/search/fold.ts';
import type { ParsedQuery } from '../../audit/search/query.ts';
import type { Facet, Hit as ServiceHit, SearchView } from '../../audit/search/client.ts';

const log = logger('bench.memory-index');

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
  /** an ephemeral answer (meta.visible_to): auditors find it, members never do */
  restricted?: boolean;
}

// The service's view and hit, less what the old index never knew (authors' ids, versions).
export type { Facet, SearchView };
export type Hit = Omit<ServiceHit, 'user_id' | 'edited' | 'deleted'>;

export interface SearchResult {
  hits: Hit[];
  next_cursor: string | null;
  /** matches of the whole query (not just the page); an estimate when total_exact is false */
  total: number;
  /** false when total was estimated from a verified sample (very large candidate sets) */
  total_exact: boolean;
  facets: { channels: Facet[]; users: Facet[] };
  /** false when the facet counts were estimated from the same sample */
  facets_exact: boolean;
}

/** A growable sorted list of document numbers (row ordinals, ascending). */
class Posting {
  docs = new Uint32Array(4);
  n = 0;
  last = -1;
  add(doc: number): void {
    if (doc === this.last) return;
    if (this.n === this.docs.length) {
      // grow by 1/2 (not 2×): big lists waste at most a third, and trim() removes even that after a bulk load
      const bigger = new Uint32Array(this.n + Math.max(8, this.n >>> 1));
      bigger.set(this.docs);
      this.docs = bigger;
    }
    this.docs[this.n++] = doc;
    this.last = doc;
  }
  /** Drop the unused tail of the array (after a bulk load). */
  trim(): void {
    if (this.docs.length > this.n) this.docs = this.docs.slice(0, this.n);
  }
  has(doc: number): boolean {
    let lo = 0;
    let hi = this.n - 1;
    const docs = this.docs;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = docs[mid];
      if (v === doc) return true;
      if (v < doc) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
}

const EMPTY = new Posting();

/** The largest index ≤ p whose doc is ≤ doc (−1 if none), galloping down from p. */
function seekDown(docs: Uint32Array, p: number, doc: number): number {
  if (p < 0 || docs[p] <= doc) return p;
  let hi = p; // docs[hi] > doc
  let step = 1;
  let lo = hi - 1;
  while (lo >= 0 && docs[lo] > doc) {
    hi = lo;
    step *= 2;
    lo = hi - step;
  }
  if (lo < 0) lo = -1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (docs[mid] > doc) hi = mid;
    else lo = mid;
  }
  return lo;
}

function grow<T extends Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const ctor = a.constructor as new (n: number) => T;
  const b = new ctor(Math.max(need, Math.ceil(a.length * 1.5)));
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

/** Candidates whose text is checked exactly before walk 2 samples the rest. */
const EXACT_VERIFY = 50_000;
/** The same when postings and columns alone decide (each match still costs a cache miss or two at 10M). */
const EXACT_POSTINGS = 100_000;
/** Sample points for an estimated total and facets: candidates needing a text check, and those the postings and columns decide (cheaper, so more). */
const SAMPLE = 20_000;
const SAMPLE_CHEAP = 80_000;

const utf8 = new TextDecoder();
const BLOCK_BITS = 10;
/** Posting steps (positions of the driving list × lists) walked exactly before walk 2 switches to sampling the rest. */
const EXACT_STEPS = 1_000_000;

export class SearchIndex {
  private n = 0;
  private ts = new Float64Array(1024);
  /** running maximum of ts over docs 0..d: no doc at or below d is newer (stops newest-first walks early) */
  private maxTs = new Float64Array(1024);
  /** minimum ts of each block of 1024 docs: lets walks jump over blocks that are all newer than `before:`/the cursor */
  private blockMin = new Float64Array(64).fill(Infinity);
  /** channel id and nick id of doc d at [2d] and [2d + 1]: facet counting touches one cache line */
  private cn = new Uint32Array(2048);
  private type = new Uint8Array(1024);
  private link = new Uint8Array(1024);
  private part = new Int32Array(1024);
  private offset = new Float64Array(1024);
  // ids and texts as UTF-8 in one buffer each (doc d = bytes off[d]..off[d+1]); no per-row strings
  private idBuf: Buffer = Buffer.alloc(1 << 16);
  private idOff = new Float64Array(1025);
  private textBuf: Buffer = Buffer.alloc(1 << 20);
  private textOff = new Float64Array(1025);
  /** folded texts (see fold.ts) as UTF-16 units in one array, for verifying needles longer than one bigram */
  private foldBuf = new Uint16Array(1 << 20);
  private foldOff = new Float64Array(1025);
  private readonly channels = new Dict();
  private readonly nicks = new Dict();
  private readonly chanDocs: Posting[] = [];
  private readonly nickDocs: Posting[] = [];
  private readonly bigrams = new Map<number, Posting>();
  private readonly unigrams = new Map<number, Posting>();
  /** docs that are ephemeral answers (few): left out of members' searches */
  private readonly restricted = new Set<number>();
  // UTF-16 unit → small dense id (1-based; 0 = not seen yet). Bigram keys are
  // id·65536 + id, which stay V8 small integers while there are < 16384
  // distinct characters, so the Map lookups on the indexing path stay fast.
  private readonly charId = new Uint32Array(65536);
  private chars = 0;
  private lastRid = -1;
  private catching: Promise<void> | null = null;
  private readonly log: MessageLog | null;
  /** a commit came in since the last catch-up started (true at first: nothing read yet) */
  private stale = true;
  private readonly unsubscribe: () => void;

  constructor(db: Database | null = null) {
    this.log = db ? messageLog(db) : null;
    // told after every commit instead of asking the table before each search
    this.unsubscribe = this.log?.onCommit(() => {
      this.stale = true;
    }) ?? (() => undefined);
  }

  get size(): number {
    return this.n;
  }

  /** Add rows (in any order of ts); each must be new to the index. */
  add(rows: readonly IndexRow[]): void {
    for (const r of rows) {
      this.addOne(r.rid, String(r.id), String(r.channel), String(r.nick), String(r.type), String(r.text ?? ''), Number(r.ts_ms), r.kafka_partition, r.kafka_offset, r.restricted === true);
    }
  }

  private addOne(
    rid: number,
    id: string,
    channel: string,
    nick: string,
    type: string,
    text: string,
    ts: number,
    partition: number | null | undefined,
    offset: number | null | undefined,
    restricted: boolean,
  ): void {
    const doc = this.n++;
    if (restricted) this.restricted.add(doc);
    if (doc >= this.ts.length) {
      const need = doc + 1;
      this.ts = grow(this.ts, need);
      this.maxTs = grow(this.maxTs, need);
      this.cn = grow(this.cn, 2 * need);
      this.type = grow(this.type, need);
      this.link = grow(this.link, need);
      this.part = grow(this.part, need);
      this.offset = grow(this.offset, need);
    }
    if (doc + 2 > this.idOff.length) {
      this.idOff = grow(this.idOff, doc + 2);
      this.textOff = grow(this.textOff, doc + 2);
      this.foldOff = grow(this.foldOff, doc + 2);
    }
    this.ts[doc] = ts;
    const before = doc > 0 ? this.maxTs[doc - 1] : -Infinity;
    this.maxTs[doc] = ts > before ? ts : before;
    const block = doc >>> BLOCK_BITS;
    if (block >= this.blockMin.length) {
      const bigger = new Float64Array(this.blockMin.length * 2).fill(Infinity);
      bigger.set(this.blockMin);
      this.blockMin = bigger;
    }
    if (!(ts >= this.blockMin[block])) this.blockMin[block] = ts;
    const c = this.channels.id(channel.toLowerCase());
    this.cn[2 * doc] = c;
    (this.chanDocs[c] ??= new Posting()).add(doc);
    const k = this.nicks.id(nick);
    this.cn[2 * doc + 1] = k;
    (this.nickDocs[k] ??= new Posting()).add(doc);
    const t = TYPES.indexOf(type);
    this.type[doc] = t < 0 ? 255 : t;
    this.link[doc] = LINK_RE.test(text) ? 1 : 0;
    this.part[doc] = partition === null || partition === undefined ? -1 : Number(partition);
    this.offset[doc] = offset === null || offset === undefined ? NaN : Number(offset);
    this.idBuf = this.putUtf8(this.idBuf, this.idOff, doc, id);
    this.textBuf = this.putUtf8(this.textBuf, this.textOff, doc, text);

    // folded text straight into the shared array, then its bigrams/unigrams
    const start = this.foldOff[doc];
    if (start + text.length > this.foldBuf.length) this.foldBuf = grow(this.foldBuf, start + text.length);
    let end = foldInto(text, this.foldBuf, start);
    if (end < 0) {
      const f = fold(text);
      if (start + f.length > this.foldBuf.length) this.foldBuf = grow(this.foldBuf, start + f.length);
      for (let i = 0; i < f.length; i++) this.foldBuf[start + i] = f.charCodeAt(i);
      end = start + f.length;
    }
    this.foldOff[doc + 1] = end;
    const units = this.foldBuf;
    let prev = -1;
    for (let i = start; i < end; i++) {
      const a = units[i];
      const cid = this.idOf(a, true);
      if (a >= 0x80) this.posting(this.unigrams, cid).add(doc);
      if (prev >= 0) this.posting(this.bigrams, prev * 65536 + cid).add(doc);
      prev = cid;
    }
    if (rid > this.lastRid) this.lastRid = rid;
  }

  private putUtf8(buf: Buffer, off: Float64Array, doc: number, s: string): Buffer {
    const at = off[doc];
    const need = at + s.length * 3;
    if (need > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, Math.ceil(buf.length * 1.5)));
      buf.copy(bigger, 0, 0, at);
      buf = bigger;
    }
    off[doc + 1] = at + buf.write(s, at, 'utf8');
    return buf;
  }

  private idAt(doc: number): string {
    return this.idBuf.toString('utf8', this.idOff[doc], this.idOff[doc + 1]);
  }

  private textAt(doc: number): string {
    return utf8.decode(this.textBuf.subarray(this.textOff[doc], this.textOff[doc + 1]));
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

  /** Give back the slack of every growable array (after a bulk load). */
  private trim(): void {
    for (const p of this.bigrams.values()) p.trim();
    for (const p of this.unigrams.values()) p.trim();
    for (const p of this.chanDocs) p?.trim();
    for (const p of this.nickDocs) p?.trim();
    // per-doc arrays and buffers only when the slack is worth a copy (a reserved bulk load has little)
    const n = this.n;
    const fit = <T extends Float64Array | Uint32Array | Int32Array | Uint8Array | Uint16Array>(a: T, used: number, room: number): T =>
      a.length > used * 1.1 + room ? (a.slice(0, used + room) as T) : a;
    this.ts = fit(this.ts, n, 1024);
    this.maxTs = fit(this.maxTs, n, 1024);
    this.cn = fit(this.cn, 2 * n, 2048);
    this.type = fit(this.type, n, 1024);
    this.link = fit(this.link, n, 1024);
    this.part = fit(this.part, n, 1024);
    this.offset = fit(this.offset, n, 1024);
    this.idOff = fit(this.idOff, n + 1, 1024);
    this.textOff = fit(this.textOff, n + 1, 1024);
    this.foldOff = fit(this.foldOff, n + 1, 1024);
    this.foldBuf = fit(this.foldBuf, this.foldOff[n], 1 << 16);
    const fitBuf = (b: Buffer, used: number, room: number): Buffer => {
      if (b.length <= used * 1.1 + room) return b;
      const c = Buffer.allocUnsafe(used + room);
      b.copy(c, 0, 0, used);
      return c;
    };
    this.idBuf = fitBuf(this.idBuf, this.idOff[n], 1 << 12);
    this.textBuf = fitBuf(this.textBuf, this.textOff[n], 1 << 16);
  }

  /** Bytes held by the index's arrays, by part (postings, per-doc columns, texts). */
  memory(): { postings: number; columns: number; texts: number; folded: number; ids: number } {
    let postings = 0;
    for (const m of [this.bigrams, this.unigrams]) for (const p of m.values()) postings += p.docs.byteLength + 48;
    for (const p of [...this.chanDocs, ...this.nickDocs]) postings += p ? p.docs.byteLength + 48 : 0;
    const columns = [this.ts, this.maxTs, this.cn, this.type, this.link, this.part, this.offset, this.idOff, this.textOff, this.foldOff].reduce((a, b) => a + b.byteLength, 0);
    return { postings, columns, texts: this.textBuf.length, folded: this.foldBuf.byteLength, ids: this.idBuf.length };
  }

  /** Stop listening to the log (before the database closes). */
  close(): void {
    this.unsubscribe();
  }

  /** Read rows ingest committed since the last catch-up, if a commit came in (shared by concurrent callers). */
  catchUp(): Promise<void> {
    if (!this.log || (!this.stale && !this.catching)) return Promise.resolve();
    this.catching ??= (async () => {
      while (this.stale) {
        this.stale = false;
        try {
          await this.readNew();
        } catch (err) {
          this.stale = true;
          throw err;
        }
      }
    })().finally(() => {
      this.catching = null;
    });
    return this.catching;
  }

  private async readNew(): Promise<void> {
    const messages = this.log!;
    // One streaming read, batch by batch (DuckDB's 2048-row vectors): no
    // materialised result and no row objects. Rows come in arrival order,
    // which keeps docs close to ts order.
    if (this.n === 0) await this.reserve();
    const before = this.n;
    const fields = ['position', 'id', 'channel', 'nick', 'type', 'text', 'ts', 'partition', 'offset', 'restricted'] as const;
    for await (const b of messages.readSince(this.lastRid, { fields })) {
      for (let i = 0; i < b.size; i++) {
        this.addOne(b.position[i], b.id[i], b.channel[i], b.nick[i], b.type[i], b.text[i] ?? '', b.ts[i] as number, b.partition[i], b.offset[i], b.restricted[i] === true);
      }
    }
    if (this.n - before >= 100_000) this.trim();
    if (this.n > before) log.debug({ indexed: this.n }, 'search index caught up');
  }

  /** Before the first (bulk) read: size the per-doc arrays and text buffers once instead of growing them by copies. */
  private async reserve(): Promise<void> {
    const { rows: docs, idBytes, textBytes, textChars: chars } = await this.log!.sizesSince(this.lastRid);
    if (!(docs > 0)) return;
    const cap = docs + 1024;
    const fresh = <T extends Float64Array | Uint32Array | Int32Array | Uint8Array>(a: T, n: number): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a.subarray(0, Math.min(a.length, n)));
      return b;
    };
    this.ts = fresh(this.ts, cap);
    this.maxTs = fresh(this.maxTs, cap);
    this.cn = fresh(this.cn, 2 * cap);
    this.type = fresh(this.type, cap);
    this.link = fresh(this.link, cap);
    this.part = fresh(this.part, cap);
    this.offset = fresh(this.offset, cap);
    this.idOff = fresh(this.idOff, cap + 1);
    this.textOff = fresh(this.textOff, cap + 1);
    this.foldOff = fresh(this.foldOff, cap + 1);
    // UTF-8 bytes plus room for putUtf8's worst-case check of the last row; folded ≤ UTF-16 length (code points + a few surrogates)
    this.idBuf = Buffer.allocUnsafe(idBytes + (1 << 16));
    this.textBuf = Buffer.allocUnsafe(textBytes + (1 << 20));
    this.foldBuf = new Uint16Array(Math.ceil(chars * 1.01) + (1 << 16));
  }

  /** Documents containing a folded needle exactly (needles of ≤ 2 characters) or as candidates (longer). */
  private listsFor(needle: string): Posting[] | null {
    if (needle.length === 1) {
      const c = needle.charCodeAt(0);
      if (c < 0x80) return null; // single ASCII letters are not indexed: scan
      return [this.unigrams.get(this.idOf(c, false)) ?? EMPTY];
    }
    const seen = new Set<number>();
    const out: Posting[] = [];
    for (let i = 0; i + 1 < needle.length; i++) {
      const a = this.idOf(needle.charCodeAt(i), false);
      const b = this.idOf(needle.charCodeAt(i + 1), false);
      if (a === 0 || b === 0) return [EMPTY]; // a character never seen: nothing matches
      const key = a * 65536 + b;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(this.bigrams.get(key) ?? EMPTY);
    }
    return out;
  }

  /** Whether the folded text of doc contains the folded needle (code units). */
  private contains(doc: number, needle: Uint16Array): boolean {
    const units = this.foldBuf;
    const m = needle.length;
    const first = needle[0];
    const last = this.foldOff[doc + 1] - m;
    outer: for (let i = this.foldOff[doc]; i <= last; i++) {
      if (units[i] !== first) continue;
      for (let j = 1; j < m; j++) if (units[i + j] !== needle[j]) continue outer;
      return true;
    }
    return false;
  }

  async search(q: ParsedQuery, options: { limit: number; cursor?: { ts: number; id: string } | null; view?: SearchView }): Promise<SearchResult> {
    await this.catchUp();
    return this.searchNow(q, options);
  }

  /**
   * Search what is indexed now (no catch-up). Two walks over the candidates
   * (the rarest posting list, the others galloped alongside; blocks of docs
   * all newer than `before:`/the cursor are jumped over):
   * 1. the page: newest doc first, stopping as soon as limit + 1 hits are
   *    found and no older doc can beat them (maxTs);
   * 2. total and facets, skipped when walk 1 saw every match: exact from the
   *    newest candidate down until EXACT_VERIFY candidates were checked (text
   *    checks) or EXACT_POSTINGS (postings alone) or EXACT_STEPS posting
   *    steps; the rest is sampled (SAMPLE / SAMPLE_CHEAP points, fully checked,
   *    scaled up) and flagged total_exact / facets_exact = false.
   */
  searchNow(q: ParsedQuery, options: { limit: number; cursor?: { ts: number; id: string } | null; view?: SearchView }): SearchResult {
    const { limit } = options;
    const cursor = options.cursor ?? null;
    const empty: SearchResult = { hits: [], next_cursor: null, total: 0, total_exact: true, facets: { channels: [], users: [] }, facets_exact: true };
    // a member's search: only their channels (in:# narrows them further), no ephemeral answers
    const member = options.view?.role === 'member' ? options.view : null;
    if (member) {
      const mine = new Set(member.channels.map((c) => c.toLowerCase()));
      const channels = q.channels.length ? q.channels.filter((c) => mine.has(c)) : [...mine];
      if (channels.length === 0) return empty;
      q = { ...q, channels };
    }
    const hideRestricted = member !== null && this.restricted.size > 0;
    const restricted = this.restricted;

    // Filters as masks over dictionary ids; a single channel or nick is also a posting list.
    const lists: Posting[] = [];
    let chanMask: Uint8Array | null = null;
    if (q.channels.length) {
      chanMask = new Uint8Array(this.channels.names.length);
      const hit: number[] = [];
      for (const c of q.channels) {
        const id = this.channels.ids.get(c);
        if (id !== undefined && !chanMask[id]) {
          chanMask[id] = 1;
          hit.push(id);
        }
      }
      if (hit.length === 0) return empty;
      if (hit.length === 1) {
        lists.push(this.chanDocs[hit[0]]);
        chanMask = null; // the list says it all
      }
    }
    let nickMask: Uint8Array | null = null;
    if (q.nicks.length) {
      nickMask = new Uint8Array(this.nicks.names.length);
      const wanted = new Set(q.nicks.map((n) => fold(n)));
      const hit: number[] = [];
      this.nicks.names.forEach((name, id) => {
        if (wanted.has(fold(name))) {
          nickMask![id] = 1;
          hit.push(id);
        }
      });
      if (hit.length === 0) return empty;
      if (hit.length === 1) {
        lists.push(this.nickDocs[hit[0]]);
        nickMask = null;
      }
    }
    const typeMask = q.types.length ? new Uint8Array(256) : null;
    for (const t of q.types) typeMask![TYPES.indexOf(t)] = 1;

    // Candidate lists: every bigram posting of every must-needle (exact for ≤ 2
    // characters); longer needles are then verified against the folded text.
    const verify: Uint16Array[] = [];
    const units = (s: string) => Uint16Array.from(s, (ch) => ch.charCodeAt(0));
    for (const needle of q.must) {
      const l = this.listsFor(needle);
      if (l === null || needle.length > 2) verify.push(units(needle));
      if (l) lists.push(...l);
    }
    if (lists.some((l) => l.n === 0)) return empty;
    const distinct = [...new Set(lists)].sort((a, b) => a.n - b.n);
    const nots = q.not.map((needle) => {
      const l = this.listsFor(needle);
      return { lists: l ?? [], byLists: l !== null && needle.length <= 2, units: units(needle) };
    });
    // exact cost per candidate is a few posting steps unless a text check is needed
    const textChecks = verify.length > 0 || nots.some((c) => !c.byLists);

    const driver = distinct[0] ?? null;
    const others = distinct.slice(1);
    const D = driver ? driver.n : this.n;
    const { ts, maxTs, cn, type, link } = this;
    const from = q.from;
    const to = q.to;
    const ptr = new Int32Array(others.length);
    const resetPtr = () => {
      for (let j = 0; j < others.length; j++) ptr[j] = others[j].n - 1;
    };
    /** doc is in every other list (galloping down: docs must come in descending order) */
    const inLists = (doc: number): boolean => {
      for (let j = 0; j < others.length; j++) {
        const docs = others[j].docs;
        const p = seekDown(docs, ptr[j], doc);
        ptr[j] = p;
        if (p < 0 || docs[p] !== doc) return false;
      }
      return true;
    };
    const filtered = chanMask !== null || nickMask !== null || typeMask !== null || q.hasLink || hideRestricted;
    /** filters, text checks, exclusions (after the lists and the time range) */
    const checks = (doc: number): boolean => {
      if (filtered) {
        if (chanMask && !chanMask[cn[2 * doc]]) return false;
        if (nickMask && !nickMask[cn[2 * doc + 1]]) return false;
        if (typeMask && !typeMask[type[doc]]) return false;
        if (q.hasLink && !link[doc]) return false;
        if (hideRestricted && restricted.has(doc)) return false;
      }
      for (let v = 0; v < verify.length; v++) if (!this.contains(doc, verify[v])) return false;
      for (let c = 0; c < nots.length; c++) {
        const x = nots[c];
        let all = true;
        for (let j = 0; j < x.lists.length; j++) {
          if (!x.lists[j].has(doc)) {
            all = false;
            break;
          }
        }
        if (all && (x.byLists || this.contains(doc, x.units))) return false;
      }
      return true;
    };
    const timed = from !== null || to !== null;
    const { blockMin } = this;
    const driverDocs = driver ? driver.docs : null;
    /** The position to continue from (exclusive) when doc's whole block is newer than `limitTs` allows, else -1. */
    const jump = (i: number, doc: number, newerThan: number, orFrom: number): number => {
      const b = doc >>> BLOCK_BITS;
      const m = blockMin[b];
      if (!(m >= orFrom || m > newerThan)) return -1;
      const first = b << BLOCK_BITS;
      return driverDocs ? seekDown(driverDocs, i, first - 1) + 1 : first;
    };
    const noTo = to ?? Infinity; // a block whose oldest doc is ≥ to has no match
    const cursorTs = cursor ? cursor.ts : Infinity; // a block whose oldest doc is > cursor.ts is before the page

    // ── walk 1: the page ───────────────────────────────────────────────
    const k = limit + 1;
    const top: number[] = []; // best first: ts desc, id desc
    const topIds: string[] = [];
    let chanCount = new Uint32Array(this.channels.names.length);
    let nickCount = new Uint32Array(this.nicks.names.length);
    let total = 0;
    let complete = true; // every match was seen (and counted)
    const skipping = to !== null || cursor !== null;
    resetPtr();
    for (let i = D - 1; i >= 0; i--) {
      const doc = driverDocs ? driverDocs[i] : i;
      if (skipping) {
        const j = jump(i, doc, cursorTs, noTo);
        if (j >= 0) {
          if (blockMin[doc >>> BLOCK_BITS] < noTo) complete = false; // skipped for the cursor only: matches not counted
          i = j;
          continue;
        }
      }
      if (!inLists(doc)) continue;
      const newest = maxTs[doc]; // nothing at or below doc is newer
      if (from !== null && newest < from) break;
      if (top.length === k && newest < ts[top[k - 1]]) {
        complete = false;
        break;
      }
      const t = ts[doc];
      if (to !== null && !(t < to)) continue;
      if (from !== null && !(t >= from)) continue;
      let id: string | null = null;
      if (cursor && !(t < cursor.ts)) {
        if (t > cursor.ts || !((id = this.idAt(doc)) < cursor.id)) {
          complete = false; // newer than the cursor: not counted here
          continue;
        }
      }
      if (!checks(doc)) continue;
      total++;
      chanCount[cn[2 * doc]]++;
      nickCount[cn[2 * doc + 1]]++;
      if (top.length === k && t < ts[top[k - 1]]) continue; // a match, but not for the page
      id ??= this.idAt(doc);
      let at = top.length;
      while (at > 0 && (t > ts[top[at - 1]] || (t === ts[top[at - 1]] && id > topIds[at - 1]))) at--;
      if (at >= k) continue;
      top.splice(at, 0, doc);
      topIds.splice(at, 0, id);
      if (top.length > k) {
        top.pop();
        topIds.pop();
      }
    }

    // ── walk 2: total and facets ───────────────────────────────────────
    // Exact from the newest candidate down while it is cheap; if the budget
    // runs out, the remaining positions are sampled evenly and scaled up
    // (a stratified estimate: the exact part plus the sampled rest).
    let exact = true;
    let totalExact = false;
    if (!complete) {
      chanCount = new Uint32Array(this.channels.names.length);
      nickCount = new Uint32Array(this.nicks.names.length);
      const checkBudget = textChecks ? EXACT_VERIFY : EXACT_POSTINGS;
      const maxWalk = Math.ceil(EXACT_STEPS / (1 + others.length));
      let matched = 0;
      let checked = 0;
      let i = D - 1;
      resetPtr();
      for (let walked = 0; i >= 0; i--, walked++) {
        if (walked >= maxWalk || checked >= checkBudget) break;
        const doc = driverDocs ? driverDocs[i] : i;
        if (to !== null) {
          const j = jump(i, doc, Infinity, to);
          if (j >= 0) {
            i = j;
            continue;
          }
        }
        if (!inLists(doc)) continue;
        if (timed) {
          if (from !== null && maxTs[doc] < from) {
            i = -1;
            break;
          }
          const t = ts[doc];
          if (to !== null && !(t < to)) continue;
          if (from !== null && !(t >= from)) continue;
        }
        checked++;
        if (!checks(doc)) continue;
        matched++;
        chanCount[cn[2 * doc]]++;
        nickCount[cn[2 * doc + 1]]++;
      }
      total = matched;
      if (i >= 0) {
        // positions 0..i are left: sample them
        exact = false;
        const left = i + 1;
        const stride = Math.ceil(left / (textChecks ? SAMPLE : SAMPLE_CHEAP));
        const start = i - (stride >> 1);
        const points = Math.floor(start / stride) + 1;
        const scale = left / points;
        const cc = new Uint32Array(chanCount.length);
        const nc = new Uint32Array(nickCount.length);
        let m = 0;
        resetPtr();
        for (let p = start; p >= 0; p -= stride) {
          const doc = driverDocs ? driverDocs[p] : p;
          if (!inLists(doc)) continue;
          if (timed) {
            if (from !== null && maxTs[doc] < from) break; // the rest cannot match: they count as sampled misses
            const t = ts[doc];
            if (to !== null && !(t < to)) continue;
            if (from !== null && !(t >= from)) continue;
          }
          if (!checks(doc)) continue;
          m++;
          cc[cn[2 * doc]]++;
          nc[cn[2 * doc + 1]]++;
        }
        total += Math.round(m * scale);
        for (let c = 0; c < cc.length; c++) chanCount[c] += Math.round(cc[c] * scale);
        for (let c = 0; c < nc.length; c++) nickCount[c] += Math.round(nc[c] * scale);
        // one posting list and nothing else to check: its length is the exact total even when facets are sampled
        if (driver !== null && others.length === 0 && !filtered && !textChecks && nots.length === 0 && !timed) {
          total = D;
          totalExact = true;
        }
      }
    }

    const page = top.slice(0, limit);
    const hits: Hit[] = page.map((doc, i) => {
      const text = this.textAt(doc);
      return {
        id: topIds[i],
        channel: this.channels.names[this.cn[2 * doc]],
        nick: this.nicks.names[this.cn[2 * doc + 1]],
        text,
        ts: this.ts[doc],
        type: TYPES[this.type[doc]] ?? 'message',
        kafka: { partition: this.part[doc] < 0 ? null : this.part[doc], offset: Number.isNaN(this.offset[doc]) ? null : this.offset[doc] },
        highlights: highlightRanges(text, q.highlight),
      };
    });
    const facet = (counts: Uint32Array, names: string[]): Facet[] => {
      const out: Facet[] = [];
      counts.forEach((count, id) => {
        if (count > 0) out.push({ value: names[id], count });
      });
      return out.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)).slice(0, 20);
    };
    return {
      hits,
      next_cursor: top.length > limit && page.length > 0 ? encodeCursor(this.ts[page[page.length - 1]], topIds[page.length - 1]) : null,
      total,
      total_exact: exact || totalExact,
      facets: { channels: facet(chanCount, this.channels.names), users: facet(nickCount, this.nicks.names) },
      facets_exact: exact,
    };
  }
}
