// RFC 4180 CSV: quoted fields with "" escapes, commas and line breaks inside
// quotes, CRLF or LF. Each record remembers the physical line it started on,
// so a broken record is reported by line number.

export interface CsvRecord {
  line: number;
  fields: string[];
  /** the record's source text (for the imported row's original line) */
  text: string;
  /** set when the record is malformed (the reason) */
  error?: string;
}

export function parseCsv(input: string, delimiter = ','): CsvRecord[] {
  const s = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  return parseCsvPrefix(s, delimiter, true, 1).records;
}

/**
 * The complete records at the start of `s` (streaming: the caller keeps
 * `s.slice(consumed)` and appends the next chunk). With `final` false a record
 * that reaches the end of `s` is left for the next call, since its closing
 * quote or line break may be in the next chunk.
 */
export function parseCsvPrefix(s: string, delimiter: string, final: boolean, firstLine: number): { records: CsvRecord[]; consumed: number; line: number } {
  const out: CsvRecord[] = [];
  let i = 0;
  let line = firstLine;
  while (i < s.length) {
    const startLine = line;
    const startIdx = i;
    const fields: string[] = [];
    let field = '';
    let error: string | undefined;
    let quoted = false;
    let endOfRecord = false;
    while (!endOfRecord) {
      if (i >= s.length) break;
      const c = s[i];
      if (quoted) {
        if (c === '"') {
          if (s[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            quoted = false;
            i++;
            const n = s[i];
            if (n !== undefined && n !== delimiter && n !== '\n' && n !== '\r') {
              error ??= `text after a closing quote in field ${fields.length + 1}`;
            }
          }
        } else {
          if (c === '\n') line++;
          field += c;
          i++;
        }
        continue;
      }
      if (c === '"' && field === '') {
        quoted = true;
        i++;
      } else if (c === delimiter) {
        fields.push(field);
        field = '';
        i++;
      } else if (c === '\r' || c === '\n') {
        if (c === '\r' && i + 1 === s.length && !final) break; // its \n may open the next chunk
        i += c === '\r' && s[i + 1] === '\n' ? 2 : 1;
        line++;
        endOfRecord = true;
      } else {
        if (c === '"') error ??= `stray quote in unquoted field ${fields.length + 1}`;
        field += c;
        i++;
      }
    }
    if (!endOfRecord && !final) {
      // the record runs past the end of this chunk: wait for more text
      return { records: out, consumed: startIdx, line: startLine };
    }
    if (quoted) error = 'unterminated quoted field (missing closing ")';
    fields.push(field);
    const text = s.slice(startIdx, i).replace(/\r?\n$/, '');
    // a blank line is not a record
    if (fields.length === 1 && fields[0] === '' && !error) continue;
    out.push({ line: startLine, fields, text, ...(error ? { error } : {}) });
  }
  return { records: out, consumed: i, line };
}
