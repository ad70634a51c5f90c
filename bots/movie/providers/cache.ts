// Response cache for live movie providers: memory first, then DuckDB
// (`movie_api_cache`), both with a TTL, so a popular question costs one API
// call per day and survives restarts.
import type { Database } from '../../../core/db.ts';

export class ApiCache {
  private readonly memory = new Map<string, { at: number; body: unknown }>();

  constructor(
    private readonly db: Database | null,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(provider: string, key: string): Promise<unknown | undefined> {
    const id = `${provider}\u0000${key}`;
    const hit = this.memory.get(id);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.body;
    if (!this.db) return undefined;
    const row = await this.db.one<{ body: string; at: number }>(
      'SELECT body, epoch_ms(fetched_at) AS at FROM movie_api_cache WHERE provider = ? AND key = ?',
      [provider, key],
    );
    if (!row || this.now() - Number(row.at) >= this.ttlMs) return undefined;
    const body = JSON.parse(row.body) as unknown;
    this.memory.set(id, { at: Number(row.at), body });
    return body;
  }

  async set(provider: string, key: string, body: unknown): Promise<void> {
    const at = this.now();
    this.memory.set(`${provider}\u0000${key}`, { at, body });
    if (!this.db) return;
    await this.db.run(
      `INSERT INTO movie_api_cache (provider, key, body, fetched_at) VALUES (?, ?, ?, to_timestamp(? / 1000.0))
       ON CONFLICT (provider, key) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at`,
      [provider, key, JSON.stringify(body), at],
    );
  }
}

/** GET a JSON document with a hard timeout; throws naming the provider and what went wrong. */
export async function getJson(provider: string, url: string, headers: Record<string, string>, timeoutMs: number): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json', ...headers }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const e = err as Error;
    throw new Error(`${provider}: ${e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : e.message}`, { cause: err });
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new Error(`${provider}: HTTP ${res.status}`);
  }
  try {
    return (await res.json()) as unknown;
  } catch (err) {
    throw new Error(`${provider}: response is not JSON`, { cause: err });
  }
}

/** Cached GET: the cache key is the URL without credentials. */
export async function cachedJson(
  cache: ApiCache,
  provider: string,
  key: string,
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<unknown> {
  const hit = await cache.get(provider, key);
  if (hit !== undefined) return hit;
  const body = await getJson(provider, url, headers, timeoutMs);
  await cache.set(provider, key, body);
  return body;
}
