// `kchat import-legacy`: the bootcamp's log files → DuckDB `messages`
// directly (not through Kafka: these are history, not live chat). Counts
// always add up: read = imported + duplicates + rejected.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../core/config.ts';
import type { Database } from '../../core/db.ts';
import { channelName } from '../../core/envelope.ts';
import { logger } from '../../core/log.ts';
import { ensureIngestSchema } from '../schema.ts';
import { messageLog } from '../log.ts';
import type { MessageRow } from '../store.ts';
import { readRecords, type LegacyFormat } from './formats.ts';
import { normalise } from './records.ts';
import { InputError } from '../../core/errors.ts';

const log = logger('ingest.legacy');

export interface FileSummary {
  file: string;
  format: LegacyFormat;
  read: number;
  imported: number;
  duplicates: number;
  rejected: { line: number; reason: string }[];
}

export interface ImportOptions {
  db: Database;
  config: Config;
  files: string[];
  /** channel for records that do not name one (default `legacy`) */
  channel?: string;
}

/** An input error (core/errors.ts) with its own name, so callers and tests can tell where it came from. */
export class ImportInputError extends InputError {
  constructor(message: string) {
    super('bad_import', message);
    this.name = 'ImportInputError';
  }
}

export async function importFile(db: Database, config: Config, file: string, channel: string): Promise<FileSummary> {
  const base = path.basename(file);
  const { format, records } = await readRecords(db, config.dataDir, file);
  const summary: FileSummary = { file, format, read: records.length, imported: 0, duplicates: 0, rejected: [] };
  const source = `legacy:${base}`;
  const existing = new Set((await db.all<{ id: string }>('SELECT id FROM messages WHERE source = ?', [source])).map((r) => r.id));
  const seen = new Set<string>();
  const rows: MessageRow[] = [];
  for (const rec of records) {
    const n = normalise(rec, { file: base, format, channel, tz: config.tzReports });
    if (!n.ok) {
      summary.rejected.push({ line: rec.line, reason: n.reason });
      continue;
    }
    if (seen.has(n.row.id) || existing.has(n.row.id)) {
      summary.duplicates++;
      continue;
    }
    seen.add(n.row.id);
    rows.push(n.row);
  }
  await messageLog(db).append(rows);
  summary.imported = rows.length;
  log.info({ file: base, format, read: summary.read, imported: summary.imported, duplicates: summary.duplicates, rejected: summary.rejected.length }, 'legacy file imported');
  return summary;
}

export async function importLegacy(o: ImportOptions): Promise<{ files: FileSummary[] }> {
  const channel = o.channel === undefined ? 'legacy' : channelName(o.channel);
  if (!channel) throw new ImportInputError(`not a valid channel name: "${o.channel}"`);
  if (o.files.length === 0) throw new ImportInputError('no files given');
  for (const f of o.files) {
    let st: fs.Stats;
    try {
      st = fs.statSync(f);
    } catch (err) {
      throw new ImportInputError(`cannot read ${f}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    if (!st.isFile()) throw new ImportInputError(`${f} is not a file`);
  }
  await ensureIngestSchema(o.db);
  const files: FileSummary[] = [];
  for (const f of o.files) files.push(await importFile(o.db, o.config, f, channel));
  return { files };
}
