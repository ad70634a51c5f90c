// What a CLI command receives. A command never opens the database, Kafka,
// files or stdout itself: it asks its context, so the very same command code
// runs in the `kchat` process or, when a server holds the DuckDB file, inside
// that server (see cli/forward.ts and server/routes/cli.ts).
import type { Directory } from '../accounts/index.ts';
import type { Config } from '../core/config.ts';
import type { Database } from '../core/db.ts';
import type { Auth } from '../core/auth.ts';
import type { KafkaClient } from '../core/kafka.ts';
import { InputError } from '../core/errors.ts';
import type { CliFiles } from './files.ts';

export interface Output {
  write(text: string): void;
}

export interface CliContext {
  config: Config;
  /** the DuckDB database (commands declared `runs: 'local'` get none) */
  db: Database;
  auth: Auth;
  /** stdout: results (one JSON document with --json) */
  out: Output;
  /** stderr: progress and human notes */
  err: Output;
  /** true when stderr is a terminal, so progress bars may draw */
  interactive: boolean;
  /** files named on the command line: read the declared inputs, write the declared outputs */
  files: CliFiles;
  /** the process's one Kafka client (`publish`, consumers); throws a clear error when no broker is reachable */
  kafka(): Promise<KafkaClient>;
  /**
   * For `runs: 'local'` commands that use the database when it is free
   * (import-legacy): the database, or null when a running server holds it.
   * Only the CLI process offers it.
   */
  freeDatabase?(): Promise<Database | null>;
  /** accounts and channels, read from Kafka (the server's own when the command runs there) */
  directory(): Promise<Directory>;
}

/** Print one JSON document (for --json) on stdout. */
export function printJson(ctx: Pick<CliContext, 'out'>, value: unknown): void {
  ctx.out.write(JSON.stringify(value, null, 2) + '\n');
}

/**
 * How a command runs, declared next to it:
 * - `inputs`/`outputs`: the file names (as given on the command line) it reads and writes. When a
 *   server runs the command, the CLI sends the inputs' content and writes the outputs it gets back;
 *   no other file can cross.
 * - `runs`: `database` (default) needs the DuckDB file, and is sent to the running server when that
 *   holds it; `local` needs no database and always runs in the CLI process; `process` needs the file
 *   and must be its own process (never sent to a server).
 */
export interface CommandSpec<A extends unknown[] = unknown[]> {
  inputs?: (...args: A) => string[];
  outputs?: (...args: A) => (string | undefined)[];
  runs?: 'database' | 'local' | 'process';
}

/** What a context factory is told about the command about to run. */
export interface CommandPlan {
  inputs: string[];
  outputs: string[];
  runs: 'database' | 'local' | 'process';
}

/** A command's action receives its context first, then commander's arguments. Returns the exit code. */
export type Action<A extends unknown[]> = (ctx: CliContext, ...args: A) => Promise<number | void>;
export type Exec = <A extends unknown[]>(action: Action<A>, spec?: CommandSpec<A>) => (...args: A) => Promise<void>;

/** Raised by a command for a user error: printed as `kchat: <message>` and exit code 2, no stack trace (like every InputError). */
export class UsageError extends InputError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'UsageError';
  }
}
