// Ingest's fetcher: the part of ingest that runs in a worker thread, so that
// a burst of ingest work (a catch-up, an import) never holds the event loop
// that fans chat out to the websockets. It owns its own Kafka client and
// consumer; per fetched partition batch it
//   1. decodes and validates every record with the one envelope parser,
//   2. sends rejected records to chat.dlq (first: never lost; ingest/dlq.ts
//      reduces what the topic cannot take),
//   3. writes the rows to a spool file (core/db-spool.ts; a record that is the
//      envelope as written goes in as its own bytes, ingest/record-lines.ts) and hands the batch
//      to the main thread (ingest/consumer.ts), which commits rows, errors and
//      the partition's high-water mark in one DuckDB transaction;
//   4. commits the Kafka offsets only once the main thread says that
//      transaction committed.
// It keeps fetching while earlier batches are being committed (bounded by
// MAX_INFLIGHT_ROWS): exactly-once still holds because Kafka offsets never
// pass what DuckDB holds, and anything below DuckDB's mark is skipped. When
// the main thread restarts it (a crashed consumer, a bug-like write failure),
// the consumer is rebuilt from the marks DuckDB holds.
import fs from 'node:fs';
import path from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { SpoolWriter } from '../core/db-spool.ts';
import { collectGarbage } from '../core/heap.ts';
import type { Config } from '../core/config.ts';
import { KafkaClient, topicOffsets, type Admin, type Consumer, type EachBatchPayload, type KafkaMessage } from '../core/kafka.ts';
import { logger } from '../core/log.ts';
import { decodeRecord } from './decode.ts';
import { INGEST_FETCH, INGEST_PARTITIONS_CONCURRENTLY } from './fetch-settings.ts';
import { DeadLetters, type DlqNote, type Refused } from './dlq.ts';
import { RecordLines, spoolRecord } from './record-lines.ts';
import { resumeFromDatabase } from './resume.ts';
import { MESSAGES } from './schema.ts';
import { retryDelay } from './status.ts';
import { nowUs, sideRows } from './store.ts';

const log = logger('ingest.fetcher');

/** What the main thread passes in. Offsets travel as decimal strings. */
export interface FetcherData {
  config: Config;
  /** the installation's cluster id: the fetcher's connections are checked like the main client's */
  clusterId?: string;
  topic: string;
  group: string;
  sessionTimeout: number;
  fromBeginning: boolean;
  /** partition → next offset to store, from DuckDB's ingest_offsets (the source of truth) */
  next: [number, string][];
  spoolDir: string;
}

/** A partition batch decoded and spooled. */
interface Spooled {
  writer: SpoolWriter | null;
  nicks: unknown[][];
  members: unknown[][];
  channels: Set<string>;
  bad: Refused[];
  /** the batch's last offset (-1 when empty) */
  last: bigint;
}

/** A rejected record, as ingest_errors stores it (the reason ends with a note when the DLQ holds less than all of it). */
export interface RejectedRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  reason: string;
}

/** fetcher → main */
export type FetcherMessage =
  | {
      t: 'batch';
      gen: number;
      seq: number;
      partition: number;
      newNext: string;
      /** the partition's high watermark as this fetch saw it */
      high: string;
      file: string | null;
      rows: number;
      channels: string[];
      nicks: unknown[][];
      members: unknown[][];
      bad: RejectedRecord[];
      /** refused records the DLQ holds no copy of */
      dlqMissing: number;
    }
  | { t: 'high'; high: [number, string][] }
  /** a consumer (first or rebuilt) is running */
  | { t: 'running' }
  /** the consumer joined its group */
  | { t: 'joined' }
  /** a batch could not be spooled (e.g. a full disk); it is tried again */
  | { t: 'writeFailed'; error: string }
  /** the consumer crashed; `restart`: kafkajs starts it again itself */
  | { t: 'crashed'; error: string; restart: boolean }
  | { t: 'brokers?'; id: number }
  | { t: 'stopped' };

/** main → fetcher */
export type MainMessage =
  | { t: 'committed'; gen: number; seqs: number[]; marks: [number, string][] }
  /** drop the consumer and everything handed over; start again from these marks (DuckDB's) as generation `gen` */
  | { t: 'restart'; gen: number; marks: [number, string][] }
  | { t: 'refresh' }
  /** a burst (import, catch-up) has been stored and ingest is caught up: give the heap it grew back */
  | { t: 'collect' }
  | { t: 'brokers'; id: number; brokers: string[] }
  | { t: 'stop' };

/** Handed to the main thread but not yet committed: the fetcher waits above this (memory bound, ~70 MB of rows). */
const MAX_INFLIGHT_ROWS = 300_000;
/** While waiting for commits, the consumer heartbeats this often (it must not drop out of its group). */
const HEARTBEAT_WAIT_MS = 2000;

if (!isMainThread && parentPort) void run(workerData as FetcherData);

async function run(d: FetcherData): Promise<void> {
  const port = parentPort!;
  const post = (m: FetcherMessage) => port.postMessage(m);
  // the brokers are asked of the main thread on every (re)connect, as its own client does (a managed broker may move)
  let asked = 0;
  const answers = new Map<number, (list: string[]) => void>();
  const brokers = () =>
    new Promise<string[]>((resolve) => {
      const id = ++asked;
      answers.set(id, resolve);
      post({ t: 'brokers?', id });
    });
  // listening before the first await: the client asks for the brokers while it connects
  port.on('message', (m: MainMessage) => {
    if (m.t !== 'brokers') return;
    answers.get(m.id)?.(m.brokers);
    answers.delete(m.id);
  });
  const kafka = new KafkaClient({ config: d.config, brokers, clientId: 'kchat-ingest', ...(d.clusterId ? { clusterId: d.clusterId } : {}) });
  const { topic } = d;
  /** DuckDB's marks as last confirmed by the main thread */
  const stored = new Map(d.next.map(([p, n]) => [p, BigInt(n)]));
  /** next offset not yet handed over, per partition (≥ stored) */
  let handed = new Map(stored);
  const inflight = new Map<number, number>(); // seq → rows
  let inflightRows = 0;
  const drained: (() => void)[] = [];
  let gen = 0;
  let seq = 0;
  let consumer: Consumer | null = null;
  let stopping = false;
  const admin: Admin = kafka.admin();
  await admin.connect();
  const deadLetters = await DeadLetters.open(kafka, topic);

  const refreshHigh = async () => {
    const offsets = await topicOffsets(admin, topic);
    post({ t: 'high', high: offsets.map((o) => [o.partition, o.high]) });
  };
  const release = (rows: number) => {
    inflightRows -= rows;
    if (inflightRows < MAX_INFLIGHT_ROWS) for (const w of drained.splice(0)) w();
  };

  async function eachBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale() || stopping) return;
    const myGen = gen;
    const partition = batch.partition;
    const from = handed.get(partition) ?? -1n;
    const mySeq = ++seq;
    // The spool shares the disk with DuckDB: when it cannot be written (a full disk), the batch waits
    // here and is written again with backoff, and /healthz says why, until it can.
    let spooled: Spooled | null = null;
    for (let attempt = 0; !spooled; attempt++) {
      try {
        spooled = spool(batch.messages, partition, from, path.join(d.spoolDir, `${myGen}-${mySeq}-p${partition}.jsonl`));
      } catch (err) {
        post({ t: 'writeFailed', error: String((err as Error).message ?? err) });
        await new Promise((r) => setTimeout(r, retryDelay(attempt)));
        if (!isRunning() || isStale() || stopping || myGen !== gen) return;
        await heartbeat().catch(() => undefined);
      }
    }
    const { writer, nicks, members, channels, bad, last } = spooled;
    if (last < 0n) return;
    const newNext = last + 1n;
    if (newNext <= from) {
      resolveOffset(last.toString());
      // everything was stored before (a redelivery): Kafka may catch up with DuckDB's mark
      if (newNext <= (stored.get(partition) ?? -1n)) await consumer?.commitOffsets([{ topic, partition, offset: newNext.toString() }]);
      return;
    }
    let notes: DlqNote[] = [];
    if (bad.length) {
      // DLQ first: a crash before the DuckDB commit re-sends it on redelivery (at-least-once there), never loses it
      notes = await deadLetters.send(bad);
      bad.forEach((b, i) => log.warn({ partition, offset: b.offset.toString(), reason: b.reason, dlq: notes[i]?.text ?? 'whole' }, 'record rejected → DLQ'));
    }
    if (myGen !== gen) {
      if (writer) fs.rmSync(writer.file, { force: true });
      return; // a failed commit rebuilt the consumer meanwhile
    }
    const rows = (writer?.rows ?? 0) + bad.length;
    inflight.set(mySeq, rows);
    inflightRows += rows;
    handed.set(partition, newNext);
    post({
      t: 'batch',
      gen: myGen,
      seq: mySeq,
      partition,
      newNext: newNext.toString(),
      high: batch.highWatermark,
      file: writer?.file ?? null,
      rows: writer?.rows ?? 0,
      channels: [...channels],
      nicks,
      members,
      bad: bad.map((b, i) => ({ ...b, offset: b.offset.toString(), reason: notes[i] ? `${b.reason} [${notes[i]!.text}]` : b.reason })),
      dlqMissing: notes.filter((n) => n?.missing).length,
    });
    resolveOffset(last.toString());
    // overlap the next fetch with this batch's DuckDB commit, within the bound (still a live group member meanwhile)
    while (inflightRows >= MAX_INFLIGHT_ROWS && myGen === gen && !stopping) {
      await Promise.race([new Promise<void>((r) => drained.push(r)), new Promise((r) => setTimeout(r, HEARTBEAT_WAIT_MS))]);
      if (isRunning() && !isStale()) await heartbeat().catch(() => undefined);
    }
  }

  /** Decode a partition batch from `from` on: good rows into a spool file (complete, or removed and thrown), refusals aside. */
  function spool(messages: KafkaMessage[], partition: number, from: bigint, file: string): Spooled {
    const at = nowUs();
    const lines = new RecordLines(topic, partition, at);
    let writer: SpoolWriter | null = null;
    const out: Spooled = { writer: null, nicks: [], members: [], channels: new Set(), bad: [], last: -1n };
    try {
      for (const m of messages) {
        const offset = BigInt(m.offset);
        out.last = offset;
        if (offset < from) continue; // stored (or handed over) already: skip, never duplicate
        const r = decodeRecord(m.value, topic, partition, offset);
        if (!r.ok) {
          out.bad.push({ partition, offset, key: m.key, value: m.value, timestamp: m.timestamp, reason: r.reason });
          continue;
        }
        writer ??= new SpoolWriter(MESSAGES, file);
        spoolRecord(writer, lines, r.row, r.canonical, m.value!, offset);
        sideRows(r.row, out.nicks, out.members);
        out.channels.add(r.row.channel);
      }
      writer?.close();
    } catch (err) {
      writer?.discard();
      throw err;
    }
    out.writer = writer;
    return out;
  }

  async function startConsumer(): Promise<void> {
    const c = kafka.consumer({
      groupId: d.group,
      ...INGEST_FETCH,
      sessionTimeout: d.sessionTimeout,
      heartbeatInterval: Math.min(3000, Math.floor(d.sessionTimeout / 3)),
    });
    consumer = c;
    c.on(c.events.GROUP_JOIN, () => post({ t: 'joined' }));
    c.on(c.events.CRASH, (e) => {
      if (c !== consumer) return;
      const payload = e.payload as { error?: Error; restart?: boolean };
      // the main thread keeps the status, logs, and restarts a consumer kafkajs gave up on
      post({ t: 'crashed', error: String(payload.error?.message ?? payload.error ?? 'consumer crashed'), restart: Boolean(payload.restart) });
    });
    await c.connect();
    // a rebuilt or restored DATA_DIR resumes from its own position (DuckDB's marks), not from what the group
    // remembers (ingest/resume.ts); every consumer, also a rebuilt one, seeks there on each assignment
    await resumeFromDatabase({ consumer: c, admin, group: d.group, topic, next: stored });
    await c.subscribe({ topics: [topic], fromBeginning: d.fromBeginning });
    await c.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: INGEST_PARTITIONS_CONCURRENTLY, eachBatch });
  }

  async function rebuild(newGen: number, marks: [number, string][]): Promise<void> {
    gen = newGen;
    for (const w of drained.splice(0)) w();
    inflight.clear();
    inflightRows = 0;
    const old = consumer;
    consumer = null;
    await old?.disconnect().catch(() => undefined);
    for (const [p, n] of marks) if (BigInt(n) > (stored.get(p) ?? -1n)) stored.set(p, BigInt(n));
    handed = new Map(stored);
    if (stopping) return;
    await startConsumer();
    post({ t: 'running' });
  }

  port.on('message', (m: MainMessage) => {
    if (m.t === 'committed') {
      // DuckDB's marks are the truth whatever the generation
      for (const [p, n] of m.marks) if (BigInt(n) > (stored.get(p) ?? -1n)) stored.set(p, BigInt(n));
      if (m.gen !== gen) return;
      for (const s of m.seqs) {
        release(inflight.get(s) ?? 0);
        inflight.delete(s);
      }
      consumer
        ?.commitOffsets(m.marks.map(([partition, offset]) => ({ topic, partition, offset })))
        .catch((err: Error) => log.warn({ err: err.message }, 'Kafka offset commit failed (DuckDB holds the marks; a redelivery is skipped)'));
    } else if (m.t === 'restart') {
      log.warn({ gen: m.gen }, 'rebuilding the consumer from DuckDB\'s marks');
      rebuild(m.gen, m.marks).catch((err: Error) => post({ t: 'crashed', error: err.message, restart: false }));
    } else if (m.t === 'refresh') {
      refreshHigh().catch((err: Error) => log.debug({ err: err.message }, 'high watermark refresh failed'));
    } else if (m.t === 'collect') {
      const { before, after } = collectGarbage();
      log.info({ heap_mib_before: before >> 20, heap_mib_after: after >> 20 }, 'burst stored: fetcher heap given back');
    } else if (m.t === 'stop') {
      void stop();
    }
  });

  async function stop(): Promise<void> {
    stopping = true;
    for (const w of drained.splice(0)) w();
    // let the main thread commit what it has (it keeps answering until we say stopped), then leave the group
    const deadline = Date.now() + 8000;
    while (inflight.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await consumer?.disconnect().catch((err: Error) => log.warn({ err: err.message }, 'consumer disconnect failed'));
    await admin.disconnect().catch(() => undefined);
    await kafka.disconnect();
    post({ t: 'stopped' });
  }

  await startConsumer();
  await refreshHigh().catch((err: Error) => log.warn({ err: err.message }, 'could not read high watermarks'));
  post({ t: 'running' });
  const timer = setInterval(() => void refreshHigh().catch(() => undefined), 2000);
  timer.unref();
}
