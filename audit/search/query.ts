// The search query language: words (all must match), "phrases", -exclusions
// and operators from:nick in:#channel before:/after:/on:YYYY-MM-DD
// type:bot|message|join|leave|nick|system has:link. Parsing never throws
// anything but QueryError, whose message names the problem (→ HTTP 400).
import { EVENT_TYPES, type EventType } from '../../core/envelope.ts';
import { dayRange, isDate } from '../../core/time.ts';
import { stemKorean } from '../../core/korean/tokenize.ts';
import { fold } from './fold.ts';
import { InputError } from '../../core/errors.ts';

export const MAX_QUERY = 500;

/** An input error (core/errors.ts) with its own name, so callers and tests can tell where it came from. */
export class QueryError extends InputError {
  constructor(message: string) {
    super('bad_query', message);
    this.name = 'QueryError';
  }
}

export interface ParsedQuery {
  /** folded needles that must all occur (words after particle stripping, and phrases) */
  must: string[];
  /** folded needles that must not occur */
  not: string[];
  /** what to highlight (the must needles) */
  highlight: string[];
  nicks: string[];
  channels: string[];
  types: EventType[];
  /** ts_ms >= from */
  from: number | null;
  /** ts_ms < to */
  to: number | null;
  hasLink: boolean;
}

const OPERATORS = ['from', 'in', 'before', 'after', 'on', 'type', 'has'] as const;

/** A query word → its search needle: Korean particles/endings stripped (장애가 → 장애), folded. */
export function needleOf(word: string): string {
  const nfc = word.normalize('NFC');
  const stem = /[가-힣]/.test(nfc) ? stemKorean(nfc) : nfc;
  return fold(stem.length > 0 ? stem : nfc);
}

function split(q: string): { text: string; quoted: boolean; negated: boolean }[] {
  const out: { text: string; quoted: boolean; negated: boolean }[] = [];
  let i = 0;
  while (i < q.length) {
    while (i < q.length && /\s/u.test(q[i])) i++;
    if (i >= q.length) break;
    let negated = false;
    if (q[i] === '-' && i + 1 < q.length && !/\s/u.test(q[i + 1])) {
      negated = true;
      i++;
    }
    if (q[i] === '"' || q[i] === '“' || q[i] === '”') {
      const close = q.slice(i + 1).search(/["“”]/u);
      if (close < 0) throw new QueryError(`unbalanced quote: the phrase starting at character ${i + 1} is not closed`);
      out.push({ text: q.slice(i + 1, i + 1 + close), quoted: true, negated });
      i += close + 2;
      continue;
    }
    let j = i;
    while (j < q.length && !/\s/u.test(q[j])) {
      if (q[j] === '"' || q[j] === '“' || q[j] === '”') throw new QueryError(`unbalanced quote inside "${q.slice(i, j + 1)}": put phrases in their own "…"`);
      j++;
    }
    out.push({ text: q.slice(i, j), quoted: false, negated });
    i = j;
  }
  return out;
}

function date(op: string, value: string, tz: string): { start: number; end: number } {
  if (!isDate(value)) throw new QueryError(`${op}: needs a date written YYYY-MM-DD, got "${value}"`);
  return dayRange(value, tz);
}

/** Parse a search query; dates are local days in `tz` (Asia/Seoul by default). */
export function parseQuery(input: unknown, tz = 'Asia/Seoul'): ParsedQuery {
  if (typeof input !== 'string' || input.trim() === '') throw new QueryError('q is empty: give words, "phrases" or operators such as from:민수');
  if (input.length > MAX_QUERY) throw new QueryError(`q is too long: ${input.length} characters, at most ${MAX_QUERY}`);
  const q: ParsedQuery = { must: [], not: [], highlight: [], nicks: [], channels: [], types: [], from: null, to: null, hasLink: false };
  const narrow = (from: number | null, to: number | null) => {
    if (from !== null) q.from = q.from === null ? from : Math.max(q.from, from);
    if (to !== null) q.to = q.to === null ? to : Math.min(q.to, to);
  };
  for (const part of split(input.normalize('NFC'))) {
    if (part.quoted) {
      const needle = fold(part.text);
      if (needle === '') throw new QueryError('empty phrase "" in q');
      (part.negated ? q.not : q.must).push(needle);
      if (!part.negated) q.highlight.push(needle);
      continue;
    }
    const op = /^([A-Za-z]+):(.*)$/su.exec(part.text);
    if (op && !/^https?$/i.test(op[1])) {
      const name = op[1].toLowerCase();
      const value = op[2];
      if (!(OPERATORS as readonly string[]).includes(name)) throw new QueryError(`unknown operator "${op[1]}:" (known: ${OPERATORS.map((o) => o + ':').join(' ')})`);
      if (part.negated) throw new QueryError(`-${name}: is not supported; exclude words instead`);
      if (value === '') throw new QueryError(`${name}: needs a value`);
      switch (name) {
        case 'from':
          q.nicks.push(value.replace(/^@/, '').normalize('NFC'));
          break;
        case 'in':
          q.channels.push(value.replace(/^#/, '').normalize('NFKC').toLowerCase());
          break;
        case 'type': {
          const t = value.toLowerCase();
          if (!(EVENT_TYPES as readonly string[]).includes(t)) throw new QueryError(`type: must be one of ${EVENT_TYPES.join('|')}, got "${value}"`);
          q.types.push(t as EventType);
          break;
        }
        case 'has':
          if (value.toLowerCase() !== 'link') throw new QueryError(`has: supports only has:link, got "has:${value}"`);
          q.hasLink = true;
          break;
        case 'on': {
          const d = date(name, value, tz);
          narrow(d.start, d.end);
          break;
        }
        case 'after': {
          // after:D is exclusive — messages from the next local day on.
          narrow(date(name, value, tz).end, null);
          break;
        }
        case 'before':
          narrow(null, date(name, value, tz).start);
          break;
      }
      continue;
    }
    const needle = needleOf(part.text);
    if (needle === '') continue;
    if (part.negated) q.not.push(needle);
    else {
      q.must.push(needle);
      q.highlight.push(needle);
    }
  }
  const anything = q.must.length + q.not.length + q.nicks.length + q.channels.length + q.types.length > 0 || q.from !== null || q.to !== null || q.hasLink;
  if (!anything) throw new QueryError('q has nothing to search for');
  return q;
}
