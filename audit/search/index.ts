// Search's entry: parse + run a query against the index (used by the HTTP
// route, the chat command and the benchmark).
import { QueryError, parseQuery } from './query.ts';
import { SearchIndex, decodeCursor, type SearchResult, type SearchView } from './engine.ts';

export { QueryError, parseQuery, SearchIndex };
export type { SearchResult, SearchView };

export const MAX_LIMIT = 100;

/** Validate raw request parameters and search; QueryError for anything wrong (→ 400). */
export async function runSearch(
  index: SearchIndex,
  params: { q?: unknown; limit?: unknown; cursor?: unknown },
  options: { tz?: string; view?: SearchView } = {},
): Promise<SearchResult> {
  const q = parseQuery(params.q, options.tz ?? 'Asia/Seoul');
  let limit = 20;
  if (params.limit !== undefined && params.limit !== '') {
    const n = Number(params.limit);
    if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw new QueryError(`limit must be an integer from 1 to ${MAX_LIMIT}, got "${String(params.limit)}"`);
    limit = n;
  }
  let cursor = null;
  if (params.cursor !== undefined && params.cursor !== '') {
    cursor = decodeCursor(String(params.cursor));
    if (!cursor) throw new QueryError('cursor is not valid: pass next_cursor from a previous answer unchanged');
  }
  return index.search(q, { limit, cursor, view: options.view });
}
