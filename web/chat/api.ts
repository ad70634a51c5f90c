// The chat's HTTP calls: login, the channel directory and member search.
// Each answers a value or a Korean sentence naming what went wrong (the
// server's own words kept as the detail).
import { describeHttpError } from './errors.ts';
import type { User } from './protocol.ts';

/** What a refused login means when the server gives no code we know. */
const LOGIN_STATUS: Record<number, string> = {
  400: '이 닉네임은 쓸 수 없습니다.',
  401: '비밀번호가 맞지 않습니다.',
  409: '이미 누군가 쓰고 있는 닉네임입니다. 다른 닉네임으로 들어와 주세요.',
};
const OFFLINE = '서버에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.';

type Answer<T> = { ok: true; value: T } | { ok: false; error: string };

interface ErrorBody {
  error?: string;
  code?: string;
  message?: string;
  details?: { retry_after?: number };
}

function failure(status: number, body: ErrorBody, byStatus: Record<number, string> = {}): { ok: false; error: string } {
  const { text, detail } = describeHttpError(status, body, byStatus);
  return { ok: false, error: detail ? `${text} (${detail})` : text };
}

export interface LoginAnswer {
  token: string;
  user: User;
  /** this login claimed the nick (a new account) */
  created: boolean;
}

/** POST /api/login: the first login of a nick claims it with this password. */
export async function login(nick: string, password: string): Promise<Answer<LoginAnswer>> {
  try {
    const res = await fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ nick, password }) });
    const body = (await res.json().catch(() => ({}))) as Partial<LoginAnswer> & ErrorBody;
    if (res.ok && body.token && body.user) return { ok: true, value: { token: body.token, user: { id: body.user.id, nick: body.user.nick }, created: body.created === true } };
    if (res.status === 429) {
      // about failed logins, not about sending too fast
      const wait = body.details?.retry_after;
      return { ok: false, error: `로그인 실패가 너무 많습니다.${wait ? ` ${wait}초 뒤에 다시 시도해 주세요.` : ' 잠시 후 다시 시도해 주세요.'}` };
    }
    return failure(res.status, body, LOGIN_STATUS);
  } catch {
    return { ok: false, error: OFFLINE };
  }
}

async function getJson<T>(url: string, token: string): Promise<Answer<T>> {
  try {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json().catch(() => ({}))) as T & ErrorBody;
    return res.ok ? { ok: true, value: body } : failure(res.status, body);
  } catch {
    return { ok: false, error: OFFLINE };
  }
}

export interface DirectoryChannel {
  name: string;
  private: boolean;
  members: number;
  last_ts: number | null;
  joined?: boolean;
  dm?: boolean;
  with?: string[];
}

/** GET /api/channels: public channels and the private ones you belong to. */
export async function directory(token: string): Promise<Answer<DirectoryChannel[]>> {
  const r = await getJson<{ channels: DirectoryChannel[] }>('/api/channels', token);
  return r.ok ? { ok: true, value: r.value.channels ?? [] } : r;
}

export interface SearchHit {
  id: string;
  channel: string;
  nick: string;
  text: string;
  ts: number;
  highlights?: [number, number][];
}

/** GET /api/search over the channels you belong to (same query language as auditors'). */
export async function searchMessages(token: string, q: string, cursor?: string | null): Promise<Answer<{ hits: SearchHit[]; total: number; next_cursor: string | null }>> {
  const params = new URLSearchParams({ q, limit: '20' });
  if (cursor) params.set('cursor', cursor);
  return getJson(`/api/search?${params}`, token);
}
