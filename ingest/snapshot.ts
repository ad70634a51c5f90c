// A new audit node from a Parquet snapshot plus the log after it, instead of
// the whole log (`kchat restore --from DIR`).
//
// The snapshot is another audit node's daily Parquet (dt=YYYY-MM-DD/*.parquet,
// ingest/pipeline.ts), whose rows carry their Kafka partition and offset.
// Within a partition, offsets are consecutive (kchat writes no transactions),
// so for each partition the snapshot is complete up to its first gap: a
// record the snapshot lacks (today's, not exported yet; one refused to the
// DLQ; one whose day was exported before it arrived). The rows before the gap
// are loaded, the group resumes at the gap, and Kafka redelivers the rest —
// rows after a gap are left to the log, so nothing is stored twice.
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../core/db.ts';
import { InputError } from '../core/errors.ts';
import { messageLog } from './log.ts';
import { MESSAGES } from './schema.ts';
import { nowUs, OLD_NICK_KEYS } from './store.ts';

export interface RestoreOptions {
  /** this node's (empty) database */
  db: Database;
  /** the chat.events topic of this installation (kafkaNames(config).topics.events) */
  topic: string;
  /** the log's first offset per partition (Kafka's log start; 0 while retention is unbounded) */
  logStart: ReadonlyMap<number, number>;
  /** folder of the snapshot: dt=YYYY-MM-DD/ folders of Parquet files */
  from: string;
  /** where this node keeps its own daily Parquet: days it lacks are copied there, so it can seed the next node */
  parquetRoot?: string;
  /** progress: rows loaded so far of the total */
  onProgress?(loaded: number, total: number): void;
}

export interface RestoreResult {
  from: string;
  files: number;
  /** rows stored from the snapshot */
  rows: number;
  /** snapshot rows after a gap, left for the log to deliver */
  left_to_log: number;
  /** where ingest resumes in each partition */
  partitions: { partition: number; log_start: number; resume_at: number }[];
  /** days copied into this node's own Parquet folder */
  copied_days: string[];
}

const DAY_DIR = /^dt=\d{4}-\d{2}-\d{2}$/;

/** Load a snapshot into an empty node and record where ingest resumes, all in one transaction. */
export async function restoreFromSnapshot(o: RestoreOptions): Promise<RestoreResult> {
  const files = snapshotFiles(o.from);
  const log = messageLog(o.db);
  await log.ready();
  const held = await o.db.one<{ n: number }>('SELECT count(*) AS n FROM messages');
  if (Number(held?.n ?? 0) > 0) {
    throw new InputError('not_empty', `이 노드의 데이터베이스에 이미 메시지 ${held!.n}개가 있습니다: 스냅숏은 빈 DATA_DIR에만 복원합니다 (this node already holds ${held!.n} messages; restore into an empty DATA_DIR)`);
  }
  // the node's database reads files only under its own folder (core/db.ts hardening): stage a copy there
  const stage = path.join(path.dirname(path.resolve(o.db.file)), '.restore-stage');
  fs.rmSync(stage, { recursive: true, force: true });
  try {
    const staged = files.map((f) => {
      const to = path.join(stage, path.basename(path.dirname(f)), path.basename(f));
      fs.cpSync(f, to);
      return `'${to.replace(/'/g, "''")}'`;
    });
    const snap = `read_parquet([${staged.join(', ')}], union_by_name = true)`;
    const runs = await o.db.all<{ p: number; lo: number; hi: number }>(
      `WITH o AS (SELECT DISTINCT kafka_partition AS p, kafka_offset AS o FROM ${snap} WHERE kafka_topic = $1 AND kafka_offset IS NOT NULL),
            g AS (SELECT p, o, o - row_number() OVER (PARTITION BY p ORDER BY o) AS run FROM o)
       SELECT p, min(o) AS lo, max(o) AS hi FROM g GROUP BY p, run ORDER BY p, lo`,
      [o.topic],
    );
    const partitions = [...new Set([...o.logStart.keys(), ...runs.map((r) => Number(r.p))])].sort((a, b) => a - b).map((p) => {
      const start = o.logStart.get(p) ?? 0;
      // the run that reaches the log's start (records before it exist only in the snapshot now)
      const run = runs.find((r) => Number(r.p) === p && Number(r.lo) <= start && Number(r.hi) + 1 >= start);
      return { partition: p, log_start: start, resume_at: run ? Number(run.hi) + 1 : start };
    });
    const resume = partitions.length ? `VALUES ${partitions.map((p) => `(${p.partition}, ${p.resume_at})`).join(', ')}` : 'SELECT NULL::INTEGER, NULL::BIGINT WHERE false';
    // this installation's records before each partition's gap, and rows that never came through Kafka (legacy imports)
    const source = `(SELECT s.* FROM ${snap} s LEFT JOIN (${resume}) AS r(p, resume_at) ON s.kafka_partition = r.p
                     WHERE (s.kafka_topic = $1 AND s.kafka_offset < r.resume_at) OR s.kafka_topic IS NULL)`;
    const total = Number((await o.db.one<{ n: number }>(`SELECT count(*) AS n FROM ${source}`, [o.topic]))?.n ?? 0);
    const all = Number((await o.db.one<{ n: number }>(`SELECT count(*) AS n FROM ${snap} WHERE kafka_topic = $1 OR kafka_topic IS NULL`, [o.topic]))?.n ?? 0);
    // One INSERT … SELECT per table, reading the Parquet straight (DuckDB's threads, no row through
    // JavaScript); in log order, so rowids follow the log as ingest's would. The same columns ingest
    // writes (ingest/store.ts messageValues, sideRows).
    o.onProgress?.(0, total);
    const at = nowUs();
    await o.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO messages (${MESSAGES.columns.map((c) => c.name).join(', ')})
         SELECT id, channel, user_id, nick, type, coalesce(text, ''), make_timestamptz(CAST(ts_ms AS BIGINT) * 1000), ts_ms, reply_to,
                kafka_topic, kafka_partition, kafka_offset, make_timestamptz(CAST($2 AS BIGINT)), coalesce(source, 'kafka'), coalesce(CAST(meta AS VARCHAR), '{}')
         FROM ${source} ORDER BY kafka_partition NULLS FIRST, kafka_offset`,
        [o.topic, at],
      );
      // the side tables from the rows just stored (this node was empty, so they are exactly the snapshot's)
      await tx.run(
        `INSERT INTO nick_history SELECT id, user_id, nullif(${OLD_NICK}, ''), nick, ts, channel, source FROM messages WHERE type = 'nick' ORDER BY rowid`,
      );
      await tx.run(`INSERT INTO channel_membership SELECT id, user_id, nick, channel, type, ts, source FROM messages WHERE type IN ('join', 'leave') ORDER BY rowid`);
      // the resume points, in the same transaction: ingest (ingest/resume.ts) moves its group here
      for (const p of partitions) {
        await tx.run(
          `INSERT INTO ingest_offsets (kafka_topic, kafka_partition, next_offset, updated_at) VALUES (?, ?, ?, now())
           ON CONFLICT (kafka_topic, kafka_partition) DO UPDATE SET next_offset = excluded.next_offset, updated_at = excluded.updated_at`,
          [o.topic, p.partition, p.resume_at],
        );
      }
    });
    const rows = Number((await o.db.one<{ n: number }>('SELECT count(*) AS n FROM messages'))?.n ?? 0);
    o.onProgress?.(rows, total);
    const copied = o.parquetRoot ? copyDays(o.from, o.parquetRoot) : [];
    return { from: o.from, files: files.length, rows, left_to_log: all - rows, partitions, copied_days: copied };
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

/** The Parquet files of a snapshot folder, or a clear error naming what is missing. */
export function snapshotFiles(dir: string): string[] {
  let days: string[];
  try {
    days = fs.readdirSync(dir).filter((d) => DAY_DIR.test(d));
  } catch (err) {
    throw new InputError('unreadable_file', `스냅숏 폴더를 읽을 수 없습니다: ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const files = days.sort().flatMap((d) => fs.readdirSync(path.join(dir, d)).filter((f) => f.endsWith('.parquet')).map((f) => path.join(dir, d, f)));
  if (!files.length) throw new InputError('empty_snapshot', `${dir}에 dt=YYYY-MM-DD/*.parquet 파일이 없습니다: 감사 노드의 $DATA_DIR/parquet 폴더를 지정하세요 (no daily Parquet found)`);
  return files;
}

/** A nick change's previous nick as ingest reads it (ingest/store.ts envelopeRow): the first of these meta keys that is a string. */
const OLD_NICK = `CASE ${OLD_NICK_KEYS.map((k) => `WHEN json_type(meta, '$.${k}') = 'VARCHAR' THEN meta->>'$.${k}'`).join(' ')} END`;

/** Copy the snapshot's days this node lacks into its own Parquet folder (it becomes a snapshot source too). */
function copyDays(from: string, root: string): string[] {
  if (path.resolve(from) === path.resolve(root)) return [];
  fs.mkdirSync(root, { recursive: true });
  const copied: string[] = [];
  for (const d of fs.readdirSync(from).filter((x) => DAY_DIR.test(x)).sort()) {
    if (fs.existsSync(path.join(root, d))) continue;
    const tmp = path.join(root, `.tmp-restore-${d}`);
    fs.cpSync(path.join(from, d), tmp, { recursive: true });
    fs.renameSync(tmp, path.join(root, d));
    copied.push(d);
  }
  return copied;
}
