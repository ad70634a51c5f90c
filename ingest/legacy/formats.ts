// Reading the bootcamp's files into raw records (one per log line, JSON
// element, CSV row or Parquet row), each with the line it came from. Turning
// a record into a message row is records.ts's job.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Database } from '../../core/db.ts';
import { jsonSafe } from '../../core/text.ts';
import { parseCsv } from './csv.ts';
import { parsePyLiteral, PyLiteralError } from './pyliteral.ts';

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

function lines(text: string): RawRecord[] {
  const out: RawRecord[] = [];
  const all = text.replace(/^\uFEFF/, '').split('\n');
  for (let i = 0; i < all.length; i++) {
    const l = all[i].replace(/\r$/, '');
    if (l.trim() === '') continue; // blank lines are not records
    out.push({ line: i + 1, index: out.length, original: l });
  }
  return out;
}

const asObject = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

function readPythonDicts(text: string): RawRecord[] {
  return lines(text).map((r) => {
    let value: unknown;
    try {
      value = parsePyLiteral(r.original);
    } catch (err) {
      // a JSON line in a Python log (true/false/null) is still a record
      try {
        value = JSON.parse(r.original);
      } catch {
        return { ...r, error: `invalid Python literal: ${err instanceof PyLiteralError ? err.message : String(err)}` };
      }
    }
    const obj = asObject(value);
    return obj ? { ...r, fields: obj } : { ...r, error: 'record is not a dict' };
  });
}

function readJsonLines(text: string): RawRecord[] {
  return lines(text).map((r) => {
    let value: unknown;
    try {
      value = JSON.parse(r.original);
    } catch (err) {
      return { ...r, error: `invalid JSON: ${(err as Error).message}` };
    }
    const obj = asObject(value);
    return obj ? { ...r, fields: obj } : { ...r, error: 'record is not a JSON object' };
  });
}

/** Split a JSON array into its elements (with start lines) without trusting the whole file to parse. */
function readJsonArray(text: string): RawRecord[] {
  const s = text.replace(/^\uFEFF/, '');
  const out: RawRecord[] = [];
  let i = s.indexOf('[');
  let line = 1 + (s.slice(0, Math.max(i, 0)).match(/\n/g)?.length ?? 0);
  i++;
  const skip = () => {
    while (i < s.length && /[\s,]/.test(s[i])) {
      if (s[i] === '\n') line++;
      i++;
    }
  };
  for (;;) {
    skip();
    if (i >= s.length) {
      out.push({ line, index: out.length, original: '', error: 'unterminated JSON array (missing "]")' });
      break;
    }
    if (s[i] === ']') break;
    const start = i;
    const startLine = line;
    let depth = 0;
    let inString = false;
    for (; i < s.length; i++) {
      const c = s[i];
      if (c === '\n') line++;
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        if (depth === 0) break; // the array's closing bracket after a scalar
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      } else if (c === ',' && depth === 0) break;
    }
    const original = s.slice(start, i).trim();
    const rec: RawRecord = { line: startLine, index: out.length, original };
    try {
      const obj = asObject(JSON.parse(original));
      if (obj) rec.fields = obj;
      else rec.error = 'array element is not a JSON object';
    } catch (err) {
      rec.error = `invalid JSON: ${(err as Error).message}`;
    }
    out.push(rec);
  }
  return out;
}

function readCsv(text: string, file: string): RawRecord[] {
  const delimiter = path.extname(file).toLowerCase() === '.tsv' ? '\t' : ',';
  const rows = parseCsv(text, delimiter);
  if (rows.length === 0) return [];
  const header = rows[0].fields.map((h) => h.trim());
  return rows.slice(1).map((r, index) => {
    const rec: RawRecord = { line: r.line, index, original: r.text };
    if (r.error) return { ...rec, error: `CSV: ${r.error}` };
    if (r.fields.length !== header.length) return { ...rec, error: `CSV: expected ${header.length} fields (${header.join(', ')}), found ${r.fields.length}` };
    rec.fields = Object.fromEntries(header.map((h, k) => [h, r.fields[k]]));
    return rec;
  });
}

/** Parquet through DuckDB; the file is copied under $DATA_DIR/tmp first (the instance may only touch $DATA_DIR). */
async function readParquet(db: Database, dataDir: string, file: string): Promise<RawRecord[]> {
  const tmpDir = path.join(dataDir, 'tmp');
  fs.mkdirSync(tmpDir, { recursive: true });
  const copy = path.join(tmpDir, `import-${randomUUID()}.parquet`);
  fs.copyFileSync(file, copy);
  try {
    const rows = await db.all<Record<string, unknown>>(`SELECT * FROM read_parquet('${copy.replace(/'/g, "''")}')`);
    return rows.map((fields, index) => ({ line: index + 1, index, original: JSON.stringify(jsonSafe(fields)), fields }));
  } catch (err) {
    throw new Error(`${path.basename(file)} is not a readable Parquet file: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  } finally {
    fs.rmSync(copy, { force: true });
  }
}

export async function readRecords(db: Database, dataDir: string, file: string): Promise<{ format: LegacyFormat; records: RawRecord[] }> {
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(4096);
  let n: number;
  try {
    n = fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  const format = detectFormat(file, head.subarray(0, n));
  if (format === 'parquet') return { format, records: await readParquet(db, dataDir, file) };
  // invalid UTF-8 bytes become U+FFFD here; the importer cleans text again (lone surrogates from escapes)
  const text = fs.readFileSync(file).toString('utf8');
  switch (format) {
    case 'python-dict':
      return { format, records: readPythonDicts(text) };
    case 'jsonl':
      return { format, records: readJsonLines(text) };
    case 'json-array':
      return { format, records: readJsonArray(text) };
    case 'csv':
      return { format, records: readCsv(text, file) };
  }
}
