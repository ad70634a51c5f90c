// Graceful shutdown: rooms register how to stop; SIGINT/SIGTERM run the
// stoppers in reverse order of registration (last started, first stopped).
import { logger } from './log.ts';

const log = logger('lifecycle');
type Stopper = { name: string; stop: () => Promise<void> | void };
const stoppers: Stopper[] = [];
let stopping: Promise<void> | null = null;
let installed = false;

export function onShutdown(name: string, stop: Stopper['stop']): void {
  stoppers.push({ name, stop });
}

export function shutdown(reason = 'shutdown'): Promise<void> {
  if (stopping) return stopping;
  stopping = (async () => {
    log.info({ reason }, 'stopping');
    for (const s of [...stoppers].reverse()) {
      try {
        await Promise.race([s.stop(), new Promise((r) => setTimeout(r, 10000).unref())]);
      } catch (err) {
        log.error({ err, part: s.name }, 'error while stopping');
      }
    }
    stoppers.length = 0;
  })();
  return stopping;
}

/** Exit cleanly on SIGINT/SIGTERM; a second signal exits at once. */
export function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (stopping) process.exit(130);
      void shutdown(sig).then(() => process.exit(0));
    });
  }
}
