// The one config loader. Every process (server, CLI, bots, ingest, tests)
// reads its settings here, from the environment, with the defaults of the
// public contract in README.md.
import os from 'node:os';
import path from 'node:path';
import { kafkaNames } from './names.ts';

/** The chat topics (derived by core/names.ts; the same as `kafkaNames(config).topics`). */
export interface Topics {
  /** chat events, key = channel */
  events: string;
  /** records ingest could not validate */
  dlq: string;
}

export interface Config {
  /** null = the project starts its own local broker (kafka/) */
  kafkaBrokers: string[] | null;
  port: number;
  host: string;
  dataDir: string;
  /** path of the DuckDB file */
  dbPath: string;
  /** explicit tokens from the environment; when unset they are generated into dataDir (core/secrets.ts) */
  adminToken: string | null;
  hookToken: string | null;
  /**
   * KCHAT_SESSION_SECRET: the key member tokens are signed with. Every gateway of
   * one installation needs the same key so a token verifies on all of them;
   * unset = generated once into $DATA_DIR/session-secret (one node).
   */
  sessionSecret: string | null;
  /** IANA zone for reports, daily partitions and Korean dates */
  tzReports: string;
  topics: Topics;
  /** KCHAT_TOPIC_PREFIX: prefixes every topic and consumer group (tests, side-by-side installs); see core/names.ts */
  topicPrefix: string;
  /** KCHAT_INGEST_GROUP (default `ingest`): audit nodes with different groups each keep the whole history */
  ingestGroup: string;
  logLevel: string;
  /** where notebooks live (KCHAT_NOTEBOOKS; unset = the repo's notebooks/) */
  notebooksDir?: string;
  /** websocket gateway limits (README "Security": which, why, how to change) */
  gateway: GatewayLimits;
  /** logins (accounts/, docs/accounts.md) */
  accounts: {
    /** KCHAT_LOGIN_FAILURES: wrong passwords of one account within the window before it must wait */
    failuresPerAccount: number;
    /** KCHAT_LOGIN_FAILURES_PER_ADDRESS: wrong passwords from one address within the window */
    failuresPerAddress: number;
    /** KCHAT_LOGIN_WINDOW_SECONDS */
    windowMs: number;
    /** KCHAT_TRUST_PROXY: the caller's address is the first X-Forwarded-For (only behind your own proxy) */
    trustProxy: boolean;
  };
  /** false turns off in-process parts of `npm start` (for scaled-out deployments and tests) */
  run: { gateway: boolean; ingest: boolean; bots: boolean; scheduler: boolean; search: boolean };
  /** live movie providers for the movie bot (unset key/token = catalog only); base URLs overridable for tests */
  bots: {
    /** KCHAT_BOT_ALIASES: extra addresses besides @bot and @봇 (comma-separated) */
    aliases: string | undefined;
    rateLimit: { limit: number; windowMs: number };
    schedulesFile: string;
    /** limits on reminders made in chat (docs/bots.md "Limits"); members' counts follow their user id and nick */
    scheduleLimits: { perUser: number; perChannel: number; memberMinIntervalMs: number; privilegedPerUser: number };
    airflow: {
      apiUrl: string | null;
      user: string | null;
      password: string | null;
      token: string | null;
      pollSeconds: number;
      callbackGraceMinutes: number;
      /** KCHAT_AIRFLOW_DEADLINES (JSON); unset = $DATA_DIR/airflow-deadlines.json when present */
      deadlinesJson: string | null;
    };
  };
  /** Kiwi (Korean morphology for topic terms): KCHAT_KIWI=off uses the rule tokenizer only; see core/korean/kiwi/ */
  kiwi: { enabled: boolean; modelDir: string | null; idleMs: number; nice: number };
  /** the search service (search/, docs/search.md) */
  search: {
    /** KCHAT_SEARCH_URL: a search service running elsewhere; unset = the product starts its own JVM */
    url: string | null;
    /** KCHAT_SEARCH_TOKEN: its bearer token; unset = generated into $DATA_DIR/search-token */
    token: string | null;
    /** KCHAT_SEARCH_HEAP: max heap of the service's JVM (default 384m; see docs/search.md) */
    heap: string;
  };
  movies: { kobisApiKey: string | null; kobisBaseUrl: string; tmdbToken: string | null; tmdbBaseUrl: string; timeoutMs: number; cacheTtlSeconds: number };
  /**
   * DuckDB's instance-wide limits, fixed when the database is opened (the
   * configuration is locked then; see duckdbSettings). They bound what one
   * auditor's statement can take, and so the whole process: DuckDB has no
   * per-connection memory limit.
   */
  duckdb: {
    /** KCHAT_DUCKDB_MEMORY (default 192MB, part of the product's 1.5 GiB budget, README "Memory"): the buffer pool; a statement that needs more spills to disk, then fails */
    memoryLimit: string;
    /** KCHAT_DUCKDB_THREADS (default: CPU count, at most 4) */
    threads: number;
    /** KCHAT_DUCKDB_TEMP_MAX (default 4GB): spill space under $DATA_DIR/duckdb-tmp */
    maxTempSize: string;
  };
  /** the SQL sandbox (audit/sql): auditors' statements and notebook cells */
  sql: {
    /** KCHAT_SQL_TIMEOUT_MS (default 15000): a statement running longer is stopped (408) */
    timeoutMs: number;
    /** KCHAT_SQL_ROW_CAP (default 10000): rows in one answer (CSV downloads have none) */
    rowCap: number;
    /** KCHAT_SQL_MAX_RESULT_MB (default 32): the JSON of one answer; a larger one is refused (413) */
    maxResultBytes: number;
    /** KCHAT_SQL_MAX_CSV_MB (default 1024): one CSV download */
    maxCsvBytes: number;
  };
}

const SIZE_RE = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

function size(value: string | undefined, fallback: string, name: string): string {
  if (value === undefined || value === '') return fallback;
  if (!SIZE_RE.test(value.trim())) throw new Error(`${name} must be a size such as 512MB or 2GB, got "${value}"`);
  return value.trim();
}

/** DuckDB settings for Database.open(): the limits above, and spill files inside the data folder. */
export function duckdbSettings(config: Pick<Config, 'dataDir' | 'duckdb'>): Record<string, string> {
  return {
    memory_limit: config.duckdb.memoryLimit,
    threads: String(config.duckdb.threads),
    temp_directory: path.join(config.dataDir, 'duckdb-tmp'),
    max_temp_directory_size: config.duckdb.maxTempSize,
  };
}

export interface GatewayLimits {
  /** KCHAT_MAX_CONNECTIONS_PER_USER: open websockets of one account (tabs, devices) */
  connectionsPerUser: number;
  /** KCHAT_MAX_CHANNELS: channels a gateway holds state for (joining a new one beyond this is refused) */
  channels: number;
  /** KCHAT_MAX_JOINED_CHANNELS: channels one connection may be in */
  joinedPerSession: number;
  /** KCHAT_RATE_PER_SECOND / KCHAT_RATE_BURST: frames per second per user (all their sockets), and the burst allowance */
  ratePerSecond: number;
  rateBurst: number;
  /** KCHAT_HISTORY_PER_CHANNEL: events kept in memory per channel for history */
  historyPerChannel: number;
  /** KCHAT_HISTORY_MB: all channels' in-memory history together, in bytes of envelope JSON */
  historyBytes: number;
  /** KCHAT_EDIT_WINDOW_SECONDS / KCHAT_DELETE_WINDOW_SECONDS: how long after sending a member may edit / delete a message (0 = unlimited; admins are never limited) */
  editWindowMs: number;
  deleteWindowMs: number;
}

function int(value: string | undefined, fallback: number, name: string, min = 0, max = Infinity): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer ${max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`}, got "${value}"`);
  return n;
}

function flag(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  return !['0', 'false', 'no', 'off'].includes(value.toLowerCase());
}

/** A signing key from the environment: unset, or long enough that it cannot be guessed. */
function secret(value: string | undefined, name: string): string | null {
  if (value === undefined || value === '') return null;
  if (value.trim().length < 32) throw new Error(`${name} must be at least 32 characters (e.g. \`openssl rand -base64 32\`), got ${value.trim().length}`);
  return value.trim();
}

/** A JVM heap size such as 512m or 2g. */
function heap(value: string | undefined, fallback: string): string {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+[mMgG]$/.test(value)) throw new Error(`KCHAT_SEARCH_HEAP must be a size such as 512m or 2g, got "${value}"`);
  return value.toLowerCase();
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(env.DATA_DIR || './data');
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  // A prefix lets tests and side-by-side installs share one broker without sharing topics.
  const prefix = env.KCHAT_TOPIC_PREFIX ?? '';
  const ingestGroup = env.KCHAT_INGEST_GROUP || 'ingest';
  const { events, dlq } = kafkaNames({ topicPrefix: prefix, ingestGroup }).topics;
  return {
    kafkaBrokers: brokers.length ? brokers : null,
    port: int(env.PORT, 8080, 'PORT'),
    host: env.HOST || '127.0.0.1',
    dataDir,
    dbPath: env.KCHAT_DB ? path.resolve(env.KCHAT_DB) : path.join(dataDir, 'kchat.duckdb'),
    adminToken: env.ADMIN_TOKEN || null,
    hookToken: env.HOOK_TOKEN || null,
    sessionSecret: secret(env.KCHAT_SESSION_SECRET, 'KCHAT_SESSION_SECRET'),
    tzReports: env.TZ_REPORTS || 'Asia/Seoul',
    topics: { events, dlq },
    topicPrefix: prefix,
    ingestGroup,
    notebooksDir: env.KCHAT_NOTEBOOKS ? path.resolve(env.KCHAT_NOTEBOOKS) : undefined,
    logLevel: env.LOG_LEVEL || (env.NODE_ENV === 'test' ? 'warn' : 'info'),
    gateway: {
      connectionsPerUser: int(env.KCHAT_MAX_CONNECTIONS_PER_USER, 20, 'KCHAT_MAX_CONNECTIONS_PER_USER', 1),
      channels: int(env.KCHAT_MAX_CHANNELS, 10_000, 'KCHAT_MAX_CHANNELS', 1),
      joinedPerSession: int(env.KCHAT_MAX_JOINED_CHANNELS, 200, 'KCHAT_MAX_JOINED_CHANNELS', 1),
      ratePerSecond: int(env.KCHAT_RATE_PER_SECOND, 10, 'KCHAT_RATE_PER_SECOND', 1),
      rateBurst: int(env.KCHAT_RATE_BURST, 100, 'KCHAT_RATE_BURST', 1),
      historyPerChannel: int(env.KCHAT_HISTORY_PER_CHANNEL, 1000, 'KCHAT_HISTORY_PER_CHANNEL', 50),
      historyBytes: int(env.KCHAT_HISTORY_MB, 64, 'KCHAT_HISTORY_MB', 1) * 1024 * 1024,
      editWindowMs: int(env.KCHAT_EDIT_WINDOW_SECONDS, 0, 'KCHAT_EDIT_WINDOW_SECONDS') * 1000,
      deleteWindowMs: int(env.KCHAT_DELETE_WINDOW_SECONDS, 0, 'KCHAT_DELETE_WINDOW_SECONDS') * 1000,
    },
    accounts: {
      failuresPerAccount: int(env.KCHAT_LOGIN_FAILURES, 5, 'KCHAT_LOGIN_FAILURES', 1),
      failuresPerAddress: int(env.KCHAT_LOGIN_FAILURES_PER_ADDRESS, 30, 'KCHAT_LOGIN_FAILURES_PER_ADDRESS', 1),
      windowMs: int(env.KCHAT_LOGIN_WINDOW_SECONDS, 300, 'KCHAT_LOGIN_WINDOW_SECONDS', 1) * 1000,
      trustProxy: flag(env.KCHAT_TRUST_PROXY, false),
    },
    run: {
      gateway: flag(env.KCHAT_GATEWAY, true),
      ingest: flag(env.KCHAT_INGEST, true),
      bots: flag(env.KCHAT_BOTS, true),
      scheduler: flag(env.KCHAT_SCHEDULER, true),
      search: flag(env.KCHAT_SEARCH, true),
    },
    bots: {
      aliases: env.KCHAT_BOT_ALIASES,
      rateLimit: {
        limit: int(env.KCHAT_BOT_RATE_LIMIT, 5, 'KCHAT_BOT_RATE_LIMIT', 1),
        windowMs: int(env.KCHAT_BOT_RATE_WINDOW_SECONDS, 30, 'KCHAT_BOT_RATE_WINDOW_SECONDS', 1) * 1000,
      },
      schedulesFile: env.KCHAT_SCHEDULES_FILE ? path.resolve(env.KCHAT_SCHEDULES_FILE) : path.join(dataDir, 'schedules.json'),
      scheduleLimits: {
        perUser: int(env.KCHAT_SCHEDULES_PER_USER, 5, 'KCHAT_SCHEDULES_PER_USER', 0),
        perChannel: int(env.KCHAT_SCHEDULES_PER_CHANNEL, 20, 'KCHAT_SCHEDULES_PER_CHANNEL', 0),
        memberMinIntervalMs: int(env.KCHAT_SCHEDULE_MIN_INTERVAL_MINUTES, 30, 'KCHAT_SCHEDULE_MIN_INTERVAL_MINUTES', 1) * 60_000,
        privilegedPerUser: int(env.KCHAT_SCHEDULES_PER_AUDITOR, 50, 'KCHAT_SCHEDULES_PER_AUDITOR', 0),
      },
      airflow: {
        apiUrl: env.AIRFLOW_API_URL || null,
        user: env.AIRFLOW_USER || null,
        password: env.AIRFLOW_PASSWORD || null,
        token: env.AIRFLOW_TOKEN || null,
        pollSeconds: int(env.AIRFLOW_POLL_SECONDS, 60, 'AIRFLOW_POLL_SECONDS', 1),
        callbackGraceMinutes: int(env.KCHAT_AIRFLOW_CALLBACK_GRACE_MINUTES, 15, 'KCHAT_AIRFLOW_CALLBACK_GRACE_MINUTES', 1),
        deadlinesJson: env.KCHAT_AIRFLOW_DEADLINES || null,
      },
    },
    kiwi: {
      enabled: flag(env.KCHAT_KIWI, true),
      modelDir: env.KCHAT_KIWI_MODEL_DIR ? path.resolve(env.KCHAT_KIWI_MODEL_DIR) : null,
      idleMs: int(env.KCHAT_KIWI_IDLE_SECONDS, 60, 'KCHAT_KIWI_IDLE_SECONDS', 1) * 1000,
      // the worker thread's nice value: analysis is background work and yields the cores to searches and ingest
      nice: int(env.KCHAT_KIWI_NICE, 19, 'KCHAT_KIWI_NICE', 0, 19),
    },
    search: {
      url: env.KCHAT_SEARCH_URL ? env.KCHAT_SEARCH_URL.replace(/\/+$/, '') : null,
      token: env.KCHAT_SEARCH_TOKEN || null,
      heap: heap(env.KCHAT_SEARCH_HEAP, '384m'),
    },
    movies: {
      kobisApiKey: env.KOBIS_API_KEY || null,
      kobisBaseUrl: env.KOBIS_BASE_URL || 'https://www.kobis.or.kr/kobisopenapi/webservice/rest/movie',
      tmdbToken: env.TMDB_TOKEN || null,
      tmdbBaseUrl: env.TMDB_BASE_URL || 'https://api.themoviedb.org',
      timeoutMs: int(env.MOVIE_PROVIDER_TIMEOUT_MS, 2000, 'MOVIE_PROVIDER_TIMEOUT_MS'),
      cacheTtlSeconds: int(env.MOVIE_CACHE_TTL_SECONDS, 86400, 'MOVIE_CACHE_TTL_SECONDS'),
    },
    duckdb: {
      memoryLimit: size(env.KCHAT_DUCKDB_MEMORY, '192MB', 'KCHAT_DUCKDB_MEMORY'),
      threads: int(env.KCHAT_DUCKDB_THREADS, Math.min(4, Math.max(1, os.availableParallelism())), 'KCHAT_DUCKDB_THREADS', 1),
      maxTempSize: size(env.KCHAT_DUCKDB_TEMP_MAX, '4GB', 'KCHAT_DUCKDB_TEMP_MAX'),
    },
    sql: {
      timeoutMs: int(env.KCHAT_SQL_TIMEOUT_MS, 15_000, 'KCHAT_SQL_TIMEOUT_MS', 100),
      rowCap: int(env.KCHAT_SQL_ROW_CAP, 10_000, 'KCHAT_SQL_ROW_CAP', 1),
      maxResultBytes: int(env.KCHAT_SQL_MAX_RESULT_MB, 32, 'KCHAT_SQL_MAX_RESULT_MB', 1) * 1024 * 1024,
      maxCsvBytes: int(env.KCHAT_SQL_MAX_CSV_MB, 1024, 'KCHAT_SQL_MAX_CSV_MB', 1) * 1024 * 1024,
    },
  };
}
