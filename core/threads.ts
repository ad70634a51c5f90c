// Worker threads that run kchat's TypeScript. Node does not hand `--import tsx`
// on to workers, so a worker first registers tsx, then imports its entry. The
// compiled server (server/build.ts, `npm start`) starts the entry's compiled copy
// instead, found by the same path in the folder it was compiled into.
// Used to keep CPU-heavy parts (ingest's decoding and spooling) off the event
// loop that serves the websockets.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

declare global {
  /** Where server/build.ts wrote the compiled server, in its output; undefined when tsx runs the sources. */
  var KCHAT_COMPILED_DIR: string | undefined;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Start `entry` (a .ts module URL) in a worker thread with `workerData`. */
export function tsWorker(entry: URL, workerData: unknown, name: string): Worker {
  const compiledDir = globalThis.KCHAT_COMPILED_DIR;
  if (compiledDir) {
    const compiled = path.join(compiledDir, path.relative(ROOT, fileURLToPath(entry)).replace(/\.ts$/, '.js'));
    return new Worker(pathToFileURL(compiled), { workerData, name });
  }
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData, name });
}
