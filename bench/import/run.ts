// Legacy import benchmark: `kchat import-legacy`'s path for a JSON Lines
// history (read → parse → validate → deterministic id → envelope → produce to
// chat.events, acks = all) beside a raw Kafka producer sending the same lines
// unparsed through the same client in the same round (the transport's ceiling).
//
// Setup (not timed): N (default 2,000,000) bootcamp-like JSON Lines (~95 bytes
// a line, Korean text, times, offsets; as the 190 MB history), cached
// in bench/.data. Warm-up: both paths on the first 50,000 lines. Each round:
// the whole file through the importer (nothing known stored: every line is
// new), then through the raw producer; the importer's peak RSS is sampled.
//   npx tsx bench/import/run.ts                 # own broker, 2M lines, 3 rounds
//   npx tsx bench/import/run.ts --lines 200000  # quick
import { benchArgs, benchBroker, numberArg, repoRoot, runBench, writeLinesOnce, type BenchBroker } from '../lib/index.ts';
import fs from 'node:fs';
import path from 'node:path';
import { KafkaClient, type Message } from '../../core/kafka.ts';
import { importLegacy } from '../../ingest/legacy/import.ts';
import { NOUNS, rng, TAILS, VERBS, zipf } from '../search/generate.ts';

const args = benchArgs(
  `Usage: npx tsx bench/import/run.ts [--lines 2000000]

The legacy importer (JSON Lines → validated envelopes → chat.events) beside a
raw Kafka producer of the same lines, same client, same batch size. Target:
at least 50,000 lines/s.`,
  { lines: { type: 'string', default: '2000000' } },
);
const N = numberArg(args.values, 'lines', { min: 10_000 });
const WARMUP = 50_000;
const BATCH = 4000;
const dataDir = path.join(repoRoot, 'bench', '.data');

/** Bootcamp-like JSON Lines: {"user","message","time","offset"} (cached across runs). */
function generate(file: string, n: number): void {
  writeLinesOnce(file, lines(n));
}

function* lines(n: number): Generator<string> {
  const rand = rng(7);
  const noun = zipf(NOUNS.length, 0.9, rand);
  const nicks = ['민수', '지영', '수진', '철수', '영희', '현우', 'alice', 'bob', '하준', '서연'];
  const t0 = Date.parse('2024-08-01T09:00:00+09:00');
  for (let i = 0; i < n; i++) {
    const words = [NOUNS[noun()], VERBS[Math.floor(rand() * VERBS.length)], NOUNS[noun()], TAILS[Math.floor(rand() * TAILS.length)]];
    const at = new Date(t0 + i * 1300 + 9 * 3_600_000).toISOString().replace('T', ' ').replace('Z', '').slice(0, 23);
    yield JSON.stringify({ user: nicks[i % nicks.length], message: words.join(' '), time: at, offset: i });
  }
}

let broker: BenchBroker;
let kafka: KafkaClient;
const file = path.join(dataDir, `import-${N}.jsonl`);
const warmFile = path.join(dataDir, `import-warm-${WARMUP}.jsonl`);

/** Our path: the importer as the CLI runs it (minus the progress bar); returns lines/s and peak RSS. */
async function ours(f: string): Promise<{ rate: number; rssMiB: number; read: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const t0 = performance.now();
  try {
    const r = await importLegacy({
      config: broker.config(),
      files: [f],
      channel: 'legacy',
      send: async (m) => void (await kafka.send(kafka.names.topics.events, m)),
      known: async function* () {},
    });
    const s = (performance.now() - t0) / 1000;
    const fsum = r.files[0];
    if (fsum.read !== fsum.imported + fsum.duplicates + fsum.rejected.length || fsum.rejected.length) throw new Error(`counts do not add up: ${JSON.stringify({ ...fsum, rejected: fsum.rejected.length })}`);
    return { rate: fsum.read / s, rssMiB: peak / 2 ** 20, read: fsum.read };
  } finally {
    clearInterval(timer);
  }
}

/** The baseline: the same lines, unparsed, produced by the same client in batches of the same size. */
async function raw(f: string): Promise<number> {
  const t0 = performance.now();
  const topic = kafka.names.topics.events;
  const handle = await fs.promises.open(f, 'r');
  let carry = '';
  let batch: Message[] = [];
  let inFlight: Promise<unknown> = Promise.resolve();
  let n = 0;
  try {
    for await (const chunk of handle.createReadStream({ encoding: 'utf8', highWaterMark: 1 << 20 })) {
      const lines = (carry + chunk).split('\n');
      carry = lines.pop() ?? '';
      for (const l of lines) {
        batch.push({ key: 'legacy', value: l });
        n++;
        if (batch.length >= BATCH) {
          await inFlight;
          inFlight = kafka.send(topic, batch);
          batch = [];
        }
      }
    }
    await inFlight;
    if (batch.length) await kafka.send(topic, batch);
  } finally {
    await handle.close();
  }
  return n / ((performance.now() - t0) / 1000);
}

/** Under the table; the file's size is added once setup has generated it. */
const notes = [
  'Ours counts from opening the file to the broker acknowledging the last batch; one request is in flight while the next batches are prepared.',
  'Peak RSS is the whole bench process, both threads (the importer holds a 16-byte-per-record id set and a few batches; files of 4 MiB or more are read in a worker thread).',
];

await runBench({
  name: 'import',
  title: `Legacy import: ${N.toLocaleString('en')} JSON Lines → validated envelopes on chat.events, beside a raw producer of the same lines`,
  args,
  params: { lines: N, batch: BATCH },
  metrics: [
    { key: 'rate', label: 'kchat import-legacy (read, parse, validate, id, envelope, produce acks=all)', unit: 'lines/s', side: 'ours', digits: 0 },
    { key: 'rss', label: 'importer peak RSS (whole process)', unit: 'MiB', side: 'ours', digits: 0 },
    { key: 'raw', label: 'raw kafkajs producer, same lines unparsed, same batches', unit: 'lines/s', side: 'baseline', digits: 0 },
  ],
  async setup() {
    generate(file, N);
    generate(warmFile, WARMUP);
    // (the report is written after the rounds; the file exists only from here)
    notes.unshift(`The file: ${path.basename(file)} (${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MiB), bootcamp-style {"user","message","time","offset"} lines with Korean text.`);
    broker = await benchBroker('import');
    kafka = new KafkaClient({ config: broker.config(), brokers: broker.brokers, clientId: 'bench-import' });
    await kafka.ensureTopics();
    return broker;
  },
  async warmup() {
    await ours(warmFile);
    await raw(warmFile);
  },
  async round() {
    const o = await ours(file);
    const b = await raw(file);
    return { rate: o.rate, rss: o.rssMiB, raw: b };
  },
  target: (m) => ({ text: `≥ 50,000 lines/s (median ${Math.round(m.rate).toLocaleString('en')})`, pass: m.rate >= 50_000 }),
  notes,
  async teardown() {
    await kafka.disconnect();
  },
});
