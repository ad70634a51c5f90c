// Korean text analysis callable from auditors' SQL: ko_tokens(text) →
// VARCHAR[] of terms with particles and common endings removed (the same
// tokenizer as search and topic statistics, core/korean/tokenize.ts), so a
// notebook can count 회의 for 회의는/회의를/회의에서 alike:
//   SELECT t, count(*) FROM messages, unnest(ko_tokens(text)) AS u(t) GROUP BY t
import { DuckDBScalarFunction, LIST, VARCHAR, listValue, type DuckDBConnection } from '@duckdb/node-api';
import { terms } from '../../core/korean/tokenize.ts';

/** Register the Korean SQL functions on a connection (they become visible to every connection of the instance). */
export async function registerKoreanFunctions(conn: DuckDBConnection): Promise<void> {
  const exists = await conn.runAndReadAll("SELECT count(*) FROM duckdb_functions() WHERE function_name = 'ko_tokens'");
  if (Number(exists.getRows()[0]?.[0] ?? 0) > 0) return;
  conn.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: 'ko_tokens',
      returnType: LIST(VARCHAR),
      parameterTypes: [VARCHAR],
      mainFunction: (_info, input, output) => {
        const texts = input.getColumnVector(0);
        for (let row = 0; row < input.rowCount; row++) {
          const text = texts.getItem(row);
          output.setItem(row, typeof text === 'string' ? listValue(terms(text)) : null);
        }
        output.flush();
      },
    }),
  );
}
