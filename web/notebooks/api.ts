// Calls to the notebooks API with the auditor token kept in this browser.
// Errors come back as {"error", "code"} (server/http.ts); the message is shown as is.
import type { CellResult as EngineCellResult, RunRecord } from '../../audit/notebook/types.ts';

export const TOKEN_KEY = 'kchat.auditorToken';

// The server's result shape, shared at type level only (erased from the bundle).
export type CellResult = Omit<EngineCellResult, 'ms'>;
export type Run = Pick<RunRecord, 'id' | 'status' | 'started_at' | 'cells'>;

export const token = () => localStorage.getItem(TOKEN_KEY) ?? '';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${token()}`, ...(init.headers ?? {}) } });
  if (!res.ok) {
    let msg = `${res.status}`;
    try {
      msg = ((await res.json()) as { error?: string }).error ?? msg;
    } catch {
      // not JSON
    }
    throw new ApiError(msg, res.status);
  }
  return (await res.json()) as T;
}
