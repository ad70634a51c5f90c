// Give a thread's garbage back to the system after a burst of work (an
// import streaming in, ingest catching up). V8 keeps the heap such a burst
// grew until its own heuristics shrink it, which a server idle afterwards may
// never trigger — and right after an import the topic count loads Kiwi's model
// (~0.6 GB) into the same process, which has a memory budget (README). One full
// collection on the calling thread: a pause of tens of milliseconds, taken once
// per burst, never on the live path.
import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | null = null;

/** Collect now; returns the thread's heap size (bytes) before and after. */
export function collectGarbage(): { before: number; after: number } {
  if (!gc) {
    // V8's gc() without starting node with --expose-gc (a worker thread cannot be given V8 flags):
    // set the flag, and a context made after it has gc()
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  const before = v8.getHeapStatistics().total_heap_size;
  gc();
  return { before, after: v8.getHeapStatistics().total_heap_size };
}
