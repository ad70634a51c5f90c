// `npm start`: one process with everything — broker (project-managed unless
// KAFKA_BROKERS is set), DuckDB, gateway, ingest, bots, audit API and the
// web UI. Parts start in order and stop in reverse on SIGINT/SIGTERM.
import fs from 'node:fs';
import path from 'node:path';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { Auth } from '../core/auth.ts';
import { duckdbSettings, loadConfig } from '../core/config.ts';
import { prepareDataDir, privateFileModes } from '../core/datadir.ts';
import { Database } from '../core/db.ts';
import { installSignalHandlers, onShutdown, shutdown } from '../core/lifecycle.ts';
import { logger } from '../core/log.ts';
import { connectKafka } from '../kafka/broker.ts';
import { createApp } from './app.ts';
import { answerMalformedRequests } from './http.ts';
import { createGateway } from './gateway/index.ts';
import { Directory } from '../accounts/index.ts';
import { accountsPart } from './routes/accounts.ts';
import { nodeRoles, type Part, type PartContext } from './part.ts';
import { cliRoutes } from './routes/cli.ts';
import { importRoutes } from './routes/imports.ts';
import { exportRoutes } from './routes/export.ts';
import { createIngest } from '../ingest/index.ts';
import { createAuditPart } from './routes/audit.ts';
import { messagesPart } from './routes/messages.ts';
import { createNotebooksPart } from './routes/notebooks.ts';
import { hooksPart } from './routes/hooks.ts';
import { createBots } from '../bots/index.ts';
import { searchPart } from '../search/index.ts';

// Every file this process (DuckDB, the managed broker) creates is private: 0600 files, 0700 folders.
privateFileModes();

const log = logger('server');

/** KCHAT_BOT_ALIASES as a list (addresses of the bots, never someone's nick in a mention). */
function botAliases(config: ReturnType<typeof loadConfig>): string[] {
  return (config.bots.aliases ?? '').split(',').map((s) => s.trim().replace(/^@/, '')).filter(Boolean);
}

// Bad input must never take the server down: log and carry on.
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
process.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception'));
installSignalHandlers();

async function main(): Promise<void> {
  const config = loadConfig();
  prepareDataDir(config.dataDir); // 0700, tightened if an older kchat left it open

  // 1. Kafka: the configured brokers, or the project-managed one (stopped last); topics are ensured there.
  //    One client and one producer for the whole process: parts get `kafka` (publish, consumers) from ctx.
  const broker = await connectKafka(config, { start: true, clientId: 'kchat-server' });
  onShutdown('broker', () => broker.stop());
  const kafka = broker.kafka;
  await kafka.connect();
  onShutdown('kafka', () => kafka.disconnect());

  // 2. DuckDB (one writer process) where something writes it: ingest (an audit node) or the bots.
  //    A gateway-only node has none: member tokens are signed (KCHAT_SESSION_SECRET), presence and history come from Kafka.
  const roles = nodeRoles(config);
  const db = roles.duckdb ? await Database.open(config.dbPath, { settings: duckdbSettings(config), timeZone: config.tzReports }) : null;
  if (db) onShutdown('duckdb', () => db.close());
  const auth = new Auth(db, config);
  await auth.init();
  // accounts, channels, memberships, who is online: Kafka-native state every node holds (accounts/)
  const directory = new Directory(kafka);
  auth.attach(directory.accounts);

  // 3. Parts, in start order. Other rooms plug in here through their entry files.
  // the broker (supervised when managed here) and the cluster-id check of every connection
  const parts: Part[] = [{ name: 'kafka', health: () => broker.health() }];
  const gateway = config.run.gateway ? createGateway({ kafka, auth, db: db ?? undefined, directory, limits: config.gateway, botAliases: botAliases(config) }) : null;
  // the directory first: logins, the gateway and member search need it
  parts.push(accountsPart({ config, db, directory, auth, lastTs: (c) => gateway?.lastTs(c) ?? null }));
  if (gateway) parts.push(gateway);
  parts.push(hooksPart({ config }));
  if (db) {
    const ctx: PartContext = { config, db, auth, kafka, directory };
    // ingest (ingest/index.ts): consumer + nightly pipeline (startPipelineSchedule); its health() carries the consumer lag
    if (config.run.ingest) parts.push(createIngest(ctx));
    if (config.run.bots) parts.push(createBots(ctx));
    if (roles.audit) {
      // ── search service (search/: Lucene in its own JVM, fed from Kafka; /api/search answers 503 while it is down) ──
      const search = searchPart(config, broker.brokers);
      parts.push(search);
      // ── audit API (audit/index.ts: search, topics, SQL, notebooks, /openapi.json, /docs): where ingest stores the log ──
      parts.push(createAuditPart(ctx, search.service));
      parts.push(messagesPart(ctx));
      parts.push(createNotebooksPart(ctx, { dir: config.notebooksDir }));
      parts.push({ name: 'cli', routes: (app) => void app.route('/', cliRoutes({ config, db, auth, kafka, directory })) });
      parts.push({ name: 'imports', routes: (app) => void app.route('/', importRoutes({ db, auth })) });
      parts.push({ name: 'export', routes: (app) => void app.route('/', exportRoutes({ config, db, auth })) });
    }
  }

  // Registered before the parts so it runs after them on shutdown: the gateway says goodbye on open sockets first.
  let server: ReturnType<typeof serve> | null = null;
  const serverFile = path.join(config.dataDir, 'server.json');
  onShutdown('http', async () => {
    server?.close();
    (server as { closeAllConnections?: () => void } | null)?.closeAllConnections?.();
    try {
      if (JSON.parse(fs.readFileSync(serverFile, 'utf8')).pid === process.pid) fs.rmSync(serverFile);
    } catch {
      // already gone
    }
  });

  // 4. HTTP + websocket, listening already while parts start: /healthz answers 503 until all are up,
  //    and the CLI can forward commands (server.json) as soon as the database is ours.
  const { app, websocket } = createApp({ db, parts, info: { roles: roles.list, kafka: { brokers: broker.current(), managed: broker.managed, cluster_id: broker.clusterId } } });
  const listening = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host, websocket }, () => resolve(s));
    s.once('error', reject);
  });
  server = listening;
  answerMalformedRequests(listening);
  const { port } = listening.address() as AddressInfo;
  fs.writeFileSync(serverFile, JSON.stringify({ pid: process.pid, port, host: config.host }) + '\n');

  for (const p of parts) {
    await p.start?.();
    if (p.stop) onShutdown(p.name, () => p.stop!());
  }

  const shown = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${shown}:${port}`;
  log.info({ url, port }, 'kchat ready');
  process.stdout.write(`kchat ready at ${url}\n`);
}

main().catch(async (err: Error) => {
  log.fatal({ err }, 'kchat failed to start');
  process.stderr.write(`kchat: ${err.message}\n`);
  await shutdown('startup failed');
  process.exit(1);
});
