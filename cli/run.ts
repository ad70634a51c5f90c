// Runs a `kchat` command line against a context factory and collects its
// exit code. Shared by the CLI process (cli/main.ts) and the server, which
// runs forwarded command lines in-process (server/routes/cli.ts).
import { CommanderError } from 'commander';
import { isInputError } from '../core/errors.ts';
import { buildProgram } from './program.ts';
import type { CliContext, CommandPlan, Exec, Output } from './context.ts';

export type ContextFactory = (plan: CommandPlan) => Promise<{ ctx: CliContext; close(): Promise<void> }>;

/** Thrown by a context factory that had the command run elsewhere (by the server): its exit code. */
export class RanElsewhere extends Error {
  constructor(readonly code: number) {
    super('the command ran on the server');
  }
}

export async function runCommandLine(argv: string[], io: { out: Output; err: Output }, makeContext: ContextFactory): Promise<number> {
  let code = 0;
  const exec: Exec =
    (action, spec = {}) =>
    async (...args) => {
      const plan: CommandPlan = {
        inputs: spec.inputs?.(...args) ?? [],
        outputs: (spec.outputs?.(...args) ?? []).filter((o): o is string => typeof o === 'string'),
        runs: spec.runs ?? 'database',
      };
      const { ctx, close } = await makeContext(plan);
      try {
        code = (await action(ctx, ...args)) ?? 0;
      } finally {
        await close();
      }
    };
  try {
    await buildProgram(exec, io).parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof RanElsewhere) return err.code;
    // every caller mistake (InputError, UsageError included) is mapped here, once: its message and exit code 2
    if (isInputError(err)) {
      io.err.write(`kchat: ${err.message}\n`);
      return 2;
    }
    io.err.write(`kchat: ${(err as Error).message}\n`);
    return 1;
  }
  return code;
}
