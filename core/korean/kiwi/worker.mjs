// The Kiwi worker thread (plain JavaScript: it is started from both the
// server and the CLI, whose TypeScript loaders do not reach worker threads).
// It loads kiwi-nlp's WebAssembly build and the model once, then analyses
// words on request. core/korean/kiwi/analyzer.ts owns it: it starts it when
// there is work and terminates it when idle, which returns its memory.
//
// Requests (postMessage):
//   {type: 'analyze', id, items: string[], context: false} → {type: 'result', id, result: (Morphs | null)[]}
//       each item is one word, analysed alone
//   {type: 'analyze', id, items: string[], context: true}  → {type: 'result', id, result: (Morphs[] | null)[]}
//       each item is a text of space-separated words, analysed as a whole;
//       its morphemes come back grouped by word (by their offset in the text)
//   {type: 'sync', items, context}  → the same result, written into workerData.shared (see analyzer.ts)
// where Morphs = [form, tag, form, tag, …] of the morphemes kept (nouns, verbs,
// adjectives, foreign words); other morphemes (particles, endings) are left out.
import { parentPort, workerData } from 'node:worker_threads';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

const { modelDir, files, options, shared, nice } = workerData;

// Analysis is background work beside searches, ingest and the chat: this thread alone (Linux
// keeps a nice value per thread; `setPriority` without a pid is the calling thread) yields the
// cores to them whenever they want them, and runs at full speed when they are idle.
let niceness = 0;
let thread = null;
try {
  if (nice > 0) os.setPriority(nice);
  niceness = os.getPriority();
  thread = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
} catch {
  // not Linux, or not allowed: the analysis runs at the process's priority
}

// Which morphemes leave the worker: nouns, foreign words, verb and adjective stems (and their irregular variants).
const KEEP = /^(NNG|NNP|SL|VV|VA)/;

const require = createRequire(import.meta.url);
const dist = path.dirname(require.resolve('kiwi-nlp/package.json'));
const { default: initKiwi } = await import(pathToFileURL(path.join(dist, 'dist', 'build', 'kiwi-wasm.js')).href);

const started = performance.now();
const mod = await initKiwi({
  locateFile: (p) => (p.endsWith('.wasm') ? path.join(dist, 'dist', 'kiwi-wasm.wasm') : p),
  // Kiwi's notices (e.g. "Quantization is not supported for ArchType::none") are not errors of ours.
  print: () => undefined,
  printErr: () => undefined,
});
const call = (req) => {
  const res = JSON.parse(mod.api(JSON.stringify(req)));
  if (res && typeof res === 'object' && !Array.isArray(res) && typeof res.error === 'string') throw new Error(res.error);
  return res;
};
// Kiwi reads its model files (~95 MB) through the module's file system. Each file is a device
// whose reads go from the file on disk straight into Kiwi's memory: the bytes are never copied
// into this thread's heap, so loading costs only the model Kiwi builds from them (~85 MB less at
// the peak of a load than writing the files into the in-memory file system first).
const { FS } = mod;
const DEVICE_MAJOR = 64; // Emscripten's own devices use 1, 5 and 6
const openFds = new Set(); // a build that fails midway may leave some open: closed after it either way
function fileDevice(file) {
  const size = fs.statSync(file).size;
  return {
    open(stream) { openFds.add((stream.kchatFd = fs.openSync(file, 'r'))); },
    close(stream) { openFds.delete(stream.kchatFd); fs.closeSync(stream.kchatFd); },
    read(stream, buffer, offset, length, position) { return fs.readSync(stream.kchatFd, buffer, offset, length, position); },
    llseek(stream, offset, whence) {
      const at = offset + (whence === 1 ? stream.position : whence === 2 ? size : 0);
      if (at < 0) throw new FS.ErrnoError(28); // EINVAL
      return at;
    },
  };
}
FS.mkdir('/model');
files.forEach((f, i) => {
  const dev = FS.makedev(DEVICE_MAJOR, i);
  FS.registerDevice(dev, fileDevice(path.join(modelDir, f)));
  FS.mkdev(`/model/${f}`, 0o444, dev);
});
let id;
try {
  id = call({
    method: 'build',
    args: [{ modelPath: '/model', loadMultiDict: false, loadDefaultDict: true, loadTypoDict: true, integrateAllomorph: true, modelType: 'none' }],
  });
} finally {
  for (const fd of openFds) fs.closeSync(fd);
}
for (const f of files) FS.unlink(`/model/${f}`);
FS.rmdir('/model');
// Whatever the build left in this thread's heap is garbage now: collect it at once, as core/heap.ts
// does (this plain-JS worker cannot import it), or it stays beside the model until V8 happens to run
// a full collection in a thread that is mostly idle between batches.
v8.setFlagsFromString('--expose-gc');
vm.runInNewContext('gc')();
const version = call({ method: 'version', args: [] });

/** One word → [form, tag, …] of the morphemes worth counting. */
function analyzeWord(word) {
  const out = [];
  const r = call({ method: 'analyze', id, args: [word, options.match] });
  for (const t of r.tokens) {
    if (KEEP.test(t.tag)) out.push(t.str, t.tag);
  }
  return out;
}

/** One text → per space-separated word, [form, tag, …] of the morphemes worth counting. */
function analyzeText(text) {
  // Kiwi's wordPosition restarts in every sentence: place morphemes by their offset (UTF-16 units, as JS strings count).
  const parts = text.split(' ');
  const starts = [];
  let at = 0;
  for (const p of parts) {
    starts.push(at);
    at += p.length + 1;
  }
  const words = parts.map(() => []);
  const r = call({ method: 'analyze', id, args: [text, options.match] });
  let w = 0;
  for (const t of r.tokens) {
    while (w + 1 < starts.length && starts[w + 1] <= t.position) w++;
    if (KEEP.test(t.tag)) words[w].push(t.str, t.tag);
  }
  return words;
}

function analyzeAll(items, context) {
  const res = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    try {
      res[i] = context ? analyzeText(items[i]) : analyzeWord(items[i]);
    } catch {
      res[i] = null; // this item only: the caller falls back to the rule tokenizer for it
    }
  }
  return res;
}

const state = new Int32Array(shared, 0, 2);
const bytes = new Uint8Array(shared, 8);
const encoder = new TextEncoder();

parentPort.on('message', (msg) => {
  if (msg.type === 'analyze') {
    parentPort.postMessage({ type: 'result', id: msg.id, result: analyzeAll(msg.items, msg.context) });
  } else if (msg.type === 'sync') {
    // A synchronous caller (a DuckDB scalar function) is blocked in Atomics.wait on state[0].
    const json = encoder.encode(JSON.stringify(analyzeAll(msg.items, msg.context)));
    if (json.length > bytes.length) {
      Atomics.store(state, 1, json.length);
      Atomics.store(state, 0, 2); // too large: the caller splits the batch
    } else {
      bytes.set(json);
      Atomics.store(state, 1, json.length);
      Atomics.store(state, 0, 1);
    }
    Atomics.notify(state, 0);
  }
});
// (buffers: the thread's ArrayBuffers left once loaded — the model files' bytes should be gone; analyzer.ts reports it)
parentPort.postMessage({ type: 'ready', ms: Math.round(performance.now() - started), version, buffers: process.memoryUsage().arrayBuffers, nice: niceness, thread });
