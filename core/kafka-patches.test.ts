// kafkajs 2.2.4 as patched by patches/kafkajs+2.2.4.patch (applied by
// `npm ci` through patch-package): the producer's hot spots and the record
// decoder's int64 arithmetic rewritten, same bytes, grouping and values as before. If `npm ci` did not apply the patch these
// still pass on the original code, so the first test checks it is applied.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (b: Buffer) => number;
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition.js') as (o: unknown) => Record<string, { key: string }[]>;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (o: unknown) => Promise<{ buffer: Buffer }> };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (o: unknown) => unknown;
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (d: unknown) => Promise<{ records: { key: Buffer; value: Buffer; headers: Record<string, Buffer> }[] }>;
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => unknown;

/** CRC-32C bit by bit, straight from its definition (reflected polynomial 0x82F63B78). */
function crc32cReference(buf: Buffer): number {
  let crc = ~0;
  for (const byte of buf) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

test('the patch is applied (npm ci ran patch-package)', () => {
  const patched = fs.readFileSync(require.resolve('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js'), 'utf8');
  assert.match(patched, /slicing-by-8/);
});

test('CRC-32C: the check value, and every length from 0 to 64 bytes and odd large ones, equal to the definition', () => {
  assert.equal(crc32C(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32C(Buffer.alloc(0)), 0);
  for (const n of [...Array.from({ length: 65 }, (_, i) => i), 1023, 4097, 65_537]) {
    const buf = randomBytes(n);
    assert.equal(crc32C(buf), crc32cReference(buf), `${n} bytes`);
  }
  // a view into a larger buffer (kafkajs hands slices of its encoder's buffer)
  const big = randomBytes(1000);
  assert.equal(crc32C(big.subarray(3, 997)), crc32cReference(big.subarray(3, 997)));
});

test('messages grouped by partition keep their order', () => {
  const messages = Array.from({ length: 20_000 }, (_, i) => ({ key: `채널${i % 3}`, n: i }));
  const partitioner = ({ message }: { message: { n: number } }) => message.n % 3;
  const groups = groupMessagesPerPartition({ topic: 't', partitionMetadata: [{}, {}, {}], messages, partitioner });
  assert.deepEqual(Object.keys(groups), ['0', '1', '2']);
  for (const [p, list] of Object.entries(groups)) {
    assert.deepEqual(list, messages.filter((m) => m.n % 3 === Number(p)));
  }
  assert.deepEqual(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner }), {});
});

test('a record batch of Korean values of every size around the encoder’s growth steps decodes to the same records, its CRC that of the definition', async () => {
  const values = [0, 1, 100, 470, 500, 511, 512, 600, 1023, 1024, 70_000].map((n) => Buffer.from('가나다라마바사'.repeat(n).slice(0, n)));
  const records = values.map((value, i) => Record({ key: Buffer.from(`키${i}`), value, headers: i % 2 ? { trace: `값${i}` } : undefined, offsetDelta: i, timestampDelta: i }));
  const { buffer } = await RecordBatch({ records, firstTimestamp: 1_700_000_000_000, maxTimestamp: 1_700_000_000_010, lastOffsetDelta: records.length - 1 });
  // FirstOffset int64, Length int32, PartitionLeaderEpoch int32, Magic int8, CRC uint32 over the rest
  assert.equal(buffer.readUInt32BE(17), crc32cReference(buffer.subarray(21)));
  const decoded = await decodeBatch(new Decoder(buffer));
  assert.deepEqual(
    decoded.records.map((r) => [r.key.toString(), r.value.toString(), r.headers.trace?.toString()]),
    values.map((v, i) => [`키${i}`, v.toString(), i % 2 ? `값${i}` : undefined]),
  );
});

test('records decode to the offsets and timestamps of int64 arithmetic, across deltas of every varint length and offsets beyond 2^53', async () => {
  const Long = require('kafkajs/src/utils/long.js') as { fromValue: (v: string | number) => { add: (n: number) => { toString: () => string } } };
  const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as (d: unknown, ctx: object) => { offset: string; timestamp: string; value: Buffer };
  assert.match(fs.readFileSync(require.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder.js'), 'utf8'), /addToDecimal/, 'the patch is applied');
  const deltas = [0, 1, -1, 63, 64, -64, -65, 8191, 8192, 2 ** 31, -(2 ** 31), 2 ** 41, 2 ** 47 - 1, -(2 ** 47), 2 ** 48, -(2 ** 49), 2 ** 52];
  const firsts = ['0', '12345', '999999999999999', '9007199254740990', '9223372036854775000'];
  let checked = 0;
  for (const timestampDelta of deltas) {
    for (const firstOffset of firsts) {
      for (const offsetDelta of [0, 5, 2 ** 30]) {
        const record = (await Record({ key: null, value: Buffer.from('값'), offsetDelta, timestampDelta })) as { buffer: Buffer };
        const d = new Decoder(record.buffer) as { readVarInt: () => number };
        d.readVarInt(); // the record's length
        const r = decodeRecord(d, { firstOffset, firstTimestamp: '1732000000000', magicByte: 2, timestampType: 0 });
        assert.equal(r.offset, Long.fromValue(firstOffset).add(offsetDelta).toString(), `offset ${firstOffset} + ${offsetDelta}`);
        assert.equal(r.timestamp, Long.fromValue('1732000000000').add(timestampDelta).toString(), `timestamp + ${timestampDelta}`);
        assert.equal(r.value.toString(), '값');
        checked++;
      }
    }
  }
  assert.equal(checked, deltas.length * firsts.length * 3);
});
