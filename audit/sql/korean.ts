// Korean text analysis callable from auditors' SQL: ko_tokens(text) →
// VARCHAR[] of terms with particles and common endings removed (the same
// tokenizer as search and topic statistics, core/korean/tokenize.ts), so a
// notebook can count 회의 for 회의는/회의를/회의에서 alike:
//   SELECT t, count(*) FROM messages, unnest(ko_tokens(text)) AS u(t) GROUP BY t
import type { Database } from '../../core/db.ts';
import { terms } from '../../core/korean/tokenize.ts';

/** Register the Korean SQL functions on the database (every connection of the instance sees them). */
export function registerKoreanFunctions(db: Database): Promise<void> {
  return db.registerFunction({
    name: 'ko_tokens',
    parameters: ['VARCHAR'],
    returns: 'VARCHAR[]',
    fn: (text) => (typeof text === 'string' ? terms(text) : null),
  });
}
