// Runs a `kchat` command line against a context factory and collects its
// exit code. Shared by the CLI process (cli/main.ts) and the server, which
// runs forwarded command lines in-process (server/routes/cli.ts).
import { CommanderError } from 'commander';
import { buildProgram } from './program.ts';
import { isInputError } from '../core/errors.ts';
import { type CliContext, type Exec, type Output } from './context.ts';

export type ContextFactory = () => Promise<{ ctx: CliContext; close(): Promise<void> }>;

export async function runCommandLine(argv: string[], io: { out: Output; err: Output }, makeContext: ContextFactory): Promise<number> {
  let code = 0;
  const exec: Exec =
    (action) =>
    async (...args) => {
      const { ctx, close } = await makeContext();
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
    // cli/main.ts signals "the running server already ran it" with this; its own catch sets the exit code
    if ((err as Error).message === 'forwarded') throw err;
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
