// Spool lines that carry a consumed record's own bytes.
//
// Nearly every record on chat.events is exactly the JSON the one serializer
// writes: the one parser says so (`canonical`: same fields, same order,
// nothing the cleaner would change). For such a record ingest's fetcher writes
// the record's bytes into its spool file as they are, behind the Kafka
// coordinates, and DuckDB's JSON reader takes the columns out of them; the
// fetcher thread no longer encodes every row again (that encoding was its
// largest cost). Every other record — cleaned on the way, imported history,
// bytes with a BOM or a line break — is spooled as a row (core/db-spool.ts),
// in the same file, in offset order.
//
// The bytes DuckDB reads are the bytes the parser accepted. Where DuckDB's
// reader would see them differently it refuses the line (a duplicated key,
// say), and ingest/log.ts then stores the batch through `row()` below, which
// takes the record through the one parser again: the stored row is always the
// parser's reading.
import type { SpoolShape, SpoolWriter } from '../core/db-spool.ts';
import { parse } from '../core/envelope.ts';
import type { MESSAGES } from './schema.ts';
import { envelopeRow, messageValues, type MessageRow } from './store.ts';

type Column = (typeof MESSAGES.columns)[number]['name'];

/**
 * Spool one record ingest accepted: its own bytes when they are its envelope
 * as written (`canonical`, from ingest/decode.ts) and fit on one line, else
 * its row.
 */
export function spoolRecord(writer: SpoolWriter, lines: RecordLines, row: MessageRow, canonical: boolean, value: Uint8Array, offset: bigint): void {
  if (canonical && row.source === 'kafka' && value.indexOf(0x0a) < 0 && value.indexOf(0x0d) < 0) writer.addBytes(lines.head(offset, row.meta), value, lines.tail);
  else writer.add(messageValues(row, lines.ingestedAtUs));
}

/** The text around one record's bytes in the spool lines of one partition batch. */
export class RecordLines {
  private readonly prefix: string;
  readonly tail = '}';

  constructor(
    topic: string,
    partition: number,
    readonly ingestedAtUs: bigint,
  ) {
    this.prefix = `{"k":${JSON.stringify(topic)},"i":"${ingestedAtUs}","p":${partition},"o":"`;
  }

  /** What goes before the record's bytes: its offset and its meta as the row stores it (JSON text). */
  head(offset: bigint, meta: string): string {
    return `${this.prefix}${offset}","m":${meta === '{}' ? '"{}"' : JSON.stringify(meta)},"r":`;
  }
}

/** The envelope fields DuckDB's reader takes out of the record's bytes (the rest was checked by the parser). */
const RECORD_TYPE = 'STRUCT(id VARCHAR, "type" VARCHAR, channel VARCHAR, "user" STRUCT(id VARCHAR, nick VARCHAR), "text" VARCHAR, ts BIGINT, reply_to VARCHAR)';

/** Each messages column from a record line, in SQL (spelled beside envelopeRow in ingest/store.ts). */
const VALUES: Record<Column, string> = {
  id: 'r.id',
  channel: 'r.channel',
  user_id: 'r."user".id',
  nick: 'r."user".nick',
  type: 'r."type"',
  text: 'r."text"',
  ts: 'make_timestamptz(r.ts * 1000)',
  ts_ms: 'r.ts',
  reply_to: 'r.reply_to',
  kafka_topic: 'k',
  kafka_partition: 'p',
  kafka_offset: 'CAST(o AS BIGINT)',
  ingested_at: 'make_timestamptz(CAST(i AS BIGINT))',
  source: "'kafka'",
  meta: 'CAST(m AS JSON)',
};

/** The record lines' shape, for core/db-spool.ts' reader and insert. */
export const RECORD_LINES: SpoolShape = {
  fields: { k: 'VARCHAR', i: 'VARCHAR', p: 'INTEGER', o: 'VARCHAR', m: 'VARCHAR', r: RECORD_TYPE },
  when: 'r IS NOT NULL',
  values: VALUES,
  row(line) {
    if (line.r === null || typeof line.r !== 'object') return undefined;
    const p = parse(JSON.stringify(line.r));
    if (!p.ok) return undefined;
    const row = envelopeRow(p.envelope, String(line.k), Number(line.p), BigInt(String(line.o)), String(line.m));
    return messageValues(row, BigInt(String(line.i)));
  },
};
