// Notebook parameters: defaults, given values (CLI --param k=v, web forms,
// API bodies) → typed values bound as real SQL parameters ($name).
import { addDays, isDate, localDate } from '../../core/time.ts';
import type { NotebookParam } from './format.ts';
import { InputError } from '../../core/errors.ts';

/** An input error (core/errors.ts) with its own name, so callers and tests can tell where it came from. */
export class ParamError extends InputError {
  constructor(message: string) {
    super('bad_param', message);
    this.name = 'ParamError';
  }
}

export type ParamValue = string | number | string[] | null;

/** `today`/`yesterday`/`-7d` date defaults, resolved in the reporting zone. */
function resolveDate(value: string, tz: string, now: number): string {
  const v = value.trim();
  const today = localDate(now, tz);
  if (v === 'today' || v === '오늘') return today;
  if (v === 'yesterday' || v === '어제') return addDays(today, -1);
  const rel = /^([+-]\d{1,4})d$/.exec(v);
  if (rel) return addDays(today, Number(rel[1]));
  return v;
}

function coerce(p: NotebookParam, raw: unknown, tz: string, now: number): ParamValue {
  if (raw === null || raw === undefined || raw === '') {
    if (p.type === 'text') return raw === '' ? '' : null;
    return null;
  }
  if (p.multiple) {
    const list = Array.isArray(raw) ? raw.map(String) : String(raw).split(',').map((s) => s.trim()).filter(Boolean);
    if (p.options?.length) for (const v of list) if (!p.options.map(String).includes(v)) throw new ParamError(`parameter ${p.name}: "${v}" is not one of ${p.options.join(', ')}`);
    return list;
  }
  if (Array.isArray(raw)) throw new ParamError(`parameter ${p.name} takes one value, got a list`);
  const text = String(raw);
  if (text.length > 2000) throw new ParamError(`parameter ${p.name} is too long (over 2000 characters)`);
  switch (p.type) {
    case 'number': {
      const n = typeof raw === 'number' ? raw : Number(text.trim());
      if (!Number.isFinite(n) || text.trim() === '') throw new ParamError(`parameter ${p.name} must be a number, got "${text}"`);
      return n;
    }
    case 'date': {
      const d = resolveDate(text, tz, now);
      if (!isDate(d)) throw new ParamError(`parameter ${p.name} must be a date YYYY-MM-DD (or today/yesterday/-7d), got "${text}"`);
      return d;
    }
    case 'select':
      if (p.options?.length && !p.options.map(String).includes(text)) throw new ParamError(`parameter ${p.name}: "${text}" is not one of ${p.options.join(', ')}`);
      return text;
    default:
      return text;
  }
}

/** Values for every declared parameter: given value, else default. Unknown names are an error. */
export function resolveParams(declared: NotebookParam[], given: Record<string, unknown> = {}, tz = 'Asia/Seoul', now = Date.now()): Record<string, ParamValue> {
  const byName = new Map(declared.map((p) => [p.name, p]));
  for (const k of Object.keys(given)) if (!byName.has(k)) throw new ParamError(`unknown parameter "${k}" (this notebook declares ${declared.map((p) => p.name).join(', ') || 'none'})`);
  const out: Record<string, ParamValue> = {};
  for (const p of declared) out[p.name] = coerce(p, Object.hasOwn(given, p.name) ? given[p.name] : p.default, tz, now);
  return out;
}

/** `--param k=v` pairs (repeatable) → record. */
export function parseParamArgs(pairs: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ParamError(`--param must look like name=value, got "${pair}"`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return out;
}
