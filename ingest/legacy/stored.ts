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
 *
 * The ids looked up in the history are this commit's (the inner IN builds
 * its hash table on them); the history is only scanned past them. The
 * other way round — `id IN (every imported id stored before)` — built a
 * table of the whole imported history at every commit: ~200 MB per commit
 * at 2,000,000 imported rows, growing with the archive.
 */
export async function dropRepeatedImports(tx: Session, after: bigint): Promise<number> {
  const fresh = await tx.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM messages WHERE rowid > ? AND starts_with(source, '${LEGACY_SOURCE}')`, [after]);
  if (!fresh?.n) return 0;
  const added = `rowid > $after AND starts_with(source, '${LEGACY_SOURCE}')`;
  return tx.run(
    `DELETE FROM messages WHERE rowid IN (
       SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY id ORDER BY rowid) AS n FROM messages WHERE ${added}) AS repeats WHERE n > 1
       UNION ALL
       SELECT rowid FROM messages WHERE ${added} AND id IN (
         SELECT id FROM messages WHERE rowid <= $after AND starts_with(source, '${LEGACY_SOURCE}')
            AND id IN (SELECT id FROM messages WHERE ${added})))`,
    { after },
  );
}

/** The ids stored for `source` (`legacy:<file name>`), streamed in batches. */
export async function* storedIds(db: Database, source: string): AsyncGenerator<string[]> {
  await ensureIngestSchema(db);
  for await (const chunk of db.stream('SELECT id FROM messages WHERE source = ?', [source])) yield chunk.columns[0] as string[];
}
