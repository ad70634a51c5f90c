// Reading a legacy file as a stream of raw records (one per log line, JSON
// element, CSV row or Parquet row), each with the line it came from, in
// batches — never the whole file in memory. Turning a record into an
// envelope is records.ts's job.
import fs from 'node:fs';
import path from 'node:path';
import { chunkRows, Database, type Chunk } from '../../core/db.ts';
import { jsonSafe } from '../../core/text.ts';
import { parseCsvPrefix } from './csv.ts';
import { detectFormat, type LegacyFormat, type RawRecord } from './formats.ts';
import { parsePyLiteral, PyLiteralError } from './pyliteral.ts';

/** Bytes read at a time. */
const CHUNK = 1 << 20;
/** Records handed on at a time. */
export const BATCH = 4096;

export interface RecordStream {
  format: LegacyFormat;
  /** file size in bytes (for progress) */
  size: number;
  /** bytes read so far */
  position(): number;
  batches(): AsyncGenerator<RawRecord[]>;
}

const asObject = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

function jsonLine(r: RawRecord): RawRecord {
  let value: unknown;
  try {
    value = JSON.parse(r.original);
  } catch (err) {
    return { ...r, error: `invalid JSON: ${(err as Error).message}` };
  }
  const obj = asObject(value);
  if (obj) r.fields = obj;
  else r.error = 'record is not a JSON object';
  return r;
}

function pythonLine(r: RawRecord): RawRecord {
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
}

/** The file's bytes in chunks; `pos` tracks how far. */
async function* chunks(file: string, pos: { n: number }): AsyncGenerator<Buffer> {
  const handle = await fs.promises.open(file, 'r');
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK);
      const { bytesRead } = await handle.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) return;
      pos.n += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** JSON Lines and Python dict lines: split on \n at the byte level, decode each line once. */
async function* lineBatches(file: string, pos: { n: number }, parse: (r: RawRecord) => RawRecord): AsyncGenerator<RawRecord[]> {
  let carry: Buffer | null = null;
  let lineNo = 0;
  let index = 0;
  let first = true;
  let batch: RawRecord[] = [];
  const take = (buf: Buffer, start: number, end: number) => {
    lineNo++;
    if (end > start && buf[end - 1] === 0x0d) end--;
    if (first) {
      first = false;
      if (end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
    }
    // invalid UTF-8 bytes become U+FFFD here; the importer cleans text again (lone surrogates from escapes)
    const text = buf.toString('utf8', start, end);
    if (text.trim() === '') return; // blank lines are not records
    batch.push(parse({ line: lineNo, index: index++, original: text }));
  };
  for await (const chunk of chunks(file, pos)) {
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      take(buf, start, nl);
      start = nl + 1;
    }
    carry = start < buf.length ? Buffer.from(buf.subarray(start)) : null;
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (carry) take(carry, 0, carry.length);
  if (batch.length) yield batch;
}

/** Decoded text in chunks (a UTF-8 sequence split between two chunks is joined). */
async function* textChunks(file: string, pos: { n: number }): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let first = true;
  for await (const chunk of chunks(file, pos)) {
    let text = decoder.decode(chunk, { stream: true });
    if (first) {
      first = false;
      text = text.replace(/^\uFEFF/, '');
    }
    yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

async function* csvBatches(file: string, pos: { n: number }): AsyncGenerator<RawRecord[]> {
  const delimiter = path.extname(file).toLowerCase() === '.tsv' ? '\t' : ',';
  let header: string[] | null = null;
  let text = '';
  let line = 1;
  let index = 0;
  const convert = (recs: ReturnType<typeof parseCsvPrefix>['records']): RawRecord[] => {
    const out: RawRecord[] = [];
    for (const r of recs) {
      if (!header) {
        header = r.fields.map((h) => h.trim());
        continue;
      }
      const rec: RawRecord = { line: r.line, index: index++, original: r.text };
      if (r.error) out.push({ ...rec, error: `CSV: ${r.error}` });
      else if (r.fields.length !== header.length) out.push({ ...rec, error: `CSV: expected ${header.length} fields (${header.join(', ')}), found ${r.fields.length}` });
      else out.push({ ...rec, fields: Object.fromEntries(header.map((h, k) => [h, r.fields[k]])) });
    }
    return out;
  };
  for await (const chunk of textChunks(file, pos)) {
    text += chunk;
    const p = parseCsvPrefix(text, delimiter, false, line);
    text = text.slice(p.consumed);
    line = p.line;
    const out = convert(p.records);
    if (out.length) yield out;
  }
  const p = parseCsvPrefix(text, delimiter, true, line);
  const out = convert(p.records);
  if (out.length) yield out;
}

/** A JSON array split into its elements (with start lines) without trusting the whole file to parse. */
async function* jsonArrayBatches(file: string, pos: { n: number }): AsyncGenerator<RawRecord[]> {
  let s = '';
  let i = 0;
  let line = 1;
  let opened = false;
  let index = 0;
  let done = false;
  let batch: RawRecord[] = [];
  const element = (original: string, startLine: number): RawRecord => {
    const rec: RawRecord = { line: startLine, index: index++, original };
    try {
      const obj = asObject(JSON.parse(original));
      if (obj) rec.fields = obj;
      else rec.error = 'array element is not a JSON object';
    } catch (err) {
      rec.error = `invalid JSON: ${(err as Error).message}`;
    }
    return rec;
  };
  /** Scan what is buffered; returns false when it needs more text. */
  const scan = (final: boolean): void => {
    for (;;) {
      if (!opened) {
        const b = s.indexOf('[', i);
        if (b === -1) {
          for (; i < s.length; i++) if (s[i] === '\n') line++;
          return;
        }
        for (; i < b; i++) if (s[i] === '\n') line++;
        i = b + 1;
        opened = true;
      }
      while (i < s.length && /[\s,]/.test(s[i])) {
        if (s[i] === '\n') line++;
        i++;
      }
      if (i >= s.length) {
        if (final) {
          batch.push({ line, index: index++, original: '', error: 'unterminated JSON array (missing "]")' });
          done = true;
        }
        return;
      }
      if (s[i] === ']') {
        done = true;
        return;
      }
      const start = i;
      const startLine = line;
      let depth = 0;
      let inString = false;
      let j = i;
      let nl = 0;
      let complete = false;
      for (; j < s.length; j++) {
        const c = s[j];
        if (c === '\n') nl++;
        if (inString) {
          if (c === '\\') j++;
          else if (c === '"') inString = false;
          continue;
        }
        if (c === '"') inString = true;
        else if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') {
          if (depth === 0) {
            complete = true; // the array's closing bracket after a scalar
            break;
          }
          depth--;
          if (depth === 0) {
            j++;
            complete = true;
            break;
          }
        } else if (c === ',' && depth === 0) {
          complete = true;
          break;
        }
      }
      if (!complete && !final) return; // the element continues in the next chunk
      batch.push(element(s.slice(start, j).trim(), startLine));
      line += nl;
      i = j;
      if (!complete) {
        // final text ended inside an element: the array is unterminated too
        batch.push({ line, index: index++, original: '', error: 'unterminated JSON array (missing "]")' });
        done = true;
        return;
      }
    }
  };
  for await (const chunk of textChunks(file, pos)) {
    if (done) continue; // text after the closing bracket is ignored, as before
    s = s.slice(i) + chunk;
    i = 0;
    scan(false);
    if (batch.length) {
      yield batch;
      batch = [];
    }
  }
  if (!done) {
    s = s.slice(i);
    i = 0;
    scan(true);
    if (!done && !opened) batch.push({ line, index: index++, original: '', error: 'unterminated JSON array (missing "]")' });
  }
  if (batch.length) yield batch;
}

/** Parquet through an in-memory DuckDB of this process (allowed to read the file's folder only), streamed. */
async function* parquetBatches(file: string, pos: { n: number }, size: number): AsyncGenerator<RawRecord[]> {
  const db = await Database.open(':memory:', { harden: { allowedDirectories: [path.dirname(path.resolve(file))] } });
  try {
    let index = 0;
    const chunks = db.stream('SELECT * FROM read_parquet(?)', [path.resolve(file)]);
    for (;;) {
      let next: IteratorResult<Chunk>;
      try {
        next = await chunks.next();
      } catch (err) {
        throw new Error(`${path.basename(file)} is not a readable Parquet file: ${(err as Error).message.split('\n')[0]}`, { cause: err });
      }
      if (next.done) break;
      const chunk = next.value;
      yield chunkRows(chunk).map((values) => {
        const fields = Object.fromEntries(chunk.names.map((n, k) => [n, values[k]]));
        index++;
        return { line: index, index: index - 1, original: JSON.stringify(jsonSafe(fields)), fields };
      });
    }
    pos.n = size;
  } finally {
    await db.close();
  }
}

/** Open `file` as a stream of record batches (format detected from extension and first bytes). */
export async function openRecords(file: string): Promise<RecordStream> {
  const st = await fs.promises.stat(file);
  const head = Buffer.alloc(4096);
  const fh = await fs.promises.open(file, 'r');
  let n: number;
  try {
    ({ bytesRead: n } = await fh.read(head, 0, head.length, 0));
  } finally {
    await fh.close();
  }
  const format = detectFormat(file, head.subarray(0, n));
  const pos = { n: 0 };
  const batches = (): AsyncGenerator<RawRecord[]> => {
    switch (format) {
      case 'python-dict':
        return lineBatches(file, pos, pythonLine);
      case 'jsonl':
        return lineBatches(file, pos, jsonLine);
      case 'json-array':
        return jsonArrayBatches(file, pos);
      case 'csv':
        return csvBatches(file, pos);
      case 'parquet':
        return parquetBatches(file, pos, st.size);
    }
  };
  return { format, size: st.size, position: () => pos.n, batches };
}
