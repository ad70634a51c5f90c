// The ingest side of imports: how an imported envelope becomes a row (its
// source file, its exact time or none), that an imported id is stored at most
// once, and which ids a source already has (for the importer's counts).
import type { Database, Session } from '../../core/db.ts';
import type { Envelope } from '../../core/envelope.ts';
import type { LegacyMeta } from './records.ts';
import { ensureIngestSchema } from '../schema.ts';

const LEGACY_SOURCE = 'legacy:';

/** Row columns that differ for an imported envelope (meta.legacy), or null for live events. */
export function legacyColumns(e: Envelope): { source: string; ts_us: bigint | null } | null {
  const l = e.meta.legacy as Partial<LegacyMeta> | undefined;
  if (!l || typeof l !== 'object' || typeof l.file !== 'string') return null;
  let ts: bigint | null = null;
  if (l.no_time !== true) ts = typeof l.time_us === 'string' && /^\d{1,19}$/.test(l.time_us) ? BigInt(l.time_us) : BigInt(e.ts) * 1000n;
  return { source: LEGACY_SOURCE + l.file, ts_us: ts };
}

/** The last rowid of messages (-1 when empty): what a commit adds lies after it. */
export async function lastRowid(tx: Session): Promise<bigint> {
  const r = await tx.one<{ r: bigint | null }>('SELECT max(rowid) AS r FROM messages');
  return r?.r === null || r?.r === undefined ? -1n : BigInt(r.r);
}

/**
 * Delete the imported rows added after `after` (this commit) whose id was
 * stored before, or repeats one earlier in the commit: a re-import (or two
 * imports of one file at once, or a re-run after an interrupted one) adds
 * nothing. Live rows are untouched (Kafka redelivery is caught by offsets);
 * a commit without imported rows costs one look at its own rows.
 */
export async function dropRepeatedImports(tx: Session, after: bigint): Promise<number> {
  const fresh = await tx.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM messages WHERE rowid > ? AND starts_with(source, '${LEGACY_SOURCE}')`, [after]);
  if (!fresh?.n) return 0;
  return tx.run(
    `DELETE FROM messages WHERE rowid IN (
       SELECT rowid FROM (
         SELECT rowid, id, row_number() OVER (PARTITION BY id ORDER BY rowid) AS n
           FROM messages WHERE rowid > ? AND starts_with(source, '${LEGACY_SOURCE}')) AS added
        WHERE n > 1 OR id IN (SELECT id FROM messages WHERE rowid <= ? AND starts_with(source, '${LEGACY_SOURCE}')))`,
    [after, after],
  );
}

/** The ids stored for `source` (`legacy:<file name>`), streamed in batches. */
export async function* storedIds(db: Database, source: string): AsyncGenerator<string[]> {
  await ensureIngestSchema(db);
  for await (const chunk of db.stream('SELECT id FROM messages WHERE source = ?', [source])) yield chunk.columns[0] as string[];
}
