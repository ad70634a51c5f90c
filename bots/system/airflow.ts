// Airflow callback payloads (POST /hooks/airflow) and how they read in `ops`.
import { z } from 'zod';
import { bearerToken } from '../../core/auth.ts';
import { createEnvelope, type Envelope } from '../../core/envelope.ts';
import type { BotIdentity } from '../runtime/types.ts';

export const SYSTEM_BOT: BotIdentity = { id: 'bot.system', nick: '시스템봇' };
export const OPS_CHANNEL = 'ops';
/** Larger bodies are refused with 413 before they are parsed. */
export const HOOK_MAX_BYTES = 16 * 1024;

const text = (max: number) => z.string().trim().min(1).max(max);
export const airflowHookSchema = z.object({
  dag_id: text(250),
  run_id: text(250),
  state: z.enum(['success', 'failed']),
  task_id: text(250).optional().nullable(),
  logical_date: z.string().max(64).optional().nullable(),
  log_url: z.string().max(2048).optional().nullable(),
  exception: z.string().max(8192).optional().nullable(),
});
export type AirflowHook = z.infer<typeof airflowHookSchema>;

/** Only http(s) links are shown: a javascript: or file: URL never reaches the chat. */
export function safeLink(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}

/** "2024-08-27 09:00 KST"-style local time of an ISO instant, or null when it is not one. */
export function localTime(iso: string | null | undefined, tz: string): string | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  const p = new Intl.DateTimeFormat('en-CA', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(t);
  const g = (k: string) => p.find((x) => x.type === k)?.value ?? '';
  return `${g('year')}-${g('month')}-${g('day')} ${g('hour')}:${g('minute')} (${tz})`;
}

export function firstLine(s: string | null | undefined, max = 200): string | null {
  const line = (s ?? '').split(/\r?\n/).map((l) => l.trim()).find(Boolean);
  if (!line) return null;
  return [...line].length > max ? [...line].slice(0, max - 1).join('') + '…' : line;
}

export function formatAirflow(h: AirflowHook, tz: string, receivedAt: number): string {
  const ok = h.state === 'success';
  const lines = [`${ok ? '✅' : '❌'} Airflow ${ok ? '성공' : '실패'}: ${h.dag_id}`, `• 실행(run): ${h.run_id}`];
  if (h.task_id) lines.push(`• 태스크(task): ${h.task_id}`);
  lines.push(`• 시각: ${localTime(h.logical_date, tz) ?? localTime(new Date(receivedAt).toISOString(), tz)}${h.logical_date && localTime(h.logical_date, tz) ? ' (logical date)' : ''}`);
  const err = firstLine(h.exception);
  if (!ok && err) lines.push(`• 오류: ${err}`);
  const link = safeLink(h.log_url);
  if (link) lines.push(`• 로그: ${link}`);
  return lines.join('\n');
}

export function airflowEnvelope(h: AirflowHook, tz: string, now: number): Envelope {
  return createEnvelope({
    type: 'bot',
    channel: OPS_CHANNEL,
    user: SYSTEM_BOT,
    text: formatAirflow(h, tz, now),
    ts: now,
    meta: {
      kind: 'airflow',
      source: 'callback',
      dag_id: h.dag_id,
      run_id: h.run_id,
      state: h.state,
      task_id: h.task_id ?? null,
      logical_date: h.logical_date ?? null,
      log_url: safeLink(h.log_url),
    },
  });
}

export type HookResponse = { status: 200 | 202 | 400 | 401 | 413 | 503; body: Record<string, unknown> };

/**
 * The whole hook, independent of the HTTP framework: token, size, JSON,
 * schema, then post to ops. `publish` is null when the bots are not running.
 */
export async function handleAirflowHook(
  req: { authorization: string | null | undefined; body: string },
  deps: { expectedToken: string; sameToken: (a: string | null | undefined, b: string) => boolean; tz: string; now: () => number; publish: ((e: Envelope) => Promise<void>) | null },
): Promise<HookResponse> {
  const presented = bearerToken(req.authorization);
  if (!presented || !deps.sameToken(presented, deps.expectedToken)) {
    return { status: 401, body: { error: presented ? 'invalid hook token' : 'missing Authorization: Bearer <HOOK_TOKEN>' } };
  }
  if (Buffer.byteLength(req.body, 'utf8') > HOOK_MAX_BYTES) return { status: 413, body: { error: `body larger than ${HOOK_MAX_BYTES} bytes` } };
  let raw: unknown;
  try {
    raw = JSON.parse(req.body);
  } catch (err) {
    return { status: 400, body: { error: `invalid JSON: ${(err as Error).message}` } };
  }
  const r = airflowHookSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    const field = i.path.join('.') || '(body)';
    return { status: 400, body: { error: `field '${field}': ${i.message}`, field } };
  }
  if (!deps.publish) return { status: 503, body: { error: 'bots are not running' } };
  const e = airflowEnvelope(r.data, deps.tz, deps.now());
  await deps.publish(e);
  return { status: 202, body: { ok: true, id: e.id, channel: OPS_CHANNEL } };
}
