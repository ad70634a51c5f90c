// runBench: the one shape of every benchmark run, so every figure we publish
// is taken the same honest way:
//   warm-up (not counted) → N ≥ 3 timed rounds, each measuring ours AND the
//   baseline → per-round table, median and spread (min–max) of every figure,
//   load average at start and end (and per round) → target judged on the
//   medians → a Markdown report and one JSON line on stdout, the same JSON in
//   bench/results/NAME.json.
// Progress goes to stderr, so `… > report.md` keeps only the report.
import fs from 'node:fs';
import path from 'node:path';
import type { BenchArgs } from './args.ts';
import { DEFAULT_ROUNDS } from './args.ts';
import type { BenchBroker } from './broker.ts';
import { runCleanups } from './cleanup.ts';
import { formatLoad, loadAverage, machineInfo, repoRoot, type LoadAverage } from './machine.ts';
import { spread, type Spread } from './stats.ts';

export interface Metric<K extends string = string> {
  key: K;
  /** what it is, in words a reader of BENCHMARKS.md understands ("kchat send → receive p99") */
  label: string;
  /** 'ms', 's', 'msgs/s', 'MB/s', 'count', '×' or '' */
  unit: string;
  /** ours = kchat's figure; baseline = the reference measured in the same round; info = context */
  side?: 'ours' | 'baseline' | 'info';
  /** decimals to print (default by unit) */
  digits?: number;
}

/**
 * The figures of a benchmark, by side, each as `'what it is [unit]'` (or
 * `'… [unit, N digits]'` to fix the decimals): one readable line a figure.
 *   { ours: { p99: 'kchat send → receive p99 [ms]' }, baseline: { kafkaP99: 'Kafka EndToEndLatency p99 [ms]' } }
 */
export type MetricTable<K extends string> = { [S in NonNullable<Metric['side']>]?: { [P in K]?: string } };

const LABEL_RE = /^(.*?)\s*\[([^\],]*)(?:,\s*(\d+) digits?)?\]$/;

/** The table as a list, in the order written (ours, then baseline, then info). */
export function metricList<K extends string>(table: MetricTable<K> | readonly Metric<K>[]): Metric<K>[] {
  if (Array.isArray(table)) return [...(table as readonly Metric<K>[])];
  const out: Metric<K>[] = [];
  for (const side of ['ours', 'baseline', 'info'] as const) {
    for (const [key, text] of Object.entries((table as MetricTable<K>)[side] ?? {}) as [K, string][]) {
      const m = LABEL_RE.exec(text);
      out.push(m ? { key, label: m[1], unit: m[2].trim(), side, ...(m[3] ? { digits: Number(m[3]) } : {}) } : { key, label: text, unit: '', side });
    }
  }
  return out;
}

export interface Verdict {
  /** the target written out with the figures, e.g. "p99 ≤ 3 × 6 + 10 = 28 ms and zero lost" */
  text: string;
  pass: boolean;
  /** what it was judged on, printed beside the verdict (default "on the medians") */
  basis?: string;
}

export interface BenchSpec<K extends string> {
  /** file-safe name: bench/results/NAME.json */
  name: string;
  /** one line: what is measured against what */
  title: string;
  args: Pick<BenchArgs<unknown>, 'rounds' | 'changed'>;
  /** the parameters of the run, printed and kept in the JSON */
  params?: Record<string, string | number | boolean>;
  /** the figures each round reports (see MetricTable) */
  metrics: MetricTable<K> | readonly Metric<K>[];
  /** start what the rounds measure (broker, server, clients, data); not timed. Return the broker when the benchmark uses Kafka. */
  setup?(): Promise<BenchBroker | void>;
  /** work before timing (JIT, caches, group joins); its result is not counted */
  warmup(): Promise<unknown>;
  /** one timed round: our figures and the baseline's, measured in this round */
  round(i: number): Promise<Record<K, number>>;
  /** the target, judged on the medians of the rounds (`rounds` for conditions on every round, e.g. zero lost) */
  target?(median: Record<K, number>, rounds: Record<K, number>[]): Verdict;
  /** lines printed under the table (method, what a figure includes) */
  notes?: string[];
  /** after the last round (stop servers, close files); the broker and temp dirs are cleaned up by the harness */
  teardown?(): Promise<void>;
  /** where the report goes (tests redirect it); default stdout, stderr and bench/results */
  io?: Partial<BenchIo>;
}

export interface BenchIo {
  /** the report and the JSON line */
  out(s: string): void;
  /** progress */
  err(s: string): void;
  resultsDir: string;
}

const defaultIo: BenchIo = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s + '\n'),
  resultsDir: path.join(repoRoot, 'bench', 'results'),
};

export interface RoundRecord {
  round: number;
  seconds: number;
  load_start: LoadAverage;
  load_end: LoadAverage;
  figures: Record<string, number>;
}

export interface BenchReport {
  bench: string;
  title: string;
  started_at: string;
  finished_at: string;
  params: Record<string, string | number | boolean>;
  /** options given on the command line; empty in the default mode */
  changed: string[];
  /** true when this is what BENCHMARKS.md may publish: default options, own broker, ≥ 3 rounds */
  default_mode: boolean;
  caveats: string[];
  machine: ReturnType<typeof machineInfo>;
  broker: string | null;
  load: { start: LoadAverage; end: LoadAverage };
  warmup_seconds: number;
  rounds: RoundRecord[];
  summary: Record<string, Spread & { label: string; unit: string; side: string }>;
  target: Verdict | null;
}

/** Run a benchmark (see the file comment); resolves with its report after cleaning up (rejects after cleaning up too). */
export async function runBench<K extends string>(spec: BenchSpec<K>): Promise<BenchReport> {
  const io = { ...defaultIo, ...spec.io };
  try {
    return await measure(spec, io);
  } catch (err) {
    await spec.teardown?.().catch(() => undefined);
    await runCleanups();
    process.exitCode = 1;
    throw err;
  }
}

async function measure<K extends string>(spec: BenchSpec<K>, io: BenchIo): Promise<BenchReport> {
  const say = io.err;
  const startedAt = new Date();
  const loadStart = loadAverage();
  const machine = machineInfo();
  say(`bench/${spec.name}: ${spec.title}`);
  say(`load average at start ${formatLoad(loadStart)} on ${machine.cores} cores`);
  const broker = (await spec.setup?.()) ?? undefined;
  say('warming up…');
  let t = performance.now();
  await spec.warmup();
  const warmupSeconds = (performance.now() - t) / 1000;

  const metrics = metricList(spec.metrics);
  const rounds: RoundRecord[] = [];
  for (let i = 1; i <= spec.args.rounds; i++) {
    say(`round ${i}/${spec.args.rounds}… (load ${formatLoad(loadAverage())})`);
    const ls = loadAverage();
    t = performance.now();
    const figures = await spec.round(i);
    const seconds = (performance.now() - t) / 1000;
    for (const m of metrics) if (!(m.key in figures)) throw new Error(`round ${i} did not report "${m.key}"`);
    rounds.push({ round: i, seconds, load_start: ls, load_end: loadAverage(), figures });
    say(`  ${metrics.map((m) => `${m.label} ${fmt(figures[m.key], m)}`).join('; ')}`);
  }
  await spec.teardown?.();
  await runCleanups();
  const loadEnd = loadAverage();

  const summary: BenchReport['summary'] = {};
  const medians = {} as Record<K, number>;
  for (const m of metrics) {
    const s = spread(rounds.map((r) => r.figures[m.key]));
    summary[m.key] = { ...s, label: m.label, unit: m.unit, side: m.side ?? 'info' };
    medians[m.key] = s.median;
  }
  const caveats: string[] = [];
  if (spec.args.rounds < DEFAULT_ROUNDS) caveats.push(`only ${spec.args.rounds} round(s): fewer than ${DEFAULT_ROUNDS}, not an honest figure`);
  if (broker && !broker.own) caveats.push(`measured on a broker this run did not start (${broker.describe})`);
  if (spec.args.changed.length) caveats.push(`options changed from the defaults: ${spec.args.changed.join(' ')}`);
  const report: BenchReport = {
    bench: spec.name,
    title: spec.title,
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    params: spec.params ?? {},
    changed: spec.args.changed,
    default_mode: caveats.length === 0,
    caveats,
    machine,
    broker: broker?.describe ?? null,
    load: { start: loadStart, end: loadEnd },
    warmup_seconds: round3(warmupSeconds),
    rounds,
    summary,
    target: spec.target ? spec.target(medians, rounds.map((r) => r.figures as Record<K, number>)) : null,
  };
  io.out(markdown(report, spec));
  fs.mkdirSync(io.resultsDir, { recursive: true });
  fs.writeFileSync(path.join(io.resultsDir, `${spec.name}.json`), JSON.stringify(report, null, 2) + '\n');
  io.out(JSON.stringify(report) + '\n');
  return report;
}

/** The report as Markdown: what, where, per round, median, spread, load, verdict. */
export function markdown<K extends string>(r: BenchReport, spec: Pick<BenchSpec<K>, 'metrics' | 'notes'>): string {
  const n = r.rounds.length;
  const head = ['figure', 'of', ...r.rounds.map((x) => `round ${x.round}`), `median of ${n}`, 'spread (min–max)'];
  const rows = metricList(spec.metrics).map((m) => {
    const s = r.summary[m.key];
    const rel = Number.isFinite(s.relative) ? ` (±${((100 * s.relative) / 2).toFixed(0)} %)` : '';
    return [
      `${m.label}${m.unit ? ` (${m.unit})` : ''}`,
      m.side ?? 'info',
      ...r.rounds.map((x) => fmt(x.figures[m.key], m)),
      `**${fmt(s.median, m)}**`,
      Number.isFinite(s.median) ? `${fmt(s.min, m)}–${fmt(s.max, m)}${rel}` : '–',
    ];
  });
  rows.push(['load average (1 min) at round start → end', '', ...r.rounds.map((x) => `${x.load_start[0].toFixed(2)} → ${x.load_end[0].toFixed(2)}`), '', '']);
  rows.push(['round time (s)', '', ...r.rounds.map((x) => x.seconds.toFixed(1)), '', '']);
  const table = [head, head.map((_, i) => (i < 2 ? '---' : '---:')), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
  const params = Object.entries(r.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const lines = [
    '',
    `### ${r.title}`,
    '',
    `bench/${r.bench}, ${r.started_at} → ${r.finished_at}; ${r.machine.cores} cores (${r.machine.cpu}), ${r.machine.memoryGiB} GiB, Node ${r.machine.node}, commit ${r.machine.commit}`,
    r.broker ? `broker: ${r.broker}` : null,
    params ? `parameters: ${params}` : null,
    `load average (1/5/15 min): start ${formatLoad(r.load.start)}, end ${formatLoad(r.load.end)}; warm-up ${r.warmup_seconds.toFixed(1)} s (not counted)`,
    '',
    table,
    '',
    ...(spec.notes ?? []),
    r.target ? `target: ${r.target.text} → **${r.target.pass ? 'met' : 'NOT met'}** (${r.target.basis ?? 'on the medians'})` : null,
    r.default_mode ? 'mode: default (publishable as is)' : `mode: NOT the default — ${r.caveats.join('; ')}`,
    '',
  ];
  return lines.filter((l) => l !== null).join('\n') + '\n';
}

/** A figure with the decimals its unit deserves. */
export function fmt(x: number, m: Pick<Metric, 'unit' | 'digits'>): string {
  if (x === undefined || Number.isNaN(x)) return '–';
  if (!Number.isFinite(x)) return String(x);
  const digits = m.digits ?? (m.unit === 'ms' ? (Math.abs(x) < 10 ? 2 : 1) : m.unit === 's' || m.unit === '×' || m.unit === 'MB/s' ? 2 : 0);
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
