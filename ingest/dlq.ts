// Records ingest refused go to chat.dlq — and no record may stop ingest on
// the way. chat.dlq has a size limit (max.message.bytes, read from the topic
// at start); a refused record plus its headers can exceed it (a 1 MB non-JSON
// value), and several large ones in one send certainly can. So:
//   - a record that does not fit is reduced: the first REDUCED_VALUE_BYTES of
//     its value, with `truncated`, `original_size` and `kept_bytes` headers
//     beside the reason and its source coordinates (the full bytes are kept
//     in ingest_errors, in the same transaction as the rows);
//   - records are sent in groups that fit the limit, so no single send is
//     refused for its size (the process shares one idempotent producer with
//     the chat: a refused send is avoided, not provoked);
//   - if the broker still refuses one record for what it is (not because it
//     is down), ingest goes on: the record stays in ingest_errors with a note.
// A broker that is unreachable is an outage, not a bad record: that error is
// thrown and the batch is retried.
import type { KafkaClient } from '../core/kafka.ts';
import { DLQ_MAX_MESSAGE_BYTES } from '../core/topics.ts';
import { logger } from '../core/log.ts';

const log = logger('ingest.dlq');

/** How much of an oversized value the DLQ keeps (the whole value is in ingest_errors). */
export const REDUCED_VALUE_BYTES = 64 * 1024;
/** Room left in every send for the record batch's own header and varints. */
const BATCH_OVERHEAD = 1024;
/** A record's overhead beside key, value and headers (length varints, attributes, deltas), rounded up. */
const RECORD_OVERHEAD = 64;

export interface Refused {
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  /** the record's Kafka timestamp (ms, as a string) */
  timestamp: string;
  reason: string;
}

type DlqMessage = { key: Buffer | null; value: Buffer | null; headers: Record<string, string> };

/** What happened to one refused record on its way to the DLQ (null: delivered whole); `missing` when the DLQ has no copy at all. */
export type DlqNote = { text: string; missing: boolean } | null;

const headerBytes = (h: Record<string, string>) => Object.entries(h).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v) + 16, 0);
const recordBytes = (m: DlqMessage) =>
  RECORD_OVERHEAD + (m.key?.length ?? 0) + (m.value?.length ?? 0) + headerBytes(m.headers);

/** Errors that say "this record", not "the broker is away": the record is reduced or left out instead of retried forever. */
export function isRecordRefusal(err: unknown): boolean {
  for (let e = err as { retriable?: boolean; type?: string; name?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.type && /MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE|INVALID_RECORD|CORRUPT_MESSAGE|INVALID_RECORD_BATCH/.test(e.type)) return true;
  }
  return false;
}

export class DeadLetters {
  private constructor(
    private readonly kafka: KafkaClient,
    private readonly sourceTopic: string,
    /** the DLQ topic's max.message.bytes */
    readonly maxBytes: number,
  ) {}

  /** Read chat.dlq's size limit from the broker (kchat's table value when it cannot be read). */
  static async open(kafka: KafkaClient, sourceTopic: string): Promise<DeadLetters> {
    let maxBytes = DLQ_MAX_MESSAGE_BYTES;
    const admin = kafka.admin();
    try {
      await admin.connect();
      // ConfigResourceTypes.TOPIC = 2
      const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: kafka.names.topics.dlq, configNames: ['max.message.bytes'] }] });
      const v = Number(resources[0]?.configEntries.find((c) => c.configName === 'max.message.bytes')?.configValue);
      if (Number.isFinite(v) && v > 0) maxBytes = v;
    } catch (err) {
      log.warn({ err: (err as Error).message, assumed: maxBytes, topic: kafka.names.topics.dlq }, 'could not read the DLQ topic\'s max.message.bytes');
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    return new DeadLetters(kafka, sourceTopic, maxBytes);
  }

  /** The DLQ record for a refused one; reduced when it alone would not fit. */
  message(r: Refused, valueLimit = REDUCED_VALUE_BYTES): { message: DlqMessage; note: DlqNote } {
    const headers: Record<string, string> = {
      reason: r.reason,
      source_topic: this.sourceTopic,
      source_partition: String(r.partition),
      source_offset: r.offset.toString(),
      source_timestamp: r.timestamp,
    };
    const whole = { key: r.key, value: r.value, headers };
    if (recordBytes(whole) <= this.maxBytes - BATCH_OVERHEAD) return { message: whole, note: null };
    const value = r.value ? r.value.subarray(0, Math.min(valueLimit, r.value.length)) : null;
    const key = r.key && r.key.length > 1024 ? r.key.subarray(0, 1024) : r.key;
    Object.assign(headers, {
      truncated: 'true',
      original_size: String(r.value?.length ?? 0),
      kept_bytes: String(value?.length ?? 0),
      ...(key !== r.key ? { original_key_size: String(r.key!.length) } : {}),
    });
    const text = `the DLQ (${this.kafka.names.topics.dlq}) holds the first ${value?.length ?? 0} of ${r.value?.length ?? 0} bytes (its limit is ${this.maxBytes})`;
    return { message: { key, value, headers }, note: { text, missing: false } };
  }

  /**
   * Send refused records; returns a note per record (same order). Throws only
   * when the broker cannot be reached (retry the batch later).
   */
  async send(records: readonly Refused[]): Promise<DlqNote[]> {
    const notes: DlqNote[] = new Array(records.length).fill(null);
    const prepared = records.map((r, i) => {
      const { message, note } = this.message(r);
      notes[i] = note;
      return { i, message, bytes: recordBytes(message) };
    });
    // groups that fit one send
    const budget = this.maxBytes - BATCH_OVERHEAD;
    let group: typeof prepared = [];
    let size = 0;
    const flush = async () => {
      if (group.length) await this.sendGroup(group, records, notes);
      group = [];
      size = 0;
    };
    for (const p of prepared) {
      if (group.length && size + p.bytes > budget) await flush();
      group.push(p);
      size += p.bytes;
    }
    await flush();
    return notes;
  }

  private async sendGroup(group: { i: number; message: DlqMessage }[], records: readonly Refused[], notes: DlqNote[]): Promise<void> {
    try {
      await this.kafka.send(this.kafka.names.topics.dlq, group.map((g) => g.message));
      return;
    } catch (err) {
      if (!isRecordRefusal(err)) throw err;
      if (group.length > 1) {
        for (const g of group) await this.sendGroup([g], records, notes);
        return;
      }
      // one record the broker will not take as it is: a small excerpt, or none
      const g = group[0];
      const small = this.message(records[g.i], 4096);
      try {
        await this.kafka.send(this.kafka.names.topics.dlq, [small.message]);
        notes[g.i] = { text: `${small.note?.text ?? 'reduced'}; the first attempt was refused: ${(err as Error).message}`, missing: false };
      } catch (again) {
        if (!isRecordRefusal(again)) throw again;
        notes[g.i] = { text: `not in the DLQ (${this.kafka.names.topics.dlq} refused it: ${(again as Error).message}); the full record is in ingest_errors`, missing: true };
        log.error({ partition: records[g.i].partition, offset: records[g.i].offset.toString(), err: (again as Error).message }, 'the DLQ refused a record; kept in ingest_errors only');
      }
    }
  }
}
