// The search service's client: a parsed query (query.ts, the one parser) as
// the service's small JSON query, and its answer in the public /api/search
// shape — hits with highlights (fold.ts), next_cursor, exact total, facets.
// The service itself (search/, a Lucene index fed from Kafka) is described in
// docs/search.md; this side never touches an index.
import { InputError } from '../../core/errors.ts';
import { fold, highlightRanges } from './fold.ts';
import type { ParsedQuery } from './query.ts';

export interface SearchEndpoint {
  url: string;
  token: string;
}

/** Where the service answers now (null while it is down) and why not, in words a person reads. */
export interface SearchBackend {
  endpoint(): SearchEndpoint | null;
  unavailable(): string;
}

/**
 * Whose search this is. Auditors (and admins) see everything: every version
 * of an edited message matches, deleted messages and ephemeral answers come
 * back flagged. A member sees the current text of the channels listed
 * (those they belong to), never a deleted message or an ephemeral answer.
 */
export type SearchView = { role: 'auditor' } | { role: 'member'; channels: string[] };

export interface Hit {
  id: string;
  channel: string;
  nick: string;
  text: string;
  ts: number;
  type: string;
  kafka: { partition: number | null; offset: number | null };
  highlights: [number, number][];
  user_id: string;
  edited: boolean;
  deleted: boolean;
  /** earlier texts of an edited message (auditors only) */
  versions?: { text: string; ts: number }[];
  reply_to?: string;
  /** set on an ephemeral answer (auditors only) */
  visible_to?: string[];
}

export interface Facet {
  value: string;
  count: number;
}

export interface SearchResult {
  hits: Hit[];
  next_cursor: string | null;
  /** every match of the query (not just the page), counted exactly */
  total: number;
  /** always true: kept for clients of the earlier in-memory index, which could estimate */
  total_exact: true;
  facets: { channels: Facet[]; users: Facet[] };
  facets_exact: true;
}

export interface SearchOptions {
  limit: number;
  cursor?: { ts: number; id: string } | null;
  view?: SearchView;
  /** wait up to this long for what the log holds now to be searchable (default 1000 ms) */
  freshMs?: number;
}

export function encodeCursor(ts: number, id: string): string {
  return Buffer.from(JSON.stringify([ts, id])).toString('base64url');
}

/** The (ts, id) a cursor stands for, or null when it is not one of ours. */
export function decodeCursor(cursor: string): { ts: number; id: string } | null {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string') return { ts: v[0] as number, id: v[1] };
  } catch {
    // fall through
  }
  return null;
}

interface ServiceAnswer {
  hits: Omit<Hit, 'highlights'>[];
  has_more: boolean;
  total: number;
  facets: { channels: Facet[]; users: Facet[] };
  caught_up: boolean;
  lag: number;
  error?: string;
}

/** The JSON query the service reads (search/src/…/SearchQuery.java). */
export function serviceQuery(q: ParsedQuery, o: SearchOptions): Record<string, unknown> {
  return {
    must: q.must,
    not: q.not,
    nicks: q.nicks.map(fold),
    channels: q.channels,
    types: q.types,
    from: q.from,
    to: q.to,
    has_link: q.hasLink,
    limit: o.limit,
    after: o.cursor ?? null,
    fresh_ms: o.freshMs ?? 1000,
    view: o.view ?? { role: 'auditor' },
  };
}

export class SearchClient {
  constructor(private readonly backend: SearchBackend) {}

  private down(detail?: string): InputError {
    return new InputError('search_unavailable', detail ? `${this.backend.unavailable()} ${detail}` : this.backend.unavailable(), { status: 503 });
  }

  async search(q: ParsedQuery, o: SearchOptions): Promise<SearchResult> {
    const ep = this.backend.endpoint();
    if (!ep) throw this.down();
    let res: Response;
    try {
      res = await fetch(`${ep.url}/search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ep.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(serviceQuery(q, o)),
        signal: AbortSignal.timeout((o.freshMs ?? 1000) + 15_000),
      });
    } catch (err) {
      throw this.down(`(${(err as Error).message})`);
    }
    const body = (await res.json().catch(() => ({ error: `HTTP ${res.status} without a JSON body` }))) as ServiceAnswer;
    if (res.status === 503) throw this.down(body.error);
    if (!res.ok) throw new Error(`the search service refused the query (HTTP ${res.status}): ${body.error}`);
    if (!body.caught_up) {
      throw new InputError('search_unavailable', `검색 색인을 만드는 중이에요: ${body.lag >= 0 ? `${body.lag}건 남았어요` : '곧 끝나요'} (search index still being built from Kafka)`, {
        status: 503,
        details: { lag: body.lag },
      });
    }
    const hits: Hit[] = body.hits.map((h) => ({ ...h, highlights: highlightRanges(h.text, q.highlight) }));
    const last = hits.at(-1);
    return {
      hits,
      next_cursor: body.has_more && last ? encodeCursor(last.ts, last.id) : null,
      total: body.total,
      total_exact: true,
      facets: body.facets,
      facets_exact: true,
    };
  }
}
