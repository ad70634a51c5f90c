// The filter chips of /audit's search edit the query text itself (the one
// query language of audit/search/query.ts): a chip is an operator token
// (in:#dev, from:민수, on:/after:/before: dates, type:bot) that can be added,
// replaced or removed without touching the words around it.
import { addDays } from '../../core/time.ts';

export type Operator = 'in' | 'from' | 'on' | 'after' | 'before' | 'type' | 'has';

export interface Token {
  /** the token as written (quotes and a leading - kept) */
  raw: string;
  /** operator name (lowercase) when the token is one */
  op: Operator | null;
  value: string;
}

const OPS: readonly string[] = ['in', 'from', 'on', 'after', 'before', 'type', 'has'];

/** The query's tokens: "phrases" stay whole, words and operators split at spaces. */
export function tokens(q: string): Token[] {
  const out: Token[] = [];
  const re = /-?["“][^"”]*["”]?|\S+/gu;
  for (const m of q.matchAll(re)) {
    const raw = m[0];
    const op = /^([A-Za-z]+):(.+)$/su.exec(raw);
    const name = op?.[1].toLowerCase() ?? '';
    out.push(op && OPS.includes(name) ? { raw, op: name as Operator, value: op[2] } : { raw, op: null, value: raw });
  }
  return out;
}

const join = (ts: Token[]) => ts.map((t) => t.raw).join(' ');

/** The query with every `op:` token replaced by `op:value` (removed when value is empty). */
export function withOperator(q: string, op: Operator, value: string | null): string {
  const kept = tokens(q).filter((t) => t.op !== op);
  const v = value?.trim().replace(/\s+/g, '');
  if (v) kept.push({ raw: `${op}:${v}`, op, value: v });
  return join(kept);
}

/** The query with one token (by position) taken out. */
export function withoutToken(q: string, index: number): string {
  return join(tokens(q).filter((_, i) => i !== index));
}

/** The inclusive local-day range the query's date operators allow (after: is exclusive, before: too). */
export function dateRange(q: string): { from: string; to: string } {
  let from = '';
  let to = '';
  for (const t of tokens(q)) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(t.value)) continue;
    if (t.op === 'on') from = to = t.value;
    if (t.op === 'after') from = addDays(t.value, 1);
    if (t.op === 'before') to = addDays(t.value, -1);
  }
  return { from, to };
}

/** The query with its dates set to the inclusive range from..to (either may be empty): on: for one day, after:/before: otherwise. */
export function withDateRange(q: string, from: string, to: string): string {
  let out = withOperator(withOperator(withOperator(q, 'on', null), 'after', null), 'before', null);
  if (from && to && from === to) return withOperator(out, 'on', from);
  if (from) out = withOperator(out, 'after', addDays(from, -1));
  if (to) out = withOperator(out, 'before', addDays(to, 1));
  return out;
}

/** How a chip reads an operator token, in Korean. */
export function chipLabel(t: Token): string {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(t.value);
  switch (t.op) {
    case 'in':
      return `채널 #${t.value.replace(/^#/, '')}`;
    case 'from':
      return `사람 ${t.value.replace(/^@/, '')}`;
    case 'on':
      return `날짜 ${t.value}`;
    case 'after':
      return date ? `${addDays(t.value, 1)}부터` : `after:${t.value}`;
    case 'before':
      return date ? `${addDays(t.value, -1)}까지` : `before:${t.value}`;
    case 'type':
      return `종류 ${TYPE_LABEL[t.value.toLowerCase()] ?? t.value}`;
    case 'has':
      return t.value.toLowerCase() === 'link' ? '링크 포함' : `has:${t.value}`;
    default:
      return t.raw;
  }
}

export const TYPE_LABEL: Record<string, string> = { message: '메시지', bot: '봇 답변', join: '입장', leave: '퇴장', nick: '닉네임 변경', system: '시스템' };
