// Client frames: size and rate checks, parsing (core/protocol.ts), then the
// frame's own handler — one file per frame type, listed in HANDLERS. Every
// frame is answered: delivered through Kafka, or an error frame with the
// frame's ref (rate limit included: no frame is dropped silently). A handler
// refuses by throwing an InputError (its code becomes the error frame's).
import { isInputError } from '../../../core/errors.ts';
import { KafkaUnavailableError } from '../bus.ts';
import { MAX_FRAME_BYTES, parseClientFrame, refOfFrame, type ClientFrame } from '../frames.ts';
import type { Session } from '../users.ts';
import type { GatewayContext } from './context.ts';
import { change } from './change.ts';
import { create } from './create.ts';
import { dm } from './dm.ts';
import { history } from './history.ts';
import { invite } from './invite.ts';
import { join } from './join.ts';
import { leave } from './leave.ts';
import { message } from './message.ts';
import { nick } from './nick.ts';
import { read } from './read.ts';
import { thread } from './thread.ts';

export type { GatewayContext } from './context.ts';

type Handler<T extends ClientFrame['type']> = (g: GatewayContext, s: Session, f: Extract<ClientFrame, { type: T }>) => Promise<void> | void;

/** One handler per client frame type (core/protocol.ts CLIENT_FRAME_TYPES). */
const HANDLERS: { [T in ClientFrame['type']]: Handler<T> } = { join, leave, message, nick, history, create, invite, dm, read, edit: change, delete: change, thread };

const noop = (): void => undefined;
/** Frames whose effect later frames of the same connection depend on. */
const ORDERED = new Set<ClientFrame['type']>(['join', 'leave', 'create', 'invite', 'dm', 'nick']);

export class FrameHandlers {
  constructor(private readonly g: GatewayContext) {}

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
      if (isInputError(err)) return sockets.error(s.out, err.code as never, err.message, (err as { ref?: string }).ref);
      throw err;
    }
    // A frame that changes memberships is awaited before the connection's next
    // frames run (a `create` then a `message` to it must not race); messages
    // among themselves stay pipelined.
    const run = () => this.run(s, frame);
    const out = s.barrier ? s.barrier.then(run) : run();
    if (out && ORDERED.has(frame.type)) {
      const barrier = out.then(noop, noop);
      s.barrier = barrier;
      void barrier.then(() => {
        if (s.barrier === barrier) s.barrier = undefined;
      });
    }
    return out;
  }

  private run(s: Session, frame: ClientFrame): Promise<void> | void {
    const handler = HANDLERS[frame.type] as Handler<typeof frame.type>;
    let out: Promise<void> | void;
    try {
      out = handler(this.g, s, frame);
    } catch (err) {
      return this.refuse(s, err, frame.ref);
    }
    if (out) return out.catch((err: unknown) => this.refuse(s, err, frame.ref));
  }

  /** A handler's refusal as an error frame; anything else is a bug (the gateway answers `internal`). */
  private refuse(s: Session, err: unknown, ref: string | undefined): void {
    if (err instanceof KafkaUnavailableError) return this.g.sockets.error(s.out, 'kafka_unavailable', err.message, ref);
    if (isInputError(err)) return this.g.sockets.error(s.out, err.code as never, err.message, ref, err.details);
    throw err;
  }

  private tooLarge(s: Session, size: number): void {
    this.g.sockets.error(s.out, 'frame_too_large', `frame is ${size} bytes; the limit is ${MAX_FRAME_BYTES} bytes; closing the connection`);
    s.out.ws.close(1009, 'frame too large');
  }
}
