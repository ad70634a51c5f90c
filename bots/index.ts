// The bots' entry file: what `npm start` and other rooms use.
// - startBots({config, db, kafka, auth}) → {stop, health, publish}: the runtime on Kafka
//   with the schedule bot, the system bot (jobs, Airflow watcher) and the movie bot.
// - createBots(ctx): the same as a server Part (name/start/stop/health).
// - registerCommand({name, aliases, role, help, handle}): other rooms (audit's
//   `@bot 검색`, `@bot 통계`) add commands without touching bots/.
// - createLocalBots(): everything in-process for tests (InProcessHarness).
import type { Auth } from '../core/auth.ts';
import type { Config } from '../core/config.ts';
import type { Database } from '../core/db.ts';
import type { Envelope } from '../core/envelope.ts';
import type { KafkaClient } from '../core/kafka.ts';
import { logger } from '../core/log.ts';
import { botAliases } from './runtime/address.ts';
import { LocalClaimer, type Claimer } from './runtime/claims.ts';
import { InProcessHarness } from './runtime/harness.ts';
import { BOT_COMMANDS_SCHEMA } from './runtime/log.ts';
import { RateLimiter } from './runtime/ratelimit.ts';
import { CommandRegistry } from './runtime/registry.ts';
import { KafkaBotRuntime } from './runtime/runtime.ts';
import { botSettings } from './runtime/settings.ts';
import type { BotAnswerer, BotCommand } from './runtime/types.ts';
import { ScheduleBot } from './schedule/index.ts';
import { JOB_EVENTS_SCHEMA, jobObserver, jobsCommand } from './system/jobs.ts';
import { AirflowClient, AirflowWatcher, parseDeadlines } from './system/watcher.ts';
import { loadMovieAnswerer } from './movie-answerer.ts';

export type { BotCommand, BotAnswerer, CommandContext, CommandReply, BotIdentity } from './runtime/types.ts';
export { CommandRegistry } from './runtime/registry.ts';
export { InProcessHarness, BrokerHarness, question } from './runtime/harness.ts';
export { airflowHookSchema, handleAirflowHook, HOOK_MAX_BYTES } from './system/airflow.ts';

const log = logger('bots');

/** Commands registered by other rooms before startBots() runs (or while it runs: the registry is live). */
export const commandRegistry = new CommandRegistry();

export function registerCommand(cmd: BotCommand): void {
  commandRegistry.register(cmd);
}

export function registerAnswerer(a: BotAnswerer): void {
  commandRegistry.registerAnswerer(a);
}

export interface BotsDeps {
  config: Config;
  db: Database;
  kafka: KafkaClient;
  auth?: Auth;
  /** injectable clock; with `manualClock` the schedule bot fires only on tick() (tests drive time) */
  now?: () => number;
  manualClock?: boolean;
  registry?: CommandRegistry;
  /** extra commands (same as registerCommand) */
  commands?: BotCommand[];
  /** shared consumer group (default kafkaNames(config).groups.bots) */
  groupId?: string;
  /** load the movie bot (default true) */
  movie?: boolean;
}

export interface RunningBots {
  publish(e: Envelope): Promise<void>;
  health(): { ok: boolean; status: string; detail?: string; restarts: number; schedules: number; airflowWatcher: boolean };
  stop(): Promise<void>;
  schedule: ScheduleBot;
  watcher: AirflowWatcher | null;
  runtime: KafkaBotRuntime;
}

let running: RunningBots | null = null;

/** The running bots of this process (the /hooks/airflow route posts through it), or null. */
export function runningBots(): RunningBots | null {
  return running;
}

async function prepare(config: Config, db: Database, registry: CommandRegistry, extra: BotCommand[], movie: boolean): Promise<void> {
  await db.ensureSchema([...BOT_COMMANDS_SCHEMA, ...JOB_EVENTS_SCHEMA]);
  registry.register(jobsCommand());
  for (const c of extra) registry.register(c);
  if (movie) {
    const a = await loadMovieAnswerer(config, db);
    if (a) registry.registerAnswerer(a);
  }
}

export async function startBots(deps: BotsDeps): Promise<RunningBots> {
  const { config, db, kafka } = deps;
  const settings = botSettings(config);
  const registry = deps.registry ?? commandRegistry;
  await prepare(config, db, registry, deps.commands ?? [], deps.movie ?? true);

  let schedule: ScheduleBot | null = null;
  const runtime = new KafkaBotRuntime({
    config,
    db,
    kafka,
    registry,
    aliases: botAliases(settings.aliases),
    observers: [(e) => schedule?.observe(e), jobObserver(db)],
    groupId: deps.groupId,
    now: deps.now,
    limiter: new RateLimiter(settings.rateLimit.limit, settings.rateLimit.windowMs),
  });
  const publish = (e: Envelope) => runtime.publish(e);
  schedule = new ScheduleBot({ config, db, claimer: runtime.claimer, publish, now: deps.now, schedulesFile: settings.schedulesFile });
  await schedule.init();
  registry.register(schedule.command());
  await runtime.start();
  if (config.run.scheduler && !deps.manualClock) schedule.start();

  let watcher: AirflowWatcher | null = null;
  if (settings.airflow.apiUrl) {
    const { deadlines, problems } = parseDeadlines(settings.airflow.deadlinesJson, settings.airflow.deadlinesSource ?? 'deadlines');
    for (const p of problems) log.error({ problem: p }, 'Airflow deadline config problem');
    watcher = new AirflowWatcher({
      client: new AirflowClient({ apiUrl: settings.airflow.apiUrl, user: settings.airflow.user, password: settings.airflow.password, token: settings.airflow.token }),
      db,
      claimer: runtime.claimer,
      publish,
      tz: config.tzReports,
      deadlines,
      callbackGraceMinutes: settings.airflow.callbackGraceMinutes,
      now: deps.now,
    });
    await watcher.init();
    if (!deps.manualClock) watcher.start(settings.airflow.pollSeconds);
  }

  const bots: RunningBots = {
    publish,
    schedule,
    watcher,
    runtime,
    health() {
      const h = runtime.health();
      return { ok: h.status === 'ok' || h.status === 'recovering', status: h.status, ...(h.detail ? { detail: h.detail } : {}), restarts: h.restarts, schedules: schedule!.schedules().length, airflowWatcher: watcher !== null };
    },
    async stop() {
      schedule!.stop();
      watcher?.stop();
      await runtime.stop();
      if (running === bots) running = null;
    },
  };
  running = bots;
  log.info({ commands: registry.commands().map((c) => c.name), schedules: schedule.schedules().length, watcher: watcher !== null }, 'bots started');
  return bots;
}

/** The bots as a part of `npm start` (server/part.ts shape, without importing server/). */
export function createBots(ctx: { config: Config; db: Database; auth: Auth; kafka: KafkaClient }) {
  let bots: RunningBots | null = null;
  return {
    name: 'bots',
    async start() {
      bots = await startBots({ config: ctx.config, db: ctx.db, auth: ctx.auth, kafka: ctx.kafka });
    },
    async stop() {
      await bots?.stop();
    },
    health() {
      return bots ? bots.health() : { ok: false, status: 'starting' };
    },
  };
}

/** Everything in one process without Kafka, for tests: a harness, the schedule bot and the registry. */
export async function createLocalBots(opts: {
  config: Config;
  db: Database;
  now?: () => number;
  claimer?: Claimer;
  commands?: BotCommand[];
  movie?: boolean;
  limiter?: RateLimiter;
  aliases?: readonly string[];
}): Promise<{ harness: InProcessHarness; schedule: ScheduleBot; registry: CommandRegistry }> {
  const registry = new CommandRegistry();
  await prepare(opts.config, opts.db, registry, opts.commands ?? [], opts.movie ?? false);
  const settings = botSettings(opts.config);
  let harness: InProcessHarness | null = null;
  const schedule = new ScheduleBot({
    config: opts.config,
    db: opts.db,
    claimer: opts.claimer ?? new LocalClaimer(),
    publish: (e) => harness!.publish(e),
    now: opts.now,
    schedulesFile: settings.schedulesFile,
  });
  await schedule.init();
  registry.register(schedule.command());
  harness = new InProcessHarness({ config: opts.config, db: opts.db, registry, now: opts.now, limiter: opts.limiter, aliases: opts.aliases });
  return { harness, schedule, registry };
}
