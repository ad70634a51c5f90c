// `npm test`: one real Kafka broker for the whole suite, then node's own test
// runner over every *.test.ts. Usage: npm test [-- --unit] [-- path-filter…]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../core/config.ts';
import { connectKafka, type BrokerHandle } from '../kafka/broker.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** folders that never hold our tests (dependencies, data, build output, fetched jars, venvs) */
const SKIP = new Set(['node_modules', 'data', 'web/dist', 'server/dist', 'kafka/libs', 'bench/.venv', 'bench/results', 'test-results', '.git', '.venv']);

const HELP = `Usage: npm test [-- [--unit] [node test flags…] [filter…]]

Runs every *.test.ts in the repo with node's test runner (spec reporter).
  --unit       only the tests outside test/ (no broker is started)
  filter…      keep only files whose path contains one of the filters
  --test-*     any other node test-runner flag is passed on (e.g. --test-name-pattern=…)
A full run (no filter) waits for any other full run on this machine to end
first (KCHAT_TEST_NO_LOCK=1 skips the wait): two suites at once on a small
machine starve each other's brokers and browsers into timeouts.
Unless KAFKA_BROKERS is set, a project-managed Kafka broker is started for the
run (DATA_DIR in the OS temp dir) and KAFKA_BROKERS is exported to the tests.
`;

function collect(dir: string, out: string[]): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const rel = path.relative(root, full).split(path.sep).join('/');
    if (entry.isDirectory()) {
      if (!SKIP.has(rel) && !SKIP.has(entry.name)) collect(full, out);
    } else if (entry.isFile() && entry.name.endsWith('.test.ts')) {
      out.push(rel);
    }
  }
  return out;
}

/** Holds a machine-wide lock (a directory with our pid) while a full suite runs; a dead holder's lock is taken over. */
async function machineLock(): Promise<() => void> {
  const dir = path.join(os.tmpdir(), 'kchat-npm-test.lock');
  const pidFile = path.join(dir, 'pid');
  let told = false;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(pidFile, String(process.pid));
      return () => fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      const holder = Number(fs.readFileSync(pidFile, { encoding: 'utf8', flag: 'a+' }) || 0);
      let alive: boolean;
      try {
        if (holder) process.kill(holder, 0);
        alive = holder > 0;
      } catch {
        alive = false;
      }
      if (!alive) {
        fs.rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (!told) process.stderr.write(`kchat test: waiting for another full test run (pid ${holder}) to finish…\n`);
      told = true;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const unit = args.includes('--unit');
  const nodeFlags = args.filter((a) => a.startsWith('--') && a !== '--unit');
  const filters = args.filter((a) => !a.startsWith('--'));
  let files = collect(root, []).sort();
  if (unit) files = files.filter((f) => !f.startsWith('test/'));
  if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
  if (!files.length) {
    process.stderr.write(`kchat test: no *.test.ts files match ${filters.length ? filters.join(', ') : '(none found)'}\n`);
    return 1;
  }

  const release = !filters.length && !unit && !process.env.KCHAT_TEST_NO_LOCK ? await machineLock() : () => undefined;
  process.once('exit', release);

  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: process.env.NODE_ENV || 'test' };
  let broker: BrokerHandle | null = null;
  let brokerDataDir: string | null = null;
  let interrupted = false;
  const stopBroker = async (): Promise<void> => {
    const b = broker;
    broker = null;
    if (b) await b.stop().catch((err: unknown) => process.stderr.write(`kchat test: stopping the broker failed: ${String(err)}\n`));
    if (brokerDataDir) fs.rmSync(brokerDataDir, { recursive: true, force: true });
    brokerDataDir = null;
  };
  // Ctrl-C reaches the test child through the terminal's process group; we
  // only have to make sure the broker goes down after it.
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupted = true;
    if (!child) void stopBroker().then(() => process.exit(130));
    else child.kill(sig);
  };
  let child: ReturnType<typeof spawn> | null = null;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const needsBroker = !process.env.KAFKA_BROKERS && files.some((f) => f.startsWith('test/'));
    if (needsBroker) {
      brokerDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-test-broker-'));
      const started = Date.now();
      broker = await connectKafka(loadConfig({ ...env, DATA_DIR: brokerDataDir, KAFKA_BROKERS: '', LOG_LEVEL: env.LOG_LEVEL ?? 'warn' }), {
        start: true,
      });
      env.KAFKA_BROKERS = broker.brokers.join(',');
      process.stderr.write(`kchat test: Kafka broker ${env.KAFKA_BROKERS} ready in ${Date.now() - started} ms\n`);
    }
    if (interrupted) return 130;
    process.stderr.write(`kchat test: ${files.length} file(s)\n`);
    const code = await new Promise<number>((resolve, reject) => {
      child = spawn(
        process.execPath,
        ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...nodeFlags, ...files],
        { cwd: root, env, stdio: 'inherit' },
      );
      child.on('error', reject);
      child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)));
    });
    return interrupted && code === 0 ? 130 : code;
  } finally {
    await stopBroker();
  }
}

// Exit explicitly: a client handle left open must not keep `npm test` hanging.
process.exit(
  await main().catch((err: unknown) => {
    process.stderr.write(`kchat test: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }),
);
