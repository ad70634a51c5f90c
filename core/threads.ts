// Worker threads that run kchat's TypeScript. Node does not hand `--import tsx`
// on to workers, so a worker first registers tsx, then imports its entry.
// Used to keep CPU-heavy parts (ingest's decoding and spooling) off the event
// loop that serves the websockets.
import { Worker } from 'node:worker_threads';

const TSX = import.meta.resolve('tsx/esm/api');

/** Start `entry` (a .ts module URL) in a worker thread with `workerData`. */
export function tsWorker(entry: URL, workerData: unknown, name: string): Worker {
  const boot = `import(${JSON.stringify(TSX)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData, name });
}
