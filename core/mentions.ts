// `@nick` mentions in Korean text: `@민수님`, `@지현아`, `@민수가 말한 거`,
// `@Minsu님께서`. A mention is an @ at the start of the text or after a
// space or punctuation (so mail addresses are not), then the longest run of
// text that is someone's nick (compared as core/nick.ts folds nicks: case,
// width and look-alikes do not matter), then an ending that is not part of a
// name: nothing, a space or punctuation, or an honorific, vocative or
// particle (님, 씨, 아/야, 이/가, 은/는, 을/를, 에게, 한테, 께서…).
// Pure and browser-safe; the gateway resolves mentions to user ids
// (meta.mentions), the browser uses the same rule to highlight them.
import { MAX_NICK, nickSkeleton } from './nick.ts';

/** Endings after a nick that are not part of it: an optional title, then an optional particle. */
const TITLE = '(?:님|씨|군|양|쌤|선배님?|선생님|형|누나|언니|오빠|네|들)';
const PARTICLE =
  '(?:께서는|께서|에게서|에게는|에게도|에게|한테서|한테는|한테도|한테|께는|께도|께|이랑|랑|하고|이야|이여|이에요|예요|이야말로|야말로|' +
  '에서는|에서|으로는|으로|로는|로|이나|나|이라도|라도|까지|부터|처럼|보다|만큼|마저|조차|밖에|의|도|만|은|는|이|가|을|를|과|와|아|야|여|요|에)';
const ENDING = new RegExp(`^${TITLE}?${PARTICLE}?(?=$|[^\\p{L}\\p{N}])`, 'u');

/** Words after @ that address everyone or something other than a person: never "unknown". */
const NOT_PEOPLE = new Set(['here', 'channel', 'everyone', 'all', '모두', '전체', '채널', '여기']);

export interface MentionTarget {
  id: string;
}

export interface Mentions {
  /** user ids mentioned, in order of first mention, without duplicates */
  ids: string[];
  /** what followed an @ that names nobody (`@모르는사람`), as written */
  unknown: string[];
  /** where each resolved mention is in the text: [start, end) of `@nick` (without the ending) */
  spans: [number, number][];
}

/** Is the code point that ends at `i` (exclusive) a letter, digit or _ (a mail address's local part)? */
const wordCharBefore = (text: string, i: number): boolean => i > 0 && /[\p{L}\p{N}_]$/u.test(text.slice(Math.max(0, i - 2), i));

/**
 * Find the mentions in `text`. `lookup(folded)` answers for a folded nick
 * (nickSkeleton) the account it belongs to; `ignore(word)` may say a word
 * after @ is an address that is not a person (a bot), so it is not unknown.
 */
export function findMentions(text: string, lookup: (folded: string) => MentionTarget | undefined, ignore: (word: string) => boolean = () => false): Mentions {
  const ids: string[] = [];
  const unknown: string[] = [];
  const spans: [number, number][] = [];
  let at = text.indexOf('@');
  while (at >= 0) {
    if (!wordCharBefore(text, at) && text[at - 1] !== '@') {
      const found = match(text, at + 1, lookup);
      if (found) {
        if (!ids.includes(found.id)) ids.push(found.id);
        spans.push([at, found.end]);
      } else {
        const word = /^[\p{L}\p{N}_.-]+/u.exec(text.slice(at + 1))?.[0]?.replace(/[.-]+$/, '');
        if (word && !NOT_PEOPLE.has(word.toLowerCase()) && !ignore(word) && !unknown.includes(word)) unknown.push(word);
      }
    }
    at = text.indexOf('@', at + 1);
  }
  return { ids, unknown, spans };
}

/** The longest nick starting at `start` that is followed by an ending that is not part of a name. */
function match(text: string, start: number, lookup: (folded: string) => MentionTarget | undefined): { id: string; end: number } | null {
  // candidate ends, on code point boundaries, at most MAX_NICK code points and never across a line
  const ends: number[] = [];
  let i = start;
  for (let n = 0; n < MAX_NICK && i < text.length; n++) {
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    if (ch === '\n' || ch === '@') break;
    i += ch.length;
    ends.push(i);
  }
  for (let k = ends.length - 1; k >= 0; k--) {
    const end = ends[k];
    const candidate = text.slice(start, end);
    // a nick never ends in a space or punctuation (they fold away and would match a shorter nick twice)
    if (!/[\p{L}\p{N}_]$/u.test(candidate)) continue;
    const target = lookup(nickSkeleton(candidate));
    if (!target) continue;
    if (ENDING.test(text.slice(end))) return { id: target.id, end };
  }
  return null;
}
