// Product memory benchmark (#15's outside check): an audit node as `npm start`
// runs it (compiled server, its own search service, package.json's memory
// settings) takes a 2,000,000-line JSON Lines history through
// `kchat import-legacy`, stores and indexes it, then counts its topics with
// Kiwi. The product's memory — every process of the server's tree, the
// broker excluded (this run's broker is its own, outside the tree) — is read
// from /proc every 500 ms from the import's start until the count has ended.
// The baseline is the same node idle just before the import, in the same
// round: what the history and its count add to what the node costs anyway.
//
// Setup (not timed): the history, cached in bench/.data — bootcamp-style
// {"user","message","time","offset"} lines whose words have a long tail, as a
// real archive's do (proper nouns from Kiwi's own dictionary, loanwords,
// particles by the noun's last syllable, inflected verbs, spacing variants,
// typos, ticket numbers), so the word caches of the count fill as they would.
// Warm-up: the whole path on 100,000 lines. Each round: a fresh data dir and
// topic prefix, the node started, the history imported, the count waited for.
//   npx tsx bench/memory/run.ts                  # 2M lines, 3 rounds
//   npx tsx bench/memory/run.ts --lines 300000   # quick
import { benchArgs, benchBroker, benchTempDir, numberArg, prepareServerFiles, processMemory, processTree, repoRoot, runBench, writeLinesOnce, type BenchBroker } from '../lib/index.ts';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { pickJosa } from '../../core/korean/josa.ts';
import { modelDir } from '../../core/korean/kiwi/model.ts';
import { startServer, type TestServer } from '../../test/helpers/server.ts';
import { NOUNS, rng, zipf } from '../search/generate.ts';

const args = benchArgs(
  `Usage: npx tsx bench/memory/run.ts [--lines 2000000]

An audit node (npm start's compiled server and search service) through a JSON
Lines import of --lines lines and the topic count that follows: the peak of its
processes' memory (RSS, broker excluded), beside the same node idle before the
import. Target (#15): under 1,500 MiB for 2,000,000 lines.`,
  { lines: { type: 'string', default: '2000000' } },
);
const N = numberArg(args.values, 'lines', { min: 10_000 });
const WARMUP = 100_000;
const LIMIT_MIB = 1500;
const dataDir = path.join(repoRoot, 'bench', '.data');
const say = (s: string) => process.stderr.write(s + '\n');

/** The history: N lines with a long-tailed vocabulary (see the file comment); the same bytes every run. */
function generate(file: string, n: number): void {
  writeLinesOnce(file, history(n));
}

function* history(n: number): Generator<string> {
  const rand = rng(11);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  // Kiwi's dictionary of proper nouns (113k): the rare words of a real archive (places, products, people)
  const proper = fs
    .readFileSync(path.join(modelDir(), 'default.dict'), 'utf8')
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((f) => f[1] === 'NNP' && /^[가-힣]{2,6}$/.test(f[0]))
    .map((f) => f[0]);
  const rare = zipf(proper.length, 1.0, rand);
  const common = zipf(NOUNS.length, 0.9, rand);
  const loanwords = ['컨슈머', '마이그레이션', '노션', '지라', '슬랙', '프로메테우스', '그라파나', '쿠버네티스', '레디스', '카프카', '도커', '젠킨스', '깃허브', '파이프라인', '스키마', '트랜잭션', '레플리카', '엔드포인트'];
  const verbs = ['죽었어요', '늦어졌어요', '봤는데요', '끝났습니다', '올렸어요', '고쳤습니다', '먹었어요', '갔다 왔어요', '살펴볼게요', '만들었는데', '돌려봤어요', '터졌어요', '느려졌네요', '바꿨습니다', '찾았어요', '막혔어요', '풀렸어요', '읽어봤는데', '남겼어요', '끝낫어요', '됬어요', '했는데요', '할께요', '해주실수있나요', '진행중입니다'];
  const tails = ['ㅋㅋ', 'ㅠㅠ', '확인 부탁드려요', '감사합니다!', '내일 봬요', '혹시 아시는 분?', '네 알겠습니다', '좋아요 👍', '언제쯤 될까요', '바로 볼게요', ''];
  const pairs = ['이/가', '은/는', '을/를', '으로/로', '과/와'];
  const plain = ['에서', '도', '만', '에', '의', '까지', '부터', ''];
  const noun = () => (rand() < 0.3 ? proper[rare()] : rand() < 0.2 ? pick(loanwords) : NOUNS[common()]);
  const withParticle = (w: string) => (rand() < 0.5 ? w + pickJosa(w, pick(pairs)) : w + pick(plain));
  const users = Array.from({ length: 500 }, (_, i) => `user${i}`);
  const t0 = Date.parse('2024-06-01T00:00:00Z');
  for (let i = 0; i < n; i++) {
    const words: string[] = [];
    for (let j = 1 + Math.floor(rand() * 3); j > 0; j--) words.push(withParticle(noun()));
    // spacing variants: two nouns written as one word
    if (words.length > 1 && rand() < 0.1) words.splice(0, 2, words[0].replace(/[가-힣]$/, '') + words[1]);
    words.push(pick(verbs));
    if (rand() < 0.15) words.push(`#${Math.floor(rand() * 100_000)}`);
    words.push(pick(tails));
    const time = new Date(t0 + i * 2600).toISOString().replace('T', ' ').replace('Z', '');
    yield JSON.stringify({ user: users[Math.floor(rand() * rand() * users.length)], message: words.join(' ').trim(), time, offset: i });
  }
}

interface Sample {
  total: number;
  server: number;
  jvm: number;
}

function sample(root: number): Sample {
  const s = { total: 0, server: 0, jvm: 0 };
  for (const pid of processTree(root)) {
    const m = processMemory(pid);
    if (!m) continue;
    s.total += m.rss;
    if (pid === root) s.server = m.rss;
    else if (m.name === 'java') s.jvm += m.rss;
  }
  return s;
}

let broker: BenchBroker;
const file = path.join(dataDir, `memory-${N}.jsonl`);
const warmFile = path.join(dataDir, `memory-warm-${WARMUP}.jsonl`);
let roundNo = 0;

/** The node as npm start runs it (compiled server, package.json's settings, its own search service), on this run's broker and a fresh data dir. */
async function startNode(): Promise<TestServer> {
  return startServer({
    compiled: true,
    dataDir: benchTempDir('memory-node'),
    prefix: `bench-memory-${process.pid}-${++roundNo}.`,
    env: { KAFKA_BROKERS: broker.brokers.join(','), KCHAT_SEARCH: 'on', LOG_LEVEL: 'warn' },
  });
}

async function health(node: TestServer): Promise<{ status: number; topics?: string; stored?: number }> {
  try {
    const res = await fetch(`${node.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
    const h = (await res.json()) as { parts?: { audit?: { topics?: { state?: string } }; ingest?: { stored?: number } } };
    return { status: res.status, topics: h.parts?.audit?.topics?.state, stored: h.parts?.ingest?.stored };
  } catch {
    return { status: 0 };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One pass: node started, idle reading, import, count; figures in MiB and seconds. */
async function pass(f: string, lines: number) {
  const node = await startNode();
  try {
    while ((await health(node)).status !== 200) await sleep(500);
    // idle: the node as it stands before any history (search service up, nothing counted)
    await sleep(10_000);
    const idle = sample(node.proc.pid!);
    let peak: Sample = idle;
    let peakPhase = 'idle';
    let phase = 'import';
    const timer = setInterval(() => {
      const s = sample(node.proc.pid!);
      if (s.total > peak.total) [peak, peakPhase] = [s, phase];
    }, 500);
    try {
      const t0 = performance.now();
      // the CLI as a person runs it: it produces to the broker and keeps pace with this node's ingest and search service
      const env = { ...process.env, DATA_DIR: node.dataDir, KAFKA_BROKERS: broker.brokers.join(','), KCHAT_TOPIC_PREFIX: node.prefix };
      const { stdout } = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'bin', 'kchat.js'), 'import-legacy', '--json', f], { cwd: repoRoot, env, maxBuffer: 1 << 26 });
      const importS = (performance.now() - t0) / 1000;
      const r = (JSON.parse(stdout) as { files: { read: number; imported: number; rejected: unknown[] }[] }).files[0];
      if (r.read !== lines || r.imported !== lines || r.rejected.length) throw new Error(`the import did not take every line: ${JSON.stringify({ ...r, rejected: r.rejected.length })}`);
      phase = 'count';
      // the count: until ingest has stored every line and the topic count has been idle for a while after it
      const tc = performance.now();
      let countS = 0;
      for (let quiet = 0; quiet < 20; ) {
        await sleep(1000);
        const h = await health(node);
        if (node.proc.exitCode !== null) throw new Error(`the server exited during the count:\n${node.stderr().slice(-3000)}`);
        const done = h.topics === 'idle' && (h.stored ?? 0) >= lines;
        if (done && quiet === 0) countS = (performance.now() - tc) / 1000;
        quiet = done ? quiet + 1 : 0;
        if (performance.now() - tc > 3_600_000) throw new Error(`the topic count did not end within an hour (state ${h.topics}, stored ${h.stored})`);
      }
      return { peak: peak.total, server: peak.server, jvm: peak.jvm, idle: idle.total, importRate: lines / importS, countS, peakPhase };
    } finally {
      clearInterval(timer);
    }
  } finally {
    await node.stop();
  }
}

const notes: string[] = [
  'Memory is RSS from /proc/PID/status of every process of the server\'s tree (the Node server with its threads and the search service\'s JVM), sampled every 500 ms; the broker is this run\'s own, outside that tree, and not counted (#15: "broker excluded").',
  "The JVM's RSS includes the index pages it has mapped (the kernel's cache, which it may drop); the server's includes Kiwi's model while the count runs.",
  'The count ends when ingest has stored every line and the server\'s /healthz says its topic count is idle.',
];

await runBench({
  name: 'memory',
  title: `Product memory: ${N.toLocaleString('en')}-line import and its topic count on an audit node as npm start runs it, beside the same node idle`,
  args,
  params: { lines: N },
  metrics: {
    ours: { peak: 'product peak RSS, import + count (broker excluded) [MiB, 0 digits]', server: '… of which the server at that moment [MiB, 0 digits]', jvm: '… and the search JVM [MiB, 0 digits]' },
    baseline: { idle: 'the same node idle before the import [MiB, 0 digits]' },
    info: { importRate: 'kchat import-legacy into the running node [lines/s, 0 digits]', countS: "import's end → topic count ended [s, 0 digits]" },
  },
  async setup() {
    await prepareServerFiles();
    generate(file, N);
    generate(warmFile, WARMUP);
    notes.unshift(`The history: ${path.basename(file)} (${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MiB).`);
    say('building the compiled server (npm run build)…');
    await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: repoRoot });
    broker = await benchBroker('memory');
    return broker;
  },
  async warmup() {
    await pass(warmFile, WARMUP);
  },
  async round() {
    const r = await pass(file, N);
    say(`  peak during the ${r.peakPhase}`);
    return { peak: r.peak, server: r.server, jvm: r.jvm, idle: r.idle, importRate: r.importRate, countS: r.countS };
  },
  target: (m, rounds) => ({
    text: `peak < ${LIMIT_MIB.toLocaleString('en')} MiB in every round (max ${Math.round(Math.max(...rounds.map((r) => r.peak))).toLocaleString('en')})`,
    pass: rounds.every((r) => r.peak < LIMIT_MIB),
    basis: 'on every round',
  }),
  notes,
});
