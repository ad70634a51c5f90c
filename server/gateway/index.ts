// The websocket chat gateway (a Part of `npm start`). Clients join channels,
// send messages and change nicks over GET /ws; every chat event is produced
// to Kafka and reaches sockets only when consumed back — also between two
// users on this gateway — so every gateway, bot and ingest sees one order.
// Frames, error codes and the presence/history design: docs/gateway.md.
import crypto from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { WSContext } from 'hono/ws';
import { upgradeWebSocket, type WebSocketLike } from '@hono/node-server';
import type { Auth, Principal } from '../../core/auth.ts';
import { createEnvelope, EVENT_TYPES, nickProblem, serialize, type Envelope, type EventType } from '../../core/envelope.ts';
import { logger } from '../../core/log.ts';
import type { Database } from '../../core/db.ts';
import type { KafkaClient } from '../../core/kafka.ts';
import { messageLog } from '../../ingest/index.ts';
import type { Part, PartHealth } from '../part.ts';
import { Bus, KafkaUnavailableError } from './bus.ts';
import { Channels, foldNick } from './channels.ts';
import { errorFrame, FrameError, HISTORY_PAGE, MAX_FRAME_BYTES, parseClientFrame, type ClientFrame, type ErrorCode } from './frames.ts';
import { Liveness } from './liveness.ts';
import { TokenBucket } from './rate-limit.ts';

const log = logger('gateway');

export const RATE = { perSecond: 10, burst: 20 };
/** A socket whose unsent backlog grows past this is closed rather than buffering without bound. */
const MAX_BUFFERED = 8 * 1024 * 1024;
/** How long a login keeps its nick reserved for the websocket that follows. */
const LOGIN_HOLD_MS = 60_000;

export interface GatewayDeps {
  /** the process's Kafka client: publish, this gateway's consumer and admin */
  kafka: KafkaClient;
  auth: Auth;
  /** for `history` pages older than the in-memory ring (ingest's `messages` table), optional */
  db?: Database;
  sendTimeoutMs?: number;
  warmWindow?: number;
}

interface Session {
  n: number;
  user: LocalUser;
  role: Principal['role'];
  ws: WSContext<WebSocketLike>;
  channels: Set<string>;
  bucket: TokenBucket;
  lastRateError: number;
  open: boolean;
}

interface LocalUser {
  id: string;
  nick: string;
  sessions: Set<Session>;
}

export class Gateway implements Part {
  readonly name = 'gateway';
  /** this process's gateway id: carried in meta.gateway of its join/leave/nick events */
  readonly id = 'g_' + crypto.randomBytes(6).toString('hex');
  readonly channels = new Channels();
  private readonly users = new Map<string, LocalUser>();
  private readonly subscribers = new Map<string, Set<Session>>();
  private readonly held = new Map<string, { userId: string; until: number }>();
  private readonly bus: Bus;
  private readonly liveness: Liveness;
  private accepting = false;
  private sessionCount = 0;
  /** sockets corked during this event-loop turn (see sendRaw) */
  private readonly corked = new Set<{ uncork(): void }>();

  constructor(private readonly deps: GatewayDeps) {
    this.bus = new Bus({
      kafka: deps.kafka,
      groupId: deps.kafka.names.groups.gateway(this.id),
      warmWindow: deps.warmWindow,
      sendTimeoutMs: deps.sendTimeoutMs,
      onEvent: (e, live) => this.onEvent(e, live),
    });
    this.liveness = new Liveness(deps.kafka, this.id, () => this.channels.gateways(), (id) => this.dropGateway(id));
  }

  // ── lifecycle ────────────────────────────────────────────────────────────

  async start(): Promise<void> {
    await this.bus.start();
    this.channels.windowed = this.bus.windowed;
    // users announced by gateways that are gone (e.g. this server before a restart) are not here any more
    await this.liveness.sweep();
    this.liveness.start();
    this.accepting = true;
    log.info({ gateway: this.id, channels: this.channels.size }, 'gateway ready');
  }

  async stop(): Promise<void> {
    this.accepting = false;
    this.liveness.stop();
    // Say goodbye properly: leave notices for everyone here, then close the sockets.
    const leaves: Promise<unknown>[] = [];
    for (const user of this.users.values()) {
      const chans = new Set<string>();
      for (const s of user.sessions) for (const c of s.channels) chans.add(c);
      for (const c of chans) leaves.push(this.produce('leave', c, user).catch(() => undefined));
    }
    for (const user of this.users.values()) {
      for (const s of user.sessions) this.sendError(s, 'shutting_down', 'the server is shutting down; reconnect in a moment');
    }
    await Promise.race([Promise.all(leaves), new Promise((r) => setTimeout(r, 5000).unref())]);
    for (const user of this.users.values()) for (const s of user.sessions) s.ws.close(1001, 'server shutting down');
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
    let sessions = 0;
    for (const u of this.users.values()) sessions += u.sessions.size;
    return { ok: this.accepting && kafka.ok, gateway: this.id, accepting: this.accepting, connections: sessions, users: this.users.size, channels: this.channels.size, kafka };
  }

  // ── HTTP: login + websocket ─────────────────────────────────────────────

  routes(app: Hono): void {
    const r = new Hono<{ Variables: { principal: Principal } }>();
    r.post(
      '/api/login',
      bodyLimit({ maxSize: 4096, onError: (c) => c.json({ error: 'request body is larger than 4096 bytes' }, 413) }),
      async (c) => {
        let body: unknown;
        try {
          body = JSON.parse(await c.req.text());
        } catch (err) {
          return c.json({ error: `body is not valid JSON: ${(err as Error).message}` }, 400);
        }
        if (body === null || typeof body !== 'object' || Array.isArray(body)) return c.json({ error: 'body must be a JSON object {"nick": "…"}' }, 400);
        const raw = (body as Record<string, unknown>).nick;
        if (raw === undefined) return c.json({ error: "missing field 'nick'" }, 400);
        const problem = nickProblem(raw);
        if (problem) return c.json({ error: problem }, 400);
        const nick = (raw as string).normalize('NFC').trim();
        if (!this.accepting) return c.json({ error: 'the gateway is not ready yet' }, 503);
        if (this.nickTaken(nick)) return c.json({ error: `nick "${nick}" is already in use by someone online` }, 409);
        // logins that never connect must not pile up
        if (this.held.size > 256) for (const [k, h] of this.held) if (h.until <= Date.now()) this.held.delete(k);
        const issued = this.deps.auth.issueMemberToken(nick);
        this.held.set(foldNick(nick), { userId: issued.user.id, until: Date.now() + LOGIN_HOLD_MS });
        return c.json(issued);
      },
    );
    r.get(
      '/ws',
      async (c, next) => {
        if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return c.json({ error: 'this endpoint needs a websocket upgrade (GET /ws?token=…)' }, 426);
        const principal = await this.deps.auth.verify(c.req.query('token'));
        // rejected before the upgrade: the client sees HTTP 401
        if (!principal) return c.json({ error: 'unauthorized: missing or invalid token' }, 401);
        if (!this.accepting) return c.json({ error: 'the gateway is not ready yet' }, 503);
        c.set('principal', principal);
        await next();
      },
      upgradeWebSocket((c) => {
        const principal = c.get('principal');
        let session: Session | null = null;
        return {
          onOpen: (_evt, ws) => {
            session = this.guard(null, () => this.open(principal, ws as WSContext<WebSocketLike>));
          },
          onMessage: (evt, ws) => {
            if (!session) return;
            const s = session;
            const data = evt.data;
            this.guard(s, () => this.onFrame(s, data, ws as WSContext<WebSocketLike>));
          },
          onClose: () => {
            if (session) this.guard(session, () => this.close(session!));
            session = null;
          },
          onError: (evt) => log.debug({ err: String((evt as ErrorEvent).error ?? evt) }, 'websocket error'),
        };
      }),
    );
    app.route('/', r);
  }

  /** Run a handler so that no client input can take the process down. */
  private guard<T>(s: Session | null, fn: () => T): T | null {
    try {
      const out = fn();
      if (out instanceof Promise) {
        out.catch((err: unknown) => {
          log.error({ err }, 'gateway handler failed');
          if (s) this.sendError(s, 'internal', 'internal error while handling the frame');
        });
      }
      return out;
    } catch (err) {
      log.error({ err }, 'gateway handler failed');
      if (s) this.sendError(s, 'internal', 'internal error while handling the frame');
      return null;
    }
  }

  /** Is this nick worn (or just reserved by a login) by someone online on any gateway? */
  nickTaken(nick: string, exceptUserId?: string): boolean {
    const folded = foldNick(nick);
    if (this.channels.nickInUse(nick, exceptUserId)) return true;
    for (const u of this.users.values()) if (u.id !== exceptUserId && foldNick(u.nick) === folded) return true;
    const hold = this.held.get(folded);
    if (hold && hold.until > Date.now() && hold.userId !== exceptUserId) return true;
    if (hold && hold.until <= Date.now()) this.held.delete(folded);
    return false;
  }

  // ── sessions ─────────────────────────────────────────────────────────────

  private open(principal: Principal, ws: WSContext<WebSocketLike>): Session | null {
    let user = this.users.get(principal.id);
    if (!user && this.nickTaken(principal.nick, principal.id)) {
      ws.send(JSON.stringify(errorFrame('nick_taken', `nick "${principal.nick}" is already in use by someone online; log in with another nick`)));
      ws.close(4409, 'nick taken');
      return null;
    }
    if (!user) {
      user = { id: principal.id, nick: principal.nick, sessions: new Set() };
      this.users.set(user.id, user);
    }
    this.held.delete(foldNick(principal.nick));
    const session: Session = {
      n: ++this.sessionCount,
      user,
      role: principal.role,
      ws,
      channels: new Set(),
      bucket: new TokenBucket(RATE.perSecond, RATE.burst),
      lastRateError: 0,
      open: true,
    };
    user.sessions.add(session);
    this.send(session, { type: 'self', user: { id: user.id, nick: user.nick, role: principal.role } });
    return session;
  }

  private close(s: Session): void {
    if (!s.open) return;
    s.open = false;
    const user = s.user;
    user.sessions.delete(s);
    for (const channel of s.channels) {
      this.subscribers.get(channel)?.delete(s);
      // a dropped connection produces a leave notice, unless another tab of the same user is still there
      // (while stopping, stop() has already sent everyone's leaves)
      if (this.accepting && !this.userInChannel(user, channel)) this.produce('leave', channel, user).catch((err) => log.warn({ err: (err as Error).message, channel }, 'leave notice not sent'));
    }
    s.channels.clear();
    if (user.sessions.size === 0) this.users.delete(user.id);
  }

  private userInChannel(user: LocalUser, channel: string): boolean {
    for (const other of user.sessions) if (other.channels.has(channel)) return true;
    return false;
  }

  private onFrame(s: Session, data: unknown, ws: WSContext<WebSocketLike>): Promise<void> | void {
    if (!s.open) return;
    if (typeof data !== 'string') {
      const size = data instanceof ArrayBuffer ? data.byteLength : 0;
      if (size > MAX_FRAME_BYTES) return this.tooLarge(s, ws, size);
      return this.sendError(s, 'bad_frame', 'binary frames are not supported; send JSON text frames');
    }
    const size = Buffer.byteLength(data, 'utf8');
    if (size > MAX_FRAME_BYTES) return this.tooLarge(s, ws, size);
    if (!s.bucket.take()) {
      // at most one rate_limited notice a second, so a flood is not mirrored back
      const now = Date.now();
      if (now - s.lastRateError >= 1000) {
        s.lastRateError = now;
        this.sendError(s, 'rate_limited', `too many frames: at most ${RATE.perSecond} a second (bursts of ${RATE.burst}); this one was dropped`, refOfRaw(data));
      }
      return;
    }
    let frame: ClientFrame;
    try {
      frame = parseClientFrame(data);
    } catch (err) {
      if (err instanceof FrameError) return this.sendError(s, err.code, err.message, err.ref);
      throw err;
    }
    switch (frame.type) {
      case 'join':
        return this.join(s, frame.channel, frame.ref);
      case 'leave':
        return this.leave(s, frame.channel, frame.ref);
      case 'message':
        return this.message(s, frame);
      case 'nick':
        return this.nick(s, frame.nick, frame.ref);
      case 'history':
        return this.olderHistory(s, frame);
    }
  }

  private tooLarge(s: Session, ws: WSContext<WebSocketLike>, size: number): void {
    this.sendError(s, 'frame_too_large', `frame is ${size} bytes; the limit is ${MAX_FRAME_BYTES} bytes; closing the connection`);
    ws.close(1009, 'frame too large');
  }

  private async join(s: Session, channel: string, ref?: string): Promise<void> {
    const already = s.channels.has(channel);
    const userThere = this.userInChannel(s.user, channel);
    s.channels.add(channel);
    let subs = this.subscribers.get(channel);
    if (!subs) this.subscribers.set(channel, (subs = new Set()));
    subs.add(s);
    this.send(s, { type: 'history', channel, events: this.channels.history(channel, HISTORY_PAGE).events });
    if (already || userThere) {
      this.send(s, { type: 'presence', channel, users: this.channels.presence(channel) });
      return;
    }
    try {
      await this.produce('join', channel, s.user);
    } catch (err) {
      s.channels.delete(channel);
      subs.delete(s);
      this.kafkaError(s, err, ref, `could not join #${channel}`);
    }
  }

  private async leave(s: Session, channel: string, ref?: string): Promise<void> {
    if (!s.channels.has(channel)) return this.sendError(s, 'not_joined', `you are not in #${channel}`, ref);
    s.channels.delete(channel);
    this.subscribers.get(channel)?.delete(s);
    if (this.userInChannel(s.user, channel)) return;
    try {
      await this.produce('leave', channel, s.user);
    } catch (err) {
      this.kafkaError(s, err, ref, `could not announce leaving #${channel}`);
    }
  }

  private async message(s: Session, f: Extract<ClientFrame, { type: 'message' }>): Promise<void> {
    if (!s.channels.has(f.channel)) return this.sendError(s, 'not_joined', `join #${f.channel} before sending to it`, f.ref);
    // role from the verified token: the bots trust it to decide who may run auditor commands
    const meta: Record<string, unknown> = { gateway: this.id, role: s.role };
    // the client's ref rides along so its own copy can be matched to the send
    if (f.ref !== undefined) meta.ref = f.ref;
    try {
      await this.produce('message', f.channel, s.user, { text: f.text, reply_to: f.reply_to, meta });
    } catch (err) {
      this.kafkaError(s, err, f.ref, 'message not sent');
    }
  }

  private async nick(s: Session, nick: string, ref?: string): Promise<void> {
    const user = s.user;
    const old = user.nick;
    if (old === nick) return this.send(s, { type: 'self', user: { id: user.id, nick, role: s.role } });
    if (this.nickTaken(nick, user.id)) return this.sendError(s, 'nick_taken', `nick "${nick}" is already in use by someone online`, ref);
    const chans = new Set<string>();
    for (const other of user.sessions) for (const c of other.channels) chans.add(c);
    // hold the new nick while the events travel, so no one else can grab it meanwhile
    this.held.set(foldNick(nick), { userId: user.id, until: Date.now() + LOGIN_HOLD_MS });
    try {
      const renamed = { ...user, nick };
      await Promise.all([...chans].map((c) => this.produce('nick', c, renamed, { text: `${old} → ${nick}`, meta: { gateway: this.id, old, new: nick } })));
    } catch (err) {
      this.held.delete(foldNick(nick));
      return this.kafkaError(s, err, ref, 'nick not changed');
    }
    user.nick = nick;
    this.held.delete(foldNick(nick));
    for (const other of user.sessions) this.send(other, { type: 'self', user: { id: user.id, nick, role: other.role } });
  }

  /** Extension: `{"type":"history","channel","before"}` → up to 50 events older than `before` (ts or event id). */
  private async olderHistory(s: Session, f: Extract<ClientFrame, { type: 'history' }>): Promise<void> {
    const page = this.channels.history(f.channel, f.limit, f.before);
    let events = page.events;
    if (!page.complete && this.deps.db) {
      const older = await this.fromDatabase(f.channel, f.limit - events.length, events[0]?.ts ?? f.before, s.user.id).catch((err: unknown) => {
        log.debug({ err: (err as Error).message }, 'no older history in DuckDB');
        return [];
      });
      events = [...older, ...events];
    }
    const frame: Record<string, unknown> = { type: 'history', channel: f.channel, events, before: f.before };
    if (f.ref !== undefined) frame.ref = f.ref;
    this.send(s, frame);
  }

  /** Older events from ingest's message log: the stored envelopes, meta included (best effort: the ring is the primary source). */
  private async fromDatabase(channel: string, limit: number, before: number | string | null, viewer: string): Promise<Envelope[]> {
    if (limit <= 0 || !this.deps.db || before === null) return [];
    const events = await messageLog(this.deps.db).channelPage(channel, { before, limit, viewer });
    return events.filter((e) => (EVENT_TYPES as readonly string[]).includes(e.type));
  }

  // ── Kafka in and out ─────────────────────────────────────────────────────

  private produce(type: EventType, channel: string, user: { id: string; nick: string }, extra: { text?: string; reply_to?: string | null; meta?: Record<string, unknown> } = {}): Promise<void> {
    const e = createEnvelope({ type, channel, user: { id: user.id, nick: user.nick }, text: extra.text, reply_to: extra.reply_to, meta: extra.meta ?? { gateway: this.id } });
    return this.bus.send(e);
  }

  private onEvent(e: Envelope, live: boolean): void {
    const change = this.channels.apply(e);
    if (!change || !live) return;
    const subs = this.subscribers.get(e.channel);
    if (!subs?.size) return;
    // encoded once for every member (ws would otherwise turn the string into a Buffer per socket)
    const data = Buffer.from(serialize(e));
    for (const s of subs) this.sendRaw(s, data);
    if (change.presenceChanged) this.broadcastPresence(e.channel);
  }

  private broadcastPresence(channel: string): void {
    const subs = this.subscribers.get(channel);
    if (!subs?.size) return;
    const data = Buffer.from(JSON.stringify({ type: 'presence', channel, users: this.channels.presence(channel) }));
    for (const s of subs) this.sendRaw(s, data);
  }

  private dropGateway(id: string): void {
    for (const channel of this.channels.dropGateway(id)) this.broadcastPresence(channel);
  }

  // ── sending ──────────────────────────────────────────────────────────────

  private kafkaError(s: Session, err: unknown, ref: string | undefined, what: string): void {
    if (err instanceof KafkaUnavailableError) return this.sendError(s, 'kafka_unavailable', `${what}: ${err.message}`, ref);
    throw err;
  }

  private sendError(s: Session, code: ErrorCode, message: string, ref?: string): void {
    this.send(s, errorFrame(code, message, ref));
  }

  private send(s: Session, frame: unknown): void {
    this.sendRaw(s, JSON.stringify(frame));
  }

  /** A text frame: a string, or its UTF-8 bytes when the same frame goes to many sockets. */
  private sendRaw(s: Session, data: string | Buffer): void {
    if (!s.open || s.ws.readyState !== 1) return;
    const raw = s.ws.raw as unknown as
      | { bufferedAmount: number; _socket?: { cork(): void; uncork(): void }; send(data: Buffer, opts: { binary: boolean; compress: boolean }): void }
      | undefined;
    if (raw && raw.bufferedAmount > MAX_BUFFERED) {
      // the client stopped reading; dropping frames silently would lose messages, so cut it off
      log.warn({ user: s.user.id }, 'closing a websocket that stopped reading');
      s.ws.close(1013, 'slow_consumer: too many unread frames');
      return;
    }
    // Fan-out writes many small frames; corking each socket until the end of
    // this event-loop turn turns a Kafka batch into one write per socket.
    const socket = raw?._socket;
    if (socket && !this.corked.has(socket)) {
      socket.cork();
      this.corked.add(socket);
      if (this.corked.size === 1) setImmediate(() => this.uncorkAll());
    }
    if (typeof data === 'string') s.ws.send(data);
    else if (raw) raw.send(data, { binary: false, compress: false }); // as Hono's send does, but a text frame from bytes
    else s.ws.send(data.toString());
  }

  private uncorkAll(): void {
    for (const socket of this.corked) socket.uncork();
    this.corked.clear();
  }
}

function refOfRaw(data: string): string | undefined {
  try {
    const r = (JSON.parse(data) as { ref?: unknown }).ref;
    return typeof r === 'string' ? r.slice(0, 64) : typeof r === 'number' ? String(r) : undefined;
  } catch {
    return undefined;
  }
}

export function createGateway(deps: GatewayDeps): Gateway {
  return new Gateway(deps);
}
