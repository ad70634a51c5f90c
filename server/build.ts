// Compiles the server for `npm start` (run by `npm run build`, ~1 s): one ES
// module per thread entry — the server, ingest's fetcher thread, the topic terms thread — in
// server/dist, node_modules left outside. Running compiled JavaScript instead of
// loading TypeScript through tsx spares the long-running server tsx's loader
// thread and esbuild's service process (~50 MB of the product's memory, #15).
// Tests (but test/compiled-server.test.ts) and `npx kchat` run the sources
// through tsx.
//
// Every `import.meta.url` becomes the URL of the source file it was written in,
// so files found beside the sources (web/dist, notebooks, the bot catalogues, the
// Kiwi model, the Java search service) are found the same way from the bundle,
// and a module's "am I the program?" check stays false inside it.
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SERVER_DIST = path.join(ROOT, 'server', 'dist');

/** The modules a thread starts with; core/threads.ts finds their compiled copy by the same path under KCHAT_COMPILED_DIR. */
const ENTRIES = ['server/main.ts', 'ingest/fetcher.ts', 'core/korean/terms-thread.ts'];

const sourceUrls: Plugin = {
  name: 'kchat-source-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const text = await fs.promises.readFile(args.path, 'utf8');
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
    });
  },
};

/** Writes server/dist; throws with esbuild's messages when the sources do not compile. */
export async function buildServer(): Promise<void> {
  await build({
    absWorkingDir: ROOT,
    entryPoints: ENTRIES,
    outbase: ROOT,
    outdir: SERVER_DIST,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    define: { 'globalThis.KCHAT_COMPILED_DIR': JSON.stringify(SERVER_DIST) },
    plugins: [sourceUrls],
    logLevel: 'warning',
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await buildServer();
