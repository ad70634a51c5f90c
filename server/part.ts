// The tiny registry contract of `npm start`: every in-process feature
// (gateway, ingest, bots, audit API…) is a Part. main.ts starts parts in
// order, stops them in reverse, and /healthz asks each one how it is.
import type { Hono } from 'hono';
import type { Directory } from '../accounts/index.ts';
import type { Auth } from '../core/auth.ts';
import type { Config } from '../core/config.ts';
import type { Database } from '../core/db.ts';
import type { KafkaClient } from '../core/kafka.ts';

/** What a part reports on /healthz; `ok: false` turns the whole answer into a 503. */
export interface PartHealth {
  ok: boolean;
  /** free-form details shown under the part's name (state, lag, connections…) */
  [detail: string]: unknown;
}

export interface Part {
  name: string;
  /** add HTTP routes (called once, before the server listens; before the static UI fallback) */
  routes?(app: Hono): void;
  /** bring the part up; main.ts awaits it before serving */
  start?(): Promise<void>;
  /** stop cleanly (called in reverse start order on SIGINT/SIGTERM) */
  stop?(): Promise<void>;
  health?(): PartHealth | Promise<PartHealth>;
}

/** What main.ts hands every part factory. */
export interface PartContext {
  config: Config;
  db: Database;
  auth: Auth;
  /** the process's one Kafka client: `publish` envelopes, `send` to kchat's other topics, consumers from it */
  kafka: KafkaClient;
  /** accounts, channels and memberships (accounts/): who may read what, for member search and notebook targets */
  directory?: Directory;
}

export interface NodeRoles {
  /** this node opens the DuckDB file: it runs ingest (an audit node) or the bots */
  duckdb: boolean;
  /** this node serves the audit API, notebooks and the remote CLI: where ingest stores the log */
  audit: boolean;
  /** the parts switched on, for /healthz */
  list: string[];
}

/**
 * What a node of a scaled-out installation does, from KCHAT_GATEWAY, KCHAT_INGEST,
 * KCHAT_BOTS and KCHAT_SCHEDULER (docs/deploy.md). `npm start` with none set runs everything.
 */
export function nodeRoles(config: Pick<Config, 'run'>): NodeRoles {
  const { gateway, ingest, bots, scheduler } = config.run;
  const list = [gateway && 'gateway', ingest && 'ingest', ingest && 'audit', bots && 'bots', scheduler && 'scheduler'].filter((r): r is string => Boolean(r));
  return { duckdb: ingest || bots, audit: ingest, list };
}
