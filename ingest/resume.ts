// Where ingest resumes: the DuckDB file is the source of truth, not the
// consumer group's committed offsets. They agree in normal operation (the
// Kafka commit follows each DuckDB commit), but not when an audit node is
// rebuilt: a new or emptied DATA_DIR, or one restored from a Parquet
// snapshot (ingest/snapshot.ts), keeps its group name (KCHAT_INGEST_GROUP)
// while the group still remembers how far the lost file had got. Reading from
// those offsets would skip everything the new file never stored. So whenever
// the consumer is given partitions (the first join and every rebalance), each
// one is positioned at the database's next offset, or at the start of the log
// when the database has none; records before it are skipped by the consumer
// as before.
import { topicOffsets, type Admin, type Consumer } from '../core/kafka.ts';
import { logger } from '../core/log.ts';

const log = logger('ingest.resume');

export interface ResumeOptions {
  consumer: Consumer;
  admin: Admin;
  group: string;
  topic: string;
  /** next offset to store per partition, kept current by the consumer as it commits */
  next: ReadonlyMap<number, bigint>;
}

/** Call before consumer.run(): every assignment starts where the database ends. */
export async function resumeFromDatabase(o: ResumeOptions): Promise<void> {
  const start = new Map((await topicOffsets(o.admin, o.topic)).map((p) => [p.partition, BigInt(p.low)]));
  const [committed] = await o.admin.fetchOffsets({ groupId: o.group, topics: [o.topic] });
  // the group got further than this database: a lost, emptied or replaced DATA_DIR under the same group
  const behind = (committed?.partitions ?? []).filter((p) => BigInt(p.offset) > (o.next.get(p.partition) ?? start.get(p.partition) ?? 0n));
  if (behind.length) {
    log.warn(
      { group: o.group, partitions: behind.map((p) => ({ partition: p.partition, group: p.offset, database: String(o.next.get(p.partition) ?? start.get(p.partition) ?? 0n) })) },
      'this node\'s database is behind its ingest group (a rebuilt or restored DATA_DIR): reading the log again from the database\'s position',
    );
  }
  const { groups } = await o.admin.describeGroups([o.group]);
  if (groups[0]?.members.length) {
    log.warn({ group: o.group, members: groups[0].members.length }, 'the ingest group already has members: a node killed moments ago leaves within its session timeout, but if another audit node uses this KCHAT_INGEST_GROUP, each would store only part of the log — give every audit node its own');
  }
  o.consumer.on(o.consumer.events.GROUP_JOIN, ({ payload }) => {
    // synchronous, before the first fetch of this assignment: kafkajs applies seeks at the next fetch
    for (const partition of payload.memberAssignment[o.topic] ?? []) {
      const at = o.next.get(partition) ?? start.get(partition) ?? 0n;
      o.consumer.seek({ topic: o.topic, partition, offset: at.toString() });
    }
  });
}
