// Search results as CSV (the /audit page's "CSV로 내보내기"): every hit of a
// query, newest first, paged through the search service, up to a cap. Times
// are instants: ISO 8601 with the reporting zone's offset beside epoch ms.
import { csvLine } from '../../core/csv.ts';
import { isoInstant } from '../../core/time.ts';
import { parseQuery } from './query.ts';
import type { SearchClient, SearchView } from './client.ts';

/** Hits asked of the service per page (the API's largest page). */
const PAGE = 100;

/** Most rows one export holds (the last line says when the query had more). */
export const EXPORT_MAX_ROWS = 20_000;

export const EXPORT_COLUMNS = ['time', 'ts_ms', 'channel', 'nick', 'user_id', 'type', 'text', 'edited', 'deleted', 'id', 'kafka_partition', 'kafka_offset'] as const;

/** The CSV lines (header first) of every hit of `q`; throws QueryError before the first line when q is malformed. */
export async function* searchCsv(client: SearchClient, q: unknown, options: { tz: string; view: SearchView; maxRows?: number }): AsyncGenerator<string> {
  const query = parseQuery(q, options.tz);
  const max = options.maxRows ?? EXPORT_MAX_ROWS;
  yield csvLine(EXPORT_COLUMNS);
  let cursor: { ts: number; id: string } | null = null;
  let rows = 0;
  for (;;) {
    const page = await client.search(query, { limit: PAGE, cursor, view: options.view });
    for (const h of page.hits) {
      if (rows === max) {
        yield csvLine([`# ${page.total}건 중 ${max}건만 내보냈습니다 (more than ${max} rows: narrow the query)`]);
        return;
      }
      rows++;
      yield csvLine([isoInstant(h.ts, options.tz), h.ts, h.channel, h.nick, h.user_id, h.type, h.text, h.edited, h.deleted, h.id, h.kafka.partition, h.kafka.offset]);
    }
    const last = page.hits.at(-1);
    if (!page.next_cursor || !last) return;
    cursor = { ts: last.ts, id: last.id };
  }
}
