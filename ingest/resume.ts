// Where ingest resumes: the DuckDB file is the source of truth, not the
// consumer group's committed offsets. They agree in normal operation (the
// Kafka commit follows each DuckDB commit), but not when an audit node is
// rebuilt: a new or emptied DATA_DIR, or one restored from a Parquet
// snapshot (ingest/snapshot.ts), keeps its group name (KCHAT_INGEST_GROUP)
// while the group still remembers how far the lost file had got. Joining
// with those offsets would skip everything the new file never stored, so
// before the consumer joins, the group is moved to the database's position:
// the stored next offset per partition, else the start of the log.
import type { Admin } from '../core/kafka.ts';
import { logger } from '../core/log.ts';

const log = logger('ingest.resume');

/** How long to wait for members of a killed node to leave the group (Kafka drops them after their session timeout). */
const EMPTY_GROUP_WAIT_MS = 60_000;

export interface ResumeOptions {
  admin: Admin;
  group: string;
  topic: string;
  /** next offset to store per partition, from the database */
  next: ReadonlyMap<number, bigint>;
}

/**
 * Move the group to the database's position where it is ahead of it (or has
 * nothing yet while the database has a restored position). Returns the
 * partitions moved (from → to), empty when nothing had to move.
 */
export async function alignGroupWithDatabase(o: ResumeOptions): Promise<{ partition: number; from: string; to: string }[]> {
  const [committed] = await o.admin.fetchOffsets({ groupId: o.group, topics: [o.topic] });
  const low = new Map((await o.admin.fetchTopicOffsets(o.topic)).map((p) => [p.partition, BigInt(p.low)]));
  const moves: { partition: number; from: string; to: string }[] = [];
  for (const p of committed?.partitions ?? []) {
    const at = BigInt(p.offset); // -1: nothing committed yet
    const want = o.next.get(p.partition) ?? low.get(p.partition) ?? 0n;
    // Behind the database (a crash between the DuckDB and the Kafka commit) is fine: stored offsets are skipped.
    // Ahead of it would lose records; nothing committed yet, with a restored position, would re-read what is stored.
    const ahead = at > want;
    const fresh = at < 0n && o.next.has(p.partition) && want > (low.get(p.partition) ?? 0n);
    if (ahead || fresh) moves.push({ partition: p.partition, from: p.offset, to: want.toString() });
  }
  if (!moves.length) return moves;
  const deadline = Date.now() + EMPTY_GROUP_WAIT_MS;
  for (let delay = 500; ; delay = Math.min(delay * 2, 5000)) {
    try {
      await o.admin.setOffsets({ groupId: o.group, topic: o.topic, partitions: moves.map((m) => ({ partition: m.partition, offset: m.to })) });
      break;
    } catch (err) {
      // Kafka refuses while the group has members: a node killed moments ago is still in it until its session ends
      if (Date.now() > deadline) {
        throw new Error(
          `ingest group "${o.group}" still has running members after ${EMPTY_GROUP_WAIT_MS / 1000} s, so this node cannot resume it from its own database ` +
            `(${(err as Error).message}). Another audit node may use the same KCHAT_INGEST_GROUP: every audit node needs its own.`,
          { cause: err },
        );
      }
      log.info({ group: o.group, err: (err as Error).message }, 'waiting for the ingest group to be empty before moving it to the database position');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  log.warn({ group: o.group, topic: o.topic, moves }, 'ingest group moved to where this node\'s database is (rebuilt or restored DATA_DIR)');
  return moves;
}
