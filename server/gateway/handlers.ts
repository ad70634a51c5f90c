// What each client frame does: join, leave, message, nick and history. Every
// frame is answered — delivered through Kafka, or an error frame with the
// frame's ref (rate limit included: no frame is dropped silently).
import type { GatewayLimits } from '../../core/config.ts';
import { createEnvelope, type EventType } from '../../core/envelope.ts';
import { logger } from '../../core/log.ts';
import { KafkaUnavailableError, type Bus } from './bus.ts';
import type { Channels } from './channels.ts';
import { FrameError, HISTORY_PAGE, MAX_FRAME_BYTES, parseClientFrame, refOfFrame, type ClientFrame } from './frames.ts';
import { historyFrame, type History } from './history.ts';
import type { Sockets } from './sockets.ts';
import type { LocalUser, Session, Users } from './users.ts';

const log = logger('gateway');

export interface HandlerContext {
  /** this gateway's id (meta.gateway of its join/leave/nick/message events) */
  id: string;
  limits: GatewayLimits;
  users: Users;
  channels: Channels;
  /** sockets per channel */
  subscribers: Map<string, Set<Session>>;
  sockets: Sockets;
  history: History;
  bus: Bus;
  /** false while starting or stopping */
  accepting(): boolean;
}

type Extra = { text?: string; textCleaned?: boolean; reply_to?: string | null; meta?: Record<string, unknown> };

export class FrameHandlers {
  constructor(private readonly g: HandlerContext) {}

  /** One text or binary frame from a client. */
  onFrame(s: Session, data: unknown): Promise<void> | void {
    const { sockets } = this.g;
    if (!s.out.open) return;
    if (typeof data !== 'string') {
      const size = data instanceof ArrayBuffer ? data.byteLength : 0;
      if (size > MAX_FRAME_BYTES) return this.tooLarge(s, size);
      return sockets.error(s.out, 'bad_frame', 'binary frames are not supported; send JSON text frames');
    }
    const size = Buffer.byteLength(data, 'utf8');
    if (size > MAX_FRAME_BYTES) return this.tooLarge(s, size);
    // one budget per account, shared by its sockets; every refused frame gets its own answer
    if (!s.user.bucket.take()) {
      const retry = s.user.bucket.retryAfterMs();
      const { perSecond, burst } = s.user.bucket;
      return sockets.error(
        s.out,
        'rate_limited',
        `너무 빨리 보내고 있습니다: 초당 ${perSecond}개(한 번에 ${burst}개까지)를 넘었습니다. 이 프레임은 처리하지 않았습니다; ${retry} ms 뒤에 다시 보내세요 (too many frames; this one was not processed)`,
        refOfFrame(data),
        { retry_after_ms: retry },
      );
    }
    let frame: ClientFrame;
    try {
      frame = parseClientFrame(data);
    } catch (err) {
      if (err instanceof FrameError) return sockets.error(s.out, err.code, err.message, err.ref);
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

  private tooLarge(s: Session, size: number): void {
    this.g.sockets.error(s.out, 'frame_too_large', `frame is ${size} bytes; the limit is ${MAX_FRAME_BYTES} bytes; closing the connection`);
    s.out.ws.close(1009, 'frame too large');
  }

  private async join(s: Session, channel: string, ref?: string): Promise<void> {
    const { users, channels, subscribers, sockets, limits } = this.g;
    const already = s.channels.has(channel);
    if (!already && s.channels.size >= limits.joinedPerSession) {
      return sockets.error(s.out, 'too_many_joined', `한 연결에서 들어갈 수 있는 채널은 ${limits.joinedPerSession}개까지입니다. 다른 채널에서 나간 뒤 #${channel}에 들어오세요 (too many joined channels)`, ref);
    }
    if (!channels.has(channel) && channels.size >= limits.channels) {
      return sockets.error(s.out, 'too_many_channels', `채널이 너무 많아 새 채널 #${channel}을 만들 수 없습니다 (최대 ${limits.channels}개) (too many channels)`, ref);
    }
    const userThere = users.userInChannel(s.user, channel);
    s.channels.add(channel);
    let subs = subscribers.get(channel);
    if (!subs) subscribers.set(channel, (subs = new Set()));
    subs.add(s);
    sockets.send(s.out, historyFrame(channel, channels.page(channel, HISTORY_PAGE, null, s.user.id).events));
    if (already || userThere) {
      sockets.frame(s.out, { type: 'presence', channel, users: channels.presence(channel) });
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
    if (!s.channels.has(channel)) return this.g.sockets.error(s.out, 'not_joined', `you are not in #${channel}`, ref);
    s.channels.delete(channel);
    this.g.subscribers.get(channel)?.delete(s);
    if (this.g.users.userInChannel(s.user, channel)) return;
    try {
      await this.produce('leave', channel, s.user);
    } catch (err) {
      this.kafkaError(s, err, ref, `could not announce leaving #${channel}`);
    }
  }

  /** A connection is gone: leave its channels (a leave event unless another tab of the user stays). */
  dropSession(s: Session): void {
    const { users, subscribers } = this.g;
    users.remove(s);
    for (const channel of s.channels) {
      subscribers.get(channel)?.delete(s);
      // while stopping, stop() has already sent everyone's leaves
      if (this.g.accepting() && !users.userInChannel(s.user, channel)) {
        this.produce('leave', channel, s.user).catch((err) => log.warn({ err: (err as Error).message, channel }, 'leave notice not sent'));
      }
    }
    s.channels.clear();
  }

  private async message(s: Session, f: Extract<ClientFrame, { type: 'message' }>): Promise<void> {
    if (!s.channels.has(f.channel)) return this.g.sockets.error(s.out, 'not_joined', `join #${f.channel} before sending to it`, f.ref);
    // role from the verified token: the bots trust it to decide who may run auditor commands
    const meta: Record<string, unknown> = { gateway: this.g.id, role: s.role };
    // the client's ref rides along so its own copy can be matched to the send
    if (f.ref !== undefined) meta.ref = f.ref;
    try {
      await this.produce('message', f.channel, s.user, { text: f.text, textCleaned: true, reply_to: f.reply_to, meta });
    } catch (err) {
      this.kafkaError(s, err, f.ref, 'message not sent');
    }
  }

  private async nick(s: Session, nick: string, ref?: string): Promise<void> {
    const { users, sockets } = this.g;
    const user = s.user;
    const old = user.nick;
    if (old === nick) return sockets.frame(s.out, { type: 'self', user: { id: user.id, nick, role: s.role } });
    if (users.nickTaken(nick, user.id)) return sockets.error(s.out, 'nick_taken', `nick "${nick}" is already in use by someone online (or looks like one that is)`, ref);
    // hold the new nick while the events travel, so no one else can grab it meanwhile
    users.hold(nick, user.id);
    try {
      const renamed = { ...user, nick };
      await Promise.all([...users.channelsOf(user)].map((c) => this.produce('nick', c, renamed, { text: `${old} → ${nick}`, meta: { gateway: this.g.id, old, new: nick } })));
    } catch (err) {
      users.release(nick);
      return this.kafkaError(s, err, ref, 'nick not changed');
    }
    user.nick = nick;
    users.release(nick);
    for (const other of user.sessions) sockets.frame(other.out, { type: 'self', user: { id: user.id, nick, role: other.role } });
  }

  /** Extension: `{"type":"history","channel","before"}` → up to 50 events older than `before` (ts or event id). */
  private async olderHistory(s: Session, f: Extract<ClientFrame, { type: 'history' }>): Promise<void> {
    const events = await this.g.history.older(f.channel, f.limit, f.before, s.user.id);
    this.g.sockets.send(s.out, historyFrame(f.channel, events, { before: f.before, ref: f.ref }));
  }

  /** An event of this gateway's user to Kafka; it reaches sockets when consumed back. */
  produce(type: EventType, channel: string, user: Pick<LocalUser, 'id' | 'nick'>, extra: Extra = {}): Promise<void> {
    const e = createEnvelope(
      { type, channel, user: { id: user.id, nick: user.nick }, text: extra.text, reply_to: extra.reply_to, meta: extra.meta ?? { gateway: this.g.id } },
      { textCleaned: extra.textCleaned },
    );
    return this.g.bus.send(e);
  }

  private kafkaError(s: Session, err: unknown, ref: string | undefined, what: string): void {
    if (err instanceof KafkaUnavailableError) return this.g.sockets.error(s.out, 'kafka_unavailable', `${what}: ${err.message}`, ref);
    throw err;
  }
}
