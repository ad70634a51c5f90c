// The websocket chat gateway (a Part of `npm start`). Clients join channels,
// send messages and change nicks over GET /ws; every chat event is produced
// to Kafka and reaches sockets only when consumed back — also between two
// users on this gateway — so every gateway, bot and ingest sees one order.
// Accounts, memberships and who is online are the directory's (accounts/),
// Kafka-native too, so any number of gateways agree on them.
// This file composes the pieces and fans consumed events out:
//   routes.ts (upgrade) → users.ts (connections, limits) → handlers/ (one
//   file per frame) → bus.ts (Kafka) → fan-out here to the channel's members
//   (members.ts follows the directory) → sockets.ts (writing).
// Frames, error codes, limits and the presence/history design: docs/gateway.md.
import crypto from 'node:crypto';
import type { Hono } from 'hono';
import type { Directory } from '../../accounts/directory.ts';
import type { WSContext } from 'hono/ws';
import type { WebSocketLike } from '@hono/node-server';
import type { Auth, Principal } from '../../core/auth.ts';
import type { GatewayLimits } from '../../core/config.ts';
import type { Database } from '../../core/db.ts';
import { isEphemeral, type Envelope } from '../../core/envelope.ts';
import type { KafkaClient } from '../../core/kafka.ts';
import { logger } from '../../core/log.ts';
import { isReservedNick, nickSkeleton } from '../../core/nick.ts';
import type { Part, PartHealth } from '../part.ts';
import { Bus } from './bus.ts';
import { Channels } from './channels.ts';
import { errorFrame } from './frames.ts';
import { FrameHandlers } from './handlers/index.ts';
import { History } from './history.ts';
import { Liveness } from './liveness.ts';
import { Members } from './members.ts';
import { gatewayRoutes } from './routes.ts';
import { outlet, Sockets, type Outlet } from './sockets.ts';
import { Users, type Session } from './users.ts';

const log = logger('gateway');

export interface GatewayDeps {
  /** the process's Kafka client: publish, this gateway's consumer and admin */
  kafka: KafkaClient;
  auth: Auth;
  /** accounts, channels, memberships, read positions, who is online (started before the gateway) */
  directory: Directory;
  /** extra bot addresses besides @bot/@봇 (KCHAT_BOT_ALIASES): never reported as unknown mentions */
  botAliases?: readonly string[];
  /** connection, channel, rate and memory limits (config.gateway) */
  limits: GatewayLimits;
  /** for `history` pages older than the in-memory ring (ingest's `messages` table), optional */
  db?: Database;
  sendTimeoutMs?: number;
  warmWindow?: number;
}

export class Gateway implements Part {
  readonly name = 'gateway';
  /** this process's gateway id: carried in meta.gateway of the events it produces and in its presence records */
  readonly id = 'g_' + crypto.randomBytes(6).toString('hex');
  readonly channels: Channels;
  private readonly users: Users;
  private readonly members: Members;
  private readonly sessionOf = new Map<Outlet, Session>();
  private readonly sockets: Sockets;
  private readonly handlers: FrameHandlers;
  private readonly bus: Bus;
  private readonly liveness: Liveness;
  private accepting = false;

  constructor(private readonly deps: GatewayDeps) {
    this.channels = new Channels({ perChannel: deps.limits.historyPerChannel, totalBytes: deps.limits.historyBytes });
    this.users = new Users(deps.limits);
    // a reader cut off for not reading leaves presence at once
    this.sockets = new Sockets((o) => {
      const s = this.sessionOf.get(o);
      if (s) this.close(s);
    });
    this.bus = new Bus({
      kafka: deps.kafka,
      groupId: deps.kafka.names.groups.gateway(this.id),
      warmWindow: deps.warmWindow,
      sendTimeoutMs: deps.sendTimeoutMs,
      onEvent: (e, raw, live) => this.onEvent(e, raw, live),
    });
    this.members = new Members({ directory: deps.directory, users: this.users, channels: this.channels, sockets: this.sockets });
    const aliases = new Set((deps.botAliases ?? []).map(nickSkeleton));
    this.handlers = new FrameHandlers({
      id: this.id,
      limits: deps.limits,
      users: this.users,
      channels: this.channels,
      directory: deps.directory,
      members: this.members,
      sockets: this.sockets,
      history: new History(this.channels, deps.db),
      bus: this.bus,
      isBotAddress: (word) => isReservedNick(word) || aliases.has(nickSkeleton(word)),
      accepting: () => this.accepting,
    });
    // people online on a gateway that died without saying goodbye are dropped (and their records removed)
    this.liveness = new Liveness(deps.kafka, this.id, () => deps.directory.presence.gateways(), (id) => void deps.directory.dropGateway(id));
  }

  // ── lifecycle ────────────────────────────────────────────────────────────

  async start(): Promise<void> {
    await this.bus.start();
    this.channels.windowed = this.bus.windowed;
    // people online on gateways that are gone (e.g. this server before a restart) are not here any more
    await this.liveness.sweep();
    this.liveness.start();
    this.accepting = true;
    log.info({ gateway: this.id, channels: this.channels.size }, 'gateway ready');
  }

  async stop(): Promise<void> {
    this.accepting = false;
    this.liveness.stop();
    // A restart posts nothing in any channel: everyone here is marked offline (presence), then the sockets close.
    const offline: Promise<unknown>[] = [];
    for (const user of this.users.all()) {
      offline.push(this.deps.directory.offline(this.id, user.id).catch(() => undefined));
      for (const s of user.sessions) this.sockets.error(s.out, 'shutting_down', 'the server is shutting down; reconnect in a moment');
    }
    await Promise.race([Promise.all(offline), new Promise((r) => setTimeout(r, 5000).unref())]);
    for (const user of this.users.all()) for (const s of user.sessions) s.out.ws.close(1001, 'server shutting down');
    await this.bus.stop();
    // our consumer group is single-use; remove it so the broker is not left with one per restart
    const admin = this.deps.kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([this.deps.kafka.names.groups.gateway(this.id)]))
      .catch(() => undefined)
      .finally(() => admin.disconnect().catch(() => undefined));
  }

  health(): PartHealth {
    const kafka = this.bus.health();
    return {
      ok: this.accepting && kafka.ok,
      gateway: this.id,
      accepting: this.accepting,
      connections: this.users.connections,
      users: this.users.size,
      channels: this.channels.size,
      history_bytes: this.channels.heldBytes,
      kafka,
    };
  }

  // ── HTTP: the websocket ─────────────────────────────────────────────────

  routes(app: Hono): void {
    app.route('/', gatewayRoutes({ auth: this.deps.auth, users: this.users, accepting: () => this.accepting, connect: (p, ws) => this.connect(p, ws) }));
  }

  /** A channel's time of last event as this gateway saw it (for the directory's listing). */
  lastTs(channel: string): number | null {
    return this.channels.lastTs(channel);
  }

  private connect(principal: Principal, ws: WSContext<WebSocketLike>): { frame(data: unknown): void; close(): void } | null {
    const s = this.guard(null, () => this.open(principal, ws));
    if (!s) return null;
    return {
      frame: (data) => void this.guard(s, () => this.handlers.onFrame(s, data)),
      close: () => void this.guard(s, () => this.close(s)),
    };
  }

  /** Run a handler so that no client input can take the process down. */
  private guard<T>(s: Session | null, fn: () => T): T | null {
    const fail = (err: unknown) => {
      log.error({ err }, 'gateway handler failed');
      if (s) this.sockets.error(s.out, 'internal', 'internal error while handling the frame');
    };
    try {
      const out = fn();
      if (out instanceof Promise) out.catch(fail);
      return out;
    } catch (err) {
      fail(err);
      return null;
    }
  }

  private open(principal: Principal, ws: WSContext<WebSocketLike>): Session | null {
    // checked again after the upgrade: two upgrades of one account may have raced
    const refusal = this.users.refusal(principal);
    if (refusal) {
      ws.send(JSON.stringify(errorFrame(refusal.code, refusal.message)));
      ws.close(refusal.close, refusal.code);
      return null;
    }
    const { session, first } = this.users.open(principal, outlet(ws));
    this.sessionOf.set(session.out, session);
    this.sockets.frame(session.out, { type: 'self', user: { id: session.user.id, nick: session.user.nick, role: principal.role }, gateway: this.id });
    // its channels without joining again: the list, then each one's last page and presence
    this.members.attach(session);
    if (first) {
      const { id, nick } = session.user;
      this.deps.directory.online(this.id, id, nick).catch((err: Error) => log.warn({ err: err.message, user: id }, 'could not record that an account is online'));
    }
    return session;
  }

  /** The connection is gone (closed, dropped or cut off): offline when it was the account's last one here. Posts nothing. */
  private close(s: Session): void {
    if (!this.sessionOf.delete(s.out)) return;
    s.out.open = false;
    this.members.detach(s);
    const last = this.users.remove(s);
    if (last && this.accepting) {
      this.deps.directory.offline(this.id, s.user.id).catch((err: Error) => log.warn({ err: err.message, user: s.user.id }, 'could not record that an account went offline'));
    }
  }

  // ── fan-out of consumed events ──────────────────────────────────────────

  /** A consumed event with the bytes sockets get for it (the record's own bytes when they already are its JSON). */
  private onEvent(e: Envelope, raw: Buffer, live: boolean): void {
    const fresh = this.channels.apply(e, raw);
    if (!fresh || !live) return;
    const subs = this.members.subscribers.get(e.channel);
    if (!subs?.size) return;
    if (isEphemeral(e)) {
      // meant for some people only: their sockets, nobody else's
      const to = e.meta.visible_to as unknown[];
      for (const s of subs) if (to.includes(s.user.id)) this.sockets.send(s.out, raw);
      return;
    }
    // the same bytes for every member (ws would otherwise turn a string into a Buffer per socket)
    for (const s of subs) this.sockets.send(s.out, raw);
  }
}

export function createGateway(deps: GatewayDeps): Gateway {
  return new Gateway(deps);
}
