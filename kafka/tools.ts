// Kafka's own measuring tools, run from the same jars as the managed broker,
// with their text output parsed into numbers. Benchmarks print these beside
// kchat's own figures (bench/chat-latency, bench/ingest).
import { spawn } from 'node:child_process';
import { fetchJars } from './fetch.ts';
import { javaArgs, javaBin, requireJava } from './jvm.ts';

export interface ToolRun {
  stdout: string;
  stderr: string;
}

/** Run one of Kafka's tool classes; rejects with its output when it exits non-zero. */
/** A tool's options as `--name value` words, in the order written. */
export function toolOptions(options: Record<string, string | number>): string[] {
  return Object.entries(options).flatMap(([name, value]) => [`--${name}`, String(value)]);
}

export async function runKafkaTool(mainClass: string, args: string[]): Promise<ToolRun> {
  requireJava();
  await fetchJars();
  return new Promise((resolve, reject) => {
    const child = spawn(javaBin(), javaArgs(mainClass, args, { heap: '512m', logLevel: 'WARN' }), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${mainClass} failed (${signal ?? `exit ${code}`}):\n${(stderr + stdout).trim().split('\n').slice(-15).join('\n')}`));
    });
  });
}

export interface EndToEndLatencyResult {
  messages: number;
  avgMs: number;
  /** Kafka reports the percentiles in whole milliseconds */
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
}

/**
 * org.apache.kafka.tools.EndToEndLatency: one producer sends `messages` records
 * of `size` bytes one at a time (acks=all by default) and a consumer times each
 * until it reads it back. Creates the topic (1 partition) when it is missing.
 */
export async function endToEndLatency(opts: {
  brokers: string[];
  topic: string;
  messages: number;
  size: number;
  acks?: '1' | 'all';
}): Promise<EndToEndLatencyResult> {
  const { stdout, stderr } = await runKafkaTool(
    'org.apache.kafka.tools.EndToEndLatency',
    toolOptions({ 'bootstrap-server': opts.brokers.join(','), topic: opts.topic, 'num-records': opts.messages, 'producer-acks': opts.acks ?? 'all', 'record-size': opts.size }),
  );
  return parseEndToEndLatency(stdout, opts.messages, stderr);
}

/** Parses `Avg latency: 1.5707 ms` and `Percentiles: 50th = 1, 99th = 7, 99.9th = 25`. */
export function parseEndToEndLatency(stdout: string, messages: number, stderr = ''): EndToEndLatencyResult {
  const avg = /Avg latency:\s*([\d.]+)\s*ms/.exec(stdout);
  const pct = /Percentiles:\s*50th\s*=\s*([\d.]+),\s*99th\s*=\s*([\d.]+),\s*99\.9th\s*=\s*([\d.]+)/.exec(stdout);
  if (!avg || !pct) throw new Error(`Could not read EndToEndLatency's output:\n${(stdout + stderr).trim()}`);
  return { messages, avgMs: Number(avg[1]), p50Ms: Number(pct[1]), p99Ms: Number(pct[2]), p999Ms: Number(pct[3]) };
}

export interface ConsumerPerformanceResult {
  messages: number;
  mb: number;
  mbPerSec: number;
  messagesPerSec: number;
  rebalanceMs: number;
  fetchMs: number;
  /** throughput over fetch time only (without the group join) */
  fetchMbPerSec: number;
  fetchMessagesPerSec: number;
}

/**
 * org.apache.kafka.tools.ConsumerPerformance: one consumer in `group` reads
 * `messages` records from `topic` as fast as it can. It gives up after
 * `timeoutMs` without records (then the figures cover what it read).
 */
export async function consumerPerformance(opts: {
  brokers: string[];
  topic: string;
  messages: number;
  group: string;
  timeoutMs?: number;
}): Promise<ConsumerPerformanceResult> {
  const { stdout, stderr } = await runKafkaTool(
    'org.apache.kafka.tools.ConsumerPerformance',
    toolOptions({ 'bootstrap-server': opts.brokers.join(','), topic: opts.topic, 'num-records': opts.messages, group: opts.group, timeout: opts.timeoutMs ?? 10_000 }),
  );
  return parseConsumerPerformance(stdout, stderr);
}

/** Parses the CSV-ish header + values lines (`data.consumed.in.MB, MB.sec, …`). */
export function parseConsumerPerformance(stdout: string, stderr = ''): ConsumerPerformanceResult {
  const lines = stdout.split('\n').map((l) => l.trim());
  const h = lines.findIndex((l) => l.startsWith('start.time'));
  const header = h >= 0 ? lines[h].split(',').map((s) => s.trim()) : [];
  const values = h >= 0 && lines[h + 1] ? lines[h + 1].split(',').map((s) => s.trim()) : [];
  const col = (name: string): number => {
    const i = header.indexOf(name);
    const v = i >= 0 ? Number(values[i]) : NaN;
    if (!Number.isFinite(v)) throw new Error(`Could not read ${name} from ConsumerPerformance's output:\n${(stdout + stderr).trim()}`);
    return v;
  };
  return {
    messages: col('data.consumed.in.nMsg'),
    mb: col('data.consumed.in.MB'),
    mbPerSec: col('MB.sec'),
    messagesPerSec: col('nMsg.sec'),
    rebalanceMs: col('rebalance.time.ms'),
    fetchMs: col('fetch.time.ms'),
    fetchMbPerSec: col('fetch.MB.sec'),
    fetchMessagesPerSec: col('fetch.nMsg.sec'),
  };
}
