// The audit API as the /audit page calls it, with the auditor token kept in
// this browser (the same key as /notebooks: one sign-in serves both pages).
// Shapes are the server's (audit/…), shared at type level only.
import type { SearchResult } from '../../audit/search/client.ts';
import type { AuditLogEntry } from '../../audit/trail.ts';
import type { TopicsResult } from '../../audit/stats.ts';
import type { Envelope } from '../../core/protocol.ts';
import { api, ApiError, token, TOKEN_KEY } from '../notebooks/api.ts';

export { api, ApiError, token, TOKEN_KEY };
export type { SearchResult, TopicsResult, AuditLogEntry };
export type Hit = SearchResult['hits'][number];

export interface Me {
  user: { id: string; nick: string; role: 'auditor' | 'admin' };
}

export interface VolumeResult {
  by: string;
  buckets: { key: string; count: number; ts?: number }[];
  total: number;
}

/** GET /api/messages/{id} (contract, second edition). */
export interface MessageRecord {
  message: Envelope;
  versions: { text: string; ts: number; by?: string }[];
  deleted: null | { ts: number; by: string };
  replies?: unknown;
}

/** GET /api/messages/{id}/context?before=&after= (the server's own type) */
export type { ContextEvent, MessageContext } from '../../ingest/versions.ts';

/** A URL of the API with its query string built by URLSearchParams (every value percent-encoded). */
export function apiUrl(path: string, params: Record<string, string | number | null | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/** Why an API call failed, in Korean where it is about the token. */
export function explain(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401) return '토큰이 올바르지 않습니다. 다시 로그인해 주세요.';
    if (err.status === 403) return '이 화면은 감사자(auditor) 또는 관리자 권한이 필요합니다.';
    if (err.status === 503) return `지금은 답할 수 없습니다: ${err.message}`;
    if (err.status === 400) return `요청을 처리하지 못했습니다 — ${err.message}`;
  }
  return (err as Error).message;
}
