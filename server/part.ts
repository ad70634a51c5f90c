// The tiny registry contract of `npm start`: every in-process feature
// (gateway, ingest, bots, audit API…) is a Part. main.ts starts parts in
// order, stops them in reverse, and /healthz asks each one how it is.
import type { Hono } from 'hono';
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
}
