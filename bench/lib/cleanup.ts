// Cleanups a benchmark registers (its broker, temp dirs, child servers): run
// in reverse order at the end of the run, and on Ctrl-C/SIGTERM so an
// interrupted run leaves no broker or temp directory behind.
type Cleanup = () => Promise<void> | void;
const cleanups: Cleanup[] = [];
let running: Promise<void> | null = null;
let installed = false;

export function atExit(fn: Cleanup): void {
  cleanups.push(fn);
  if (installed) return;
  installed = true;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\n${sig}: stopping…\n`);
      void runCleanups().finally(() => process.exit(130));
    });
  }
}

/** Run every registered cleanup once (last registered first); errors are reported, not thrown. */
export function runCleanups(): Promise<void> {
  return (running ??= (async () => {
    while (cleanups.length) {
      const fn = cleanups.pop()!;
      try {
        await fn();
      } catch (err) {
        process.stderr.write(`cleanup failed: ${(err as Error).message}\n`);
      }
    }
    running = null;
  })());
}
