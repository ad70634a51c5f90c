// Puts the generated chat onto the bench's chat.events topic as envelopes
// (key = channel), fast: the rows stream from the generator into Kafka's own
// console producer (kafka/libs, the broker's version), which batches far better
// than a JavaScript client does at tens of millions of records.
import { spawn } from 'node:child_process';
import { fetchJars } from '../../kafka/fetch.ts';
import { javaArgs, javaBin, requireJava } from '../../kafka/jvm.ts';
import { generateRows, type ChatRow, type GenOptions } from './generate.ts';

/** The envelope of a generated row: the product's shape (core/envelope.ts), texts already clean. */
export function envelopeOf(r: ChatRow): string {
  return JSON.stringify({ v: 1, id: r.id, type: r.type, channel: r.channel, user: { id: r.user_id, nick: r.nick }, text: r.text, ts: r.ts_ms, reply_to: null, meta: {} });
}

/** Produce gen.messages envelopes to topic; `progress(n)` every 100,000. Resolves when the producer has flushed and exited. */
export async function produceChat(brokers: string[], topic: string, gen: GenOptions, progress: (n: number) => void): Promise<void> {
  requireJava();
  await fetchJars();
  const props = { 'linger.ms': '20', 'batch.size': String(512 * 1024), acks: 'all', 'compression.type': 'none', 'buffer.memory': String(128 << 20), 'max.request.size': String(1 << 20) };
  const args = ['--bootstrap-server', brokers.join(','), '--topic', topic, '--reader-property', 'parse.key=true', '--reader-property', 'key.separator=\t'];
  for (const [k, v] of Object.entries(props)) args.push('--command-property', `${k}=${v}`);
  const child = spawn(javaBin(), javaArgs('org.apache.kafka.tools.ConsoleProducer', args, { heap: '512m' }), { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  let buf = '';
  let n = 0;
  for (const r of generateRows(gen)) {
    buf += `${r.channel}\t${envelopeOf(r)}\n`;
    if (++n % 100_000 === 0) progress(n);
    if (buf.length > 1 << 20) {
      if (!child.stdin!.write(buf)) await new Promise((resolve) => child.stdin!.once('drain', resolve));
      buf = '';
    }
  }
  child.stdin!.end(buf);
  const code = await exited;
  if (code !== 0) throw new Error(`Kafka's console producer failed (exit ${code}):\n${stderr.trim().split('\n').slice(-10).join('\n')}`);
  progress(n);
}
