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
import { Database, type Session } from '../core/db.ts';
import type { Envelope } from '../core/envelope.ts';
import { InputError } from '../core/errors.ts';
import { messageLog } from './log.ts';
import { appendMessages, envelopeRow, nowUs, type MessageRow } from './store.ts';

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
/** Rows per appender call inside the one transaction (bounded memory for millions of rows). */
const CHUNK_ROWS = 50_000;

/** Load a snapshot into an empty node and record where ingest resumes, all in one transaction. */
export async function restoreFromSnapshot(o: RestoreOptions): Promise<RestoreResult> {
  const files = snapshotFiles(o.from);
  const log = messageLog(o.db);
  await log.ready();
  const held = await o.db.one<{ n: number }>('SELECT count(*) AS n FROM messages');
  if (Number(held?.n ?? 0) > 0) {
    throw new InputError('not_empty', `이 노드의 데이터베이스에 이미 메시지 ${held!.n}개가 있습니다: 스냅숏은 빈 DATA_DIR에만 복원합니다 (this node already holds ${held!.n} messages; restore into an empty DATA_DIR)`);
  }
  // The snapshot is read by an in-memory DuckDB of its own: this node's database stays locked to its DATA_DIR.
  const snap = await Database.open(':memory:');
  try {
    const list = files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ');
    await snap.run(`CREATE VIEW snap AS SELECT * FROM read_parquet([${list}], union_by_name = true)`);
    const runs = await snap.all<{ p: number; lo: number; hi: number }>(
      `WITH o AS (SELECT DISTINCT kafka_partition AS p, kafka_offset AS o FROM snap WHERE kafka_topic = ? AND kafka_offset IS NOT NULL),
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
    await snap.run('CREATE TABLE resume (p INTEGER, resume_at BIGINT)');
    if (partitions.length) await snap.run(`INSERT INTO resume VALUES ${partitions.map(() => '(?, ?)').join(', ')}`, partitions.flatMap((p) => [p.partition, p.resume_at]));
    // this installation's records before each partition's gap, and rows that never came through Kafka (legacy imports)
    const keep = `FROM snap LEFT JOIN resume ON snap.kafka_partition = resume.p
                  WHERE (snap.kafka_topic = ? AND snap.kafka_offset < resume.resume_at) OR snap.kafka_topic IS NULL`;
    const total = Number((await snap.one<{ n: number }>(`SELECT count(*) AS n ${keep}`, [o.topic]))?.n ?? 0);
    const all = Number((await snap.one<{ n: number }>('SELECT count(*) AS n FROM snap WHERE kafka_topic = ? OR kafka_topic IS NULL', [o.topic]))?.n ?? 0);
    let rows = 0;
    await o.db.transaction(async (tx) => {
      const at = nowUs();
      let chunk: MessageRow[] = [];
      for await (const c of snap.stream(
        `SELECT id, channel, user_id, nick, type, text, ts_ms, reply_to, kafka_topic, kafka_partition, kafka_offset, source, CAST(meta AS VARCHAR) AS meta ${keep}
          ORDER BY snap.kafka_partition NULLS FIRST, snap.kafka_offset`,
        [o.topic],
      )) {
        for (let i = 0; i < c.rowCount; i++) chunk.push(snapshotRow(c.columns.map((col) => col[i])));
        if (chunk.length >= CHUNK_ROWS) {
          rows += await flush(tx, chunk, at);
          chunk = [];
          o.onProgress?.(rows, total);
        }
      }
      rows += await flush(tx, chunk, at);
      o.onProgress?.(rows, total);
      // the resume points, in the same transaction: ingest (ingest/resume.ts) moves its group here
      for (const p of partitions) {
        await tx.run(
          `INSERT INTO ingest_offsets (kafka_topic, kafka_partition, next_offset, updated_at) VALUES (?, ?, ?, now())
           ON CONFLICT (kafka_topic, kafka_partition) DO UPDATE SET next_offset = excluded.next_offset, updated_at = excluded.updated_at`,
          [o.topic, p.partition, p.resume_at],
        );
      }
    });
    const copied = o.parquetRoot ? copyDays(o.from, o.parquetRoot) : [];
    return { from: o.from, files: files.length, rows, left_to_log: all - rows, partitions, copied_days: copied };
  } finally {
    await snap.close();
  }
}

async function flush(tx: Session, rows: MessageRow[], at: bigint): Promise<number> {
  if (rows.length) await appendMessages(tx, rows, at);
  return rows.length;
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

/** A snapshot row as a messages row: ingest's own conversion (envelopeRow), the source and Kafka coordinates kept. */
function snapshotRow(v: unknown[]): MessageRow {
  const [id, channel, userId, nick, type, text, tsMs, replyTo, topic, partition, offset, source, meta] = v;
  const metaText = typeof meta === 'string' ? meta : '{}';
  const ts = tsMs === null || tsMs === undefined ? null : Number(tsMs);
  // the row was a valid envelope when it was stored; only a nick change needs its meta read (the old nick)
  const e = {
    v: 1,
    id: String(id),
    type: String(type),
    channel: String(channel),
    user: { id: String(userId), nick: String(nick) },
    text: String(text ?? ''),
    ts: ts ?? 0,
    reply_to: replyTo == null ? null : String(replyTo),
    meta: type === 'nick' ? objectOf(metaText) : {},
  } as Envelope;
  return {
    ...envelopeRow(e, String(topic ?? ''), Number(partition ?? 0), BigInt(Number(offset ?? 0)), metaText),
    ts_us: ts === null ? null : BigInt(ts) * 1000n,
    ts_ms: ts === null ? undefined : BigInt(ts),
    kafka_topic: topic == null ? null : String(topic),
    kafka_partition: partition == null ? null : Number(partition),
    kafka_offset: offset == null ? null : BigInt(Number(offset)),
    source: String(source ?? 'kafka'),
  };
}

function objectOf(text: string): Record<string, unknown> {
  try {
    const m = JSON.parse(text) as unknown;
    return m && typeof m === 'object' && !Array.isArray(m) ? (m as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

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
