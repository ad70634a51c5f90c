// What a CLI command receives. A command never opens the database, Kafka or
// stdout itself: it asks its context, so the very same command code runs in
// the `kchat` process or, when a server holds the DuckDB file, inside that
// server (see cli/forward.ts and server/routes/cli.ts).
import path from 'node:path';
import type { Config } from '../core/config.ts';
import type { Database } from '../core/db.ts';
import type { Auth } from '../core/auth.ts';
import type { KafkaClient } from '../core/kafka.ts';
import { InputError } from '../core/errors.ts';

export interface Output {
  write(text: string): void;
}

export interface CliContext {
  config: Config;
  db: Database;
  auth: Auth;
  /** stdout: results (one JSON document with --json) */
  out: Output;
  /** stderr: progress and human notes */
  err: Output;
  /** true when stderr is a terminal, so progress bars may draw */
  interactive: boolean;
  /** where relative paths given on the command line are resolved */
  cwd: string;
  /** the process's one Kafka client (`publish`, consumers); throws a clear error when no broker is reachable */
  kafka(): Promise<KafkaClient>;
}

export function resolvePath(ctx: Pick<CliContext, 'cwd'>, file: string): string {
  return path.resolve(ctx.cwd, file);
}

/** Print one JSON document (for --json) on stdout. */
export function printJson(ctx: Pick<CliContext, 'out'>, value: unknown): void {
  ctx.out.write(JSON.stringify(value, null, 2) + '\n');
}

/** A command's action receives its context first, then commander's arguments. Returns the exit code. */
export type Action<A extends unknown[]> = (ctx: CliContext, ...args: A) => Promise<number | void>;
export type Exec = <A extends unknown[]>(action: Action<A>) => (...args: A) => Promise<void>;

/** Raised by a command for a user error: printed as `kchat: <message>` and exit code 2, no stack trace (like every InputError). */
export class UsageError extends InputError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'UsageError';
  }
}
