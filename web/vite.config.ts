// Multi-page Vite build of the browser UI. Every page is one entry in `pages`;
// add a page by adding a line there (name → its index.html). Output: web/dist,
// served by the Hono server at `/`.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { defineConfig } from 'vite';

const webRoot = path.dirname(fileURLToPath(import.meta.url));
const page = (rel: string) => path.resolve(webRoot, rel);

const pages: Record<string, string> = {
  main: page('index.html'),
  notebooks: page('notebooks/index.html'),
  audit: page('audit/index.html'),
};

export default defineConfig({
  root: webRoot,
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  // Preact's automatic JSX runtime (same as tsconfig: jsx react-jsx + jsxImportSource preact).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: path.resolve(webRoot, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: { input: pages },
  },
});
