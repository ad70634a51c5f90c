// Kafka's own org.apache.kafka.tools.ProducerPerformance (from the managed
// broker's jars), the producer baseline: `records` records of `size` bytes as
// fast as the Java client sends them, acks=all, idempotent.
import { runKafkaTool } from '../../kafka/tools.ts';

export interface ProducerPerformanceResult {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  p99LatencyMs: number;
}

export async function producerPerformance(opts: { brokers: string[]; topic: string; records: number; size: number }): Promise<ProducerPerformanceResult> {
  const { stdout, stderr } = await runKafkaTool('org.apache.kafka.tools.ProducerPerformance', [
    '--topic',
    opts.topic,
    '--num-records',
    String(opts.records),
    '--record-size',
    String(opts.size),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${opts.brokers.join(',')}`,
    'acks=all',
    'enable.idempotence=true',
  ]);
  return parseProducerPerformance(stdout, stderr);
}

/** The summary line: `200000 records sent, 95238.1 records/sec (21.36 MB/sec), 830.97 ms avg latency, …, 1270 ms 99th, …`. */
export function parseProducerPerformance(stdout: string, stderr = ''): ProducerPerformanceResult {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => /records sent,.*records\/sec/.test(l));
  const m = line && /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency.*?([\d.]+) ms 99th/.exec(line.trim());
  if (!m) throw new Error(`Could not read ProducerPerformance's output:\n${(stdout + stderr).trim().slice(-2000)}`);
  return { records: Number(m[1]), recordsPerSec: Number(m[2]), mbPerSec: Number(m[3]), avgLatencyMs: Number(m[4]), p99LatencyMs: Number(m[5]) };
}
