// Korean text analysis callable from auditors' SQL: ko_tokens(text) →
// VARCHAR[] of the same topic terms topic statistics count (nouns from Kiwi,
// English words stemmed; core/korean/terms.ts), so a notebook can count 회의
// for 회의는/회의를/회의에서 alike and never counts 죽었어요:
//   SELECT t, count(*) FROM messages, unnest(ko_tokens(text)) AS u(t) GROUP BY t
// ko_lemmas(text) gives the verb and adjective lemmas (죽다). DuckDB calls
// scalar functions synchronously, so the Kiwi worker is asked through a shared
// buffer (Atomics.wait); prepareKorean() loads it before a statement that
// uses them runs. When Kiwi is unavailable the rule tokenizer answers (as
// topic statistics do), and ko_lemmas() is empty.
import type { Database } from '../../core/db.ts';
import { loadConfig } from '../../core/config.ts';
import { kiwiTerms, ruleTermsOf, type TermKind, type TopicTerm } from '../../core/korean/terms.ts';

const FUNCTIONS: { name: string; kind: TermKind }[] = [
  { name: 'ko_tokens', kind: 'noun' },
  { name: 'ko_lemmas', kind: 'verb' },
];

function analyse(text: string): TopicTerm[] {
  const config = loadConfig();
  const kiwi = config.kiwi.enabled ? kiwiTerms(config) : null;
  return kiwi?.termsSync([text])?.[0] ?? ruleTermsOf(text);
}

/** Load Kiwi (async) before a statement that calls ko_tokens/ko_lemmas, so the synchronous calls find it ready. */
export async function prepareKorean(sql: string): Promise<void> {
  if (!/\bko_(tokens|lemmas)\s*\(/i.test(sql)) return;
  const config = loadConfig();
  if (config.kiwi.enabled) await kiwiTerms(config).kiwi.ready();
}

/** Register the Korean SQL functions on the database (every connection of the instance sees them). */
export async function registerKoreanFunctions(db: Database): Promise<void> {
  for (const { name, kind } of FUNCTIONS) {
    await db.registerFunction({
      name,
      parameters: ['VARCHAR'],
      returns: 'VARCHAR[]',
      fn: (text) => (typeof text === 'string' ? analyse(text).filter((t) => t.kind === kind).map((t) => t.term) : null),
    });
  }
}
