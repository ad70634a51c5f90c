// The `kchat` command tree. Each command lives in cli/commands/<name>.ts and
// exports `define(program, exec)`; add a new one to COMMANDS below.
import { Command } from 'commander';
import type { Exec, Output } from './context.ts';
import * as users from './commands/users.ts';
import * as importLegacy from './commands/import-legacy.ts';
import * as pipeline from './commands/pipeline.ts';
import * as ingest from './commands/ingest.ts';
import * as notebook from './commands/notebook.ts';
import * as zeppelin from './commands/zeppelin.ts';
import * as movies from './commands/movies.ts';
import * as kafka from './commands/kafka.ts';
import * as restore from './commands/restore.ts';
import * as topics from './commands/topics.ts';
import * as exporter from './commands/export.ts';

export interface CommandModule {
  define(program: Command, exec: Exec): void;
}

const COMMANDS: CommandModule[] = [users, importLegacy, pipeline, ingest, notebook, zeppelin, movies, kafka, restore, topics, exporter];

export function buildProgram(exec: Exec, io: { out: Output; err: Output }): Command {
  const program = new Command('kchat')
    .description('kchat — team chat on Apache Kafka: operator and auditor commands')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s) })
    .exitOverride();
  program.addHelpText(
    'after',
    `
Environment: DATA_DIR (default ./data), KAFKA_BROKERS, ADMIN_TOKEN, TZ_REPORTS (default Asia/Seoul).
When a kchat server is running on this DATA_DIR, commands are sent to it (it owns the database).`,
  );
  for (const c of COMMANDS) c.define(program, exec);
  return program;
}
