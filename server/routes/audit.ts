// The audit API as a `npm start` part: /api/search, /api/stats/*, all behind
// the auditor guard (401/403 + audit_log), plus the public /openapi.json and
// /docs (swagger-ui served from node_modules, no CDN).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Hono, type Context } from 'hono';
import {
  AUDIT_LOG_SCHEMA,
  SearchClient,
  StatsError,
  VOLUME_BY,
  botUsage,
  listAuditLog,
  inBulk,
  KIWI_BULK_QUIET_MS,
  maintainTopics,
  newPace,
  noteCommit,
  noteCount,
  untilNextCount,
  yieldsToBulk,
  requireAdmin,
  period,
  POS,
  recordAudit,
  requireAuditor,
  requireRole,
  runSearch,
  searchCsv,
  topics,
  volume,
  type AuditEnv,
  type Pos,
  type SearchResult,
  type SearchView,
  type SearchBackend,
  type VolumeBy,
} from '../../audit/index.ts';
import { hasRole } from '../../core/auth.ts';
import { auditBotCommands } from '../../audit/index.ts';
import { registerCommand } from '../../bots/index.ts';
import { InputError } from '../../core/errors.ts';
import { messageLog, type CommitNotice } from '../../ingest/index.ts';
import { kiwiTerms } from '../../core/korean/terms.ts';
import { logger } from '../../core/log.ts';
import { CSV_BOM } from '../../core/csv.ts';
import { localDate } from '../../core/time.ts';
import { openApiDocument } from '../openapi.ts';
import { router } from '../http.ts';
import type { Part, PartContext } from '../part.ts';

const log = logger('audit.api');
const utf8 = new TextEncoder();

function intParam(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new StatsError(`${name} must be an integer from 1 to ${max}, got "${value}"`);
  return n;
}

/** Routes of the audit API (exported on its own for tests). */
export function auditRoutes(ctx: Pick<PartContext, 'config' | 'db' | 'auth' | 'directory'>, search: SearchClient): Hono<AuditEnv> {
  const app = router<AuditEnv>();
  const tz = ctx.config.tzReports;
  const guard = requireAuditor(ctx.auth, ctx.db);
  const adminOnly = requireAdmin(ctx.auth, ctx.db);
  // members search too, over the channels they belong to; every search is in audit_log
  app.use('/api/search', requireRole(ctx.auth, ctx.db, 'member'));
  app.use('/api/stats/*', guard);

  app.get('/api/search', async (c) => {
    const principal = c.get('principal');
    const auditor = hasRole(principal.role, 'auditor');
    const view: SearchView = auditor ? { role: 'auditor' } : { role: 'member', channels: ctx.directory?.channels.channelsOf(principal.id) ?? [] };
    const result = await runSearch(search, { q: c.req.query('q'), limit: c.req.query('limit'), cursor: c.req.query('cursor') }, { tz, view });
    if (auditor) await recordPrivateReads(ctx, c, result);
    return c.json(result);
  });

  // who the /audit page is signed in as (auditors and admins; a member's token is 403, a wrong one 401)
  app.get('/api/audit/me', guard, (c) => {
    const p = c.get('principal');
    return c.json({ user: { id: p.id, nick: p.nick, role: p.role } });
  });

  // every hit of a query as CSV (auditors; one `search.export` audit row with the query)
  app.get('/api/search/export', guard, async (c) => {
    const lines = searchCsv(search, c.req.query('q'), { tz, view: { role: 'auditor' } });
    const first = await lines.next(); // a malformed query answers 400 here, before any byte is sent
    const body = new ReadableStream<Uint8Array>({
      start(ctrl) {
        if (!first.done) ctrl.enqueue(utf8.encode(CSV_BOM + first.value));
      },
      async pull(ctrl) {
        try {
          const next = await lines.next();
          if (next.done) ctrl.close();
          else ctrl.enqueue(utf8.encode(next.value));
        } catch (err) {
          log.warn({ err }, 'search export stopped');
          ctrl.error(err);
        }
      },
      async cancel() {
        await lines.return(undefined);
      },
    });
    const name = `kchat-search-${localDate(Date.now(), tz)}.csv`;
    return new Response(body, { headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}` } });
  });

  app.get('/api/stats/topics', async (c) => {
    const p = period(c.req.query('from'), c.req.query('to'), tz);
    const limit = intParam(c.req.query('limit'), 'limit', 20, 200);
    const pos = (c.req.query('pos') || 'nouns') as Pos;
    if (!(POS as readonly string[]).includes(pos)) throw new StatsError(`pos must be one of ${POS.join('|')}, got "${pos}"`);
    return c.json(await topics(ctx.db, p, { channel: c.req.query('channel') || null, limit, pos }));
  });

  app.get('/api/stats/volume', async (c) => {
    const by = (c.req.query('by') || 'day') as VolumeBy;
    if (!(VOLUME_BY as readonly string[]).includes(by)) throw new StatsError(`by must be one of ${VOLUME_BY.join('|')}, got "${by}"`);
    const p = period(c.req.query('from'), c.req.query('to'), tz);
    return c.json(await volume(ctx.db, p, by, c.req.query('channel') || null));
  });

  app.get('/api/stats/bots', async (c) => {
    return c.json(await botUsage(ctx.db, period(c.req.query('from'), c.req.query('to'), tz)));
  });

  // every privileged action with its detail (admins only; reading the log is itself recorded)
  app.get('/api/audit-log', adminOnly, async (c) => {
    const q = { limit: c.req.query('limit'), actor: c.req.query('actor'), action: c.req.query('action'), from: c.req.query('from'), to: c.req.query('to') };
    return c.json(await listAuditLog(ctx.db, q, tz));
  });

  app.get('/openapi.json', (c) => c.json(openApiDocument()));
  const swaggerDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const assets: Record<string, string> = { 'swagger-ui.css': 'text/css', 'swagger-ui-bundle.js': 'text/javascript', 'favicon-32x32.png': 'image/png' };
  // the page's own start-up script is a file too: the CSP allows no inline script
  const init = "window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true });\n";
  app.get('/docs/assets/init.js', (c) => c.body(init, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }));
  app.get('/docs/assets/:file', (c) => {
    const file = c.req.param('file');
    const type = assets[file];
    if (!type) throw new InputError('not_found', `no such asset: ${file}`, { status: 404 });
    return c.body(fs.readFileSync(path.join(swaggerDir, file)), 200, { 'content-type': type, 'cache-control': 'public, max-age=3600' });
  });
  app.get('/docs', (c) =>
    c.html(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kchat API</title>
<link rel="icon" href="/docs/assets/favicon-32x32.png"><link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div><script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script>
</body></html>`),
  );
  return app;
}

/**
 * An auditor's search that shows messages of private channels or direct
 * conversations: one more audit_log row (`private.read`) naming them, written
 * before the answer leaves (no row, no answer: 503).
 */
async function recordPrivateReads(ctx: Pick<PartContext, 'db' | 'directory'>, c: Context<AuditEnv>, result: SearchResult): Promise<void> {
  const read = new Map<string, string[]>();
  for (const h of result.hits) {
    const def = ctx.directory?.channels.get(h.channel);
    if (!def?.private) continue;
    const ids = read.get(h.channel) ?? [];
    ids.push(h.id);
    read.set(h.channel, ids);
  }
  if (read.size === 0) return;
  const url = new URL(c.req.url);
  await recordAudit(ctx.db, {
    actor: c.get('principal'),
    action: 'private.read',
    method: c.req.method,
    path: url.pathname,
    params: Object.fromEntries(url.searchParams),
    detail: { via: 'search', channels: [...read].map(([channel, ids]) => ({ channel, dm: Boolean(ctx.directory?.channels.get(channel)?.dm), messages: ids })) },
    status: 200,
  });
}

/** The audit API part: routes on the search service (search/, via `backend`), keeps the topic counts caught up. */
export function createAuditPart(ctx: PartContext, backend: SearchBackend): Part & { search: SearchClient } {
  const search = new SearchClient(backend);
  let topicsTimer: NodeJS.Timeout | null = null;
  /** when topicsTimer fires (ms) */
  let topicsDue = 0;
  let topicsRun: Promise<unknown> | null = null;
  let countSince = 0;
  const pace = newPace();
  // the shared Kiwi analyser of topic counts (null when turned off)
  const kiwi = ctx.config.kiwi.enabled ? kiwiTerms(ctx.config).kiwi : null;
  let unsubscribe = () => {};
  const stopping = new AbortController();
  // stops the running count when a bulk begins after it (yieldsToBulk), or at shutdown
  let countStop: AbortController | null = null;
  const tickTopics = () => {
    if (topicsRun || stopping.signal.aborted) return;
    noteCount(pace, Date.now());
    countSince = Date.now();
    countStop = new AbortController();
    // new messages counted; days an earlier analyser counted (rule tokenizer before the Kiwi model) recounted
    topicsRun = maintainTopics(ctx.db, ctx.config.tzReports, { signal: AbortSignal.any([stopping.signal, countStop.signal]) })
      .catch((err: unknown) => log.warn({ err }, 'topic counts catch-up failed'))
      .finally(() => {
        topicsRun = null;
        countStop = null;
      });
  };
  // The message log says when rows were committed: catch up then, paced (audit/topics-pace.ts; no polling while idle).
  const onCommit = (notice?: CommitNotice) => {
    if (notice) {
      noteCommit(pace, notice.rows, Date.now(), notice.backlog);
      // A bulk streams in: no count runs before its end (audit/topics-pace.ts). One begun before it stops at
      // its next batch (its unfinished window is counted later, once), and a Kiwi model left loaded goes:
      // ~0.6 GB that ingest and search need more now.
      if (topicsRun && countStop && !countStop.signal.aborted && yieldsToBulk(pace)) {
        log.info('a bulk ingest began: the topic count stops now and resumes when the bulk has ended');
        countStop.abort();
      } else if (!topicsRun && inBulk(pace)) void kiwi?.releaseIfIdle(KIWI_BULK_QUIET_MS);
    }
    if (stopping.signal.aborted) return;
    const now = Date.now();
    const due = now + untilNextCount(pace, now);
    // A timer set stays, unless this commit brings the count forward: one set while ingest was behind waits
    // BULK_MAX_DEFER_MS; the commit that catches ingest up starts the bulk's quiet time instead.
    if (topicsTimer) {
      if (due >= topicsDue) return;
      clearTimeout(topicsTimer);
    }
    topicsDue = due;
    topicsTimer = setTimeout(() => {
      topicsTimer = null;
      if (topicsRun) void topicsRun.finally(() => onCommit());
      else if (untilNextCount(pace, Date.now()) > 0) onCommit(); // bulk commits came meanwhile: wait on
      else tickTopics();
    }, due - now);
    topicsTimer.unref();
  };
  // @bot 검색 / @bot 통계 for auditors, answered by the same search service.
  for (const cmd of auditBotCommands(search)) registerCommand(cmd);
  return {
    name: 'audit',
    search,
    routes(app) {
      app.route('/', auditRoutes(ctx, search) as unknown as Hono);
    },
    async start() {
      await ctx.db.ensureSchema(AUDIT_LOG_SCHEMA);
      // Term counts for topic statistics: first (possibly long) catch-up in the background, then after commits.
      const offCommit = messageLog(ctx.db).onCommit(onCommit);
      // and once Kiwi has loaded (the model may arrive after start): days the rule tokenizer counted are recounted
      const onLoad = () => onCommit();
      kiwi?.on('load', onLoad);
      unsubscribe = () => {
        offCommit();
        kiwi?.off('load', onLoad);
      };
      tickTopics();
    },
    // whether the background topic count runs (a big history's first count takes long and weighs the Kiwi model)
    health() {
      const topics = topicsRun ? { state: 'counting', since: new Date(countSince).toISOString() } : { state: topicsTimer ? 'scheduled' : 'idle' };
      return { ok: true, topics };
    },
    async stop() {
      unsubscribe();
      if (topicsTimer) clearTimeout(topicsTimer);
      topicsTimer = null;
      stopping.abort();
      await topicsRun;
    },
  };
}
