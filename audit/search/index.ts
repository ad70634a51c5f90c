// Search's entry: validate request parameters, parse the query (query.ts, the
// one parser) and ask the search service (client.ts). Used by the HTTP route,
// the chat command and the benchmark.
import { QueryError, parseQuery } from './query.ts';
import { SearchClient, decodeCursor, type SearchBackend, type SearchResult, type SearchView } from './client.ts';

export { QueryError, parseQuery, SearchClient };
export { searchCsv, EXPORT_MAX_ROWS } from './export.ts';
export type { SearchBackend, SearchResult, SearchView };

export const MAX_LIMIT = 100;

/** Validate raw request parameters and search; InputError (bad_query → 400, search_unavailable → 503) for anything wrong. */
export async function runSearch(
  client: SearchClient,
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
  return client.search(q, { limit, cursor, view: options.view });
}
