// The browser UI: files Vite built into web/dist, served at `/` with their
// content types; any other GET without a file extension (a client-side route
// such as /c/general) gets index.html. Registered after every API route.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';

export const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist');

/** Paths that belong to the server, never to the UI fallback. */
const SERVER_PATHS = /^\/(api|ws|hooks|healthz|openapi\.json|docs)(\/|$)/;

export function serveWeb(app: Hono, root = WEB_DIST): void {
  // created on first use, so a server started before `npm run build` picks the UI up once it exists
  let files: ReturnType<typeof serveStatic> | null = null;
  app.use('*', (c, next) => {
    if (!files && fs.existsSync(root)) files = serveStatic({ root });
    return files ? files(c, next) : next();
  });
  app.get('*', async (c, next) => {
    if (SERVER_PATHS.test(c.req.path) || path.extname(c.req.path)) return next();
    // the page closest to the route (/audit/x → audit/index.html), else the main page
    const parts = c.req.path.split('/').filter(Boolean);
    for (let i = parts.length; i >= 0; i--) {
      const file = path.join(root, ...parts.slice(0, i), 'index.html');
      if (!file.startsWith(root)) continue;
      try {
        const html = await fs.promises.readFile(file, 'utf8');
        return c.html(html);
      } catch {
        // try the parent
      }
    }
    return c.text('the web UI is not built yet: run `npm run build`', 404);
  });
}
