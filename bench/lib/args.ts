// Command-line options of a benchmark, with the options every benchmark
// shares (--rounds, --help) added, and a record of which options were given:
// a run with any option changed from its default is not the "default mode"
// that BENCHMARKS.md publishes, and the report says so.
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

export const DEFAULT_ROUNDS = 3;

/** The parsed values: strings and booleans, `undefined` only for options without a default. */
export type Values<O extends Options> = {
  [K in keyof O]: (O[K] extends { type: 'boolean' } ? boolean : string) | (O[K] extends { default: unknown } ? never : undefined);
};

export interface BenchArgs<V> {
  values: V;
  /** timed rounds after the warm-up */
  rounds: number;
  /** options given on the command line (not their defaults), e.g. ['--clients 40'] */
  changed: string[];
}

const COMMON = `Every benchmark:
  --rounds N     timed rounds after the warm-up (default ${DEFAULT_ROUNDS}; fewer is flagged as not honest)
  --help         this text
  KAFKA_BROKERS=host:port   (benchmarks that use Kafka) measure on that broker instead of
                            starting their own one; the report flags it as not the default mode.
Output: a Markdown report on stdout (per round, median, spread, load average at start
and end), then one JSON line; the same JSON is written to bench/results/NAME.json.`;

/**
 * Parse process.argv for a benchmark. `usage` is printed for --help above the
 * common options. Unknown options are an error that names them.
 */
export function benchArgs<O extends Options>(usage: string, options: O, argv = process.argv.slice(2)): BenchArgs<Values<O>> {
  const all: Options = { ...options, rounds: { type: 'string', default: String(DEFAULT_ROUNDS) }, help: { type: 'boolean', default: false } };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: all, tokens: true, allowPositionals: false, strict: true });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage.trim()}\n\n${COMMON}\n`);
    process.exit(2);
  }
  if (parsed.values.help) {
    process.stdout.write(`${usage.trim()}\n\n${COMMON}\n`);
    process.exit(0);
  }
  const rounds = Number(parsed.values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) {
    process.stderr.write(`--rounds must be a whole number ≥ 1, got "${String(parsed.values.rounds)}"\n`);
    process.exit(2);
  }
  const changed: string[] = [];
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== 'option' || t.name === 'help') continue;
    changed.push(t.value === undefined ? `--${t.name}` : `--${t.name} ${t.value}`);
  }
  return { values: parsed.values as Values<O>, rounds, changed };
}

/** A numeric option, or exit 2 with a message naming it. */
export function numberArg(values: Record<string, unknown>, name: string, { min = 0, integer = true } = {}): number {
  const raw = values[name];
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    process.stderr.write(`--${name} must be ${integer ? 'a whole number' : 'a number'} ≥ ${min}, got "${String(raw)}"\n`);
    process.exit(2);
  }
  return n;
}
