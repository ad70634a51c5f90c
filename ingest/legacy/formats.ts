// The bootcamp's file formats and how a file's format is recognised. Reading
// a file as a stream of raw records is stream.ts's job; turning a record into
// an envelope is records.ts's.
import path from 'node:path';

export const FORMATS = ['python-dict', 'jsonl', 'json-array', 'csv', 'parquet'] as const;
export type LegacyFormat = (typeof FORMATS)[number];

export interface RawRecord {
  /** 1-based line (Parquet: row number) where the record starts */
  line: number;
  /** position among the file's records, 0-based */
  index: number;
  /** the record as written in the file */
  original: string;
  fields?: Record<string, unknown>;
  /** why the record could not be read */
  error?: string;
}

/** Extension first, then the bytes: Parquet magic, `[` (JSON array), `{` lines (JSON or Python), else CSV. */
export function detectFormat(file: string, head: Buffer): LegacyFormat {
  const ext = path.extname(file).toLowerCase();
  if (head.subarray(0, 4).toString('latin1') === 'PAR1' || ext === '.parquet' || ext === '.pq') return 'parquet';
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const first = text.trimStart()[0];
  if (first === '[') return 'json-array';
  if (first === '{') {
    if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
    const line = text.trimStart().split('\n')[0];
    // JSON keys are double-quoted; a Python repr of a dict quotes with ' unless the key contains '
    return /^\{\s*"/.test(line) && !/^\{\s*"[^"]*'/.test(line) && !/\b(True|False|None)\b/.test(line) ? 'jsonl' : 'python-dict';
  }
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  return 'csv';
}
