// Writing to websockets: text frames from strings or shared bytes, corked per
// event-loop turn, and a bounded backlog per socket. A client that stops
// reading first fills the socket's own buffer (up to SOFT_BUFFER); further
// frames wait, whole, in the session's backlog; once that passes
// MAX_BACKLOG the client is cut off: the backlog is dropped (never written,
// so the stream stays intact), an error frame `slow_consumer` and the close
// code 1013 (try again later) follow right behind what the socket already holds, and the
// session leaves presence at once (not when TCP finally gives up).
import type { WSContext } from 'hono/ws';
import type { WebSocketLike } from '@hono/node-server';
import { logger } from '../../core/log.ts';
import { errorFrame, type ErrorCode } from './frames.ts';

const log = logger('gateway.sockets');

/** Bytes a socket may hold unsent before frames queue in the session's backlog instead. */
export const SOFT_BUFFER = 1024 * 1024;
/** Backlog beyond which a client that stopped reading is cut off. */
export const MAX_BACKLOG = 8 * 1024 * 1024;
/** The close code a cut-off slow reader gets (documented in docs/gateway.md). */
export const SLOW_CONSUMER_CLOSE = 1013;

type RawSocket = {
  bufferedAmount: number;
  _socket?: { cork(): void; uncork(): void; once(ev: 'drain', fn: () => void): void };
  send(data: Buffer | string, opts: { binary: boolean; compress: boolean }): void;
};

/** The sending side of one connection. */
export interface Outlet {
  ws: WSContext<WebSocketLike>;
  /** false once the connection is closing or cut off: nothing more is sent */
  open: boolean;
  backlog: (string | Buffer)[];
  backlogBytes: number;
  draining: boolean;
}

export function outlet(ws: WSContext<WebSocketLike>): Outlet {
  return { ws, open: true, backlog: [], backlogBytes: 0, draining: false };
}

export class Sockets {
  /** sockets corked during this event-loop turn */
  private readonly corked = new Set<{ uncork(): void }>();

  /** @param onCutOff called once when a slow reader is cut off (drop it from presence now) */
  constructor(private readonly onCutOff: (o: Outlet) => void) {}

  frame(o: Outlet, frame: unknown): void {
    this.send(o, JSON.stringify(frame));
  }

  error(o: Outlet, code: ErrorCode, message: string, ref?: string, details?: Record<string, unknown>): void {
    this.frame(o, { ...errorFrame(code, message, ref), ...details });
  }

  /** A text frame: a string, or its UTF-8 bytes when the same frame goes to many sockets. */
  send(o: Outlet, data: string | Buffer): void {
    if (!o.open || o.ws.readyState !== 1) return;
    const raw = o.ws.raw as unknown as RawSocket | undefined;
    if (!raw) return void o.ws.send(typeof data === 'string' ? data : data.toString());
    if (o.backlog.length || raw.bufferedAmount > SOFT_BUFFER) return this.queue(o, raw, data);
    this.write(raw, data);
  }

  private write(raw: RawSocket, data: string | Buffer): void {
    // Fan-out writes many small frames; corking each socket until the end of
    // this event-loop turn turns a Kafka batch into one write per socket.
    const socket = raw._socket;
    if (socket && !this.corked.has(socket)) {
      socket.cork();
      this.corked.add(socket);
      if (this.corked.size === 1) setImmediate(() => this.uncorkAll());
    }
    // as Hono's send does, but always a text frame (also from bytes)
    raw.send(data, { binary: false, compress: false });
  }

  private queue(o: Outlet, raw: RawSocket, data: string | Buffer): void {
    o.backlog.push(data);
    o.backlogBytes += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (o.backlogBytes > MAX_BACKLOG) return this.cutOff(o, raw);
    if (!o.draining && raw._socket) {
      o.draining = true;
      raw._socket.once('drain', () => this.drain(o, raw));
    }
  }

  /** The socket took its buffer: write the backlog until it fills again. */
  private drain(o: Outlet, raw: RawSocket): void {
    o.draining = false;
    if (!o.open) return;
    while (o.backlog.length && raw.bufferedAmount <= SOFT_BUFFER) {
      const data = o.backlog.shift()!;
      o.backlogBytes -= typeof data === 'string' ? Buffer.byteLength(data) : data.length;
      this.write(raw, data);
    }
    if (o.backlog.length && raw._socket) {
      o.draining = true;
      raw._socket.once('drain', () => this.drain(o, raw));
    }
  }

  private cutOff(o: Outlet, raw: RawSocket): void {
    const dropped = o.backlogBytes;
    o.backlog = [];
    o.backlogBytes = 0;
    log.warn({ droppedBytes: dropped }, 'closing a websocket that stopped reading');
    raw.send(JSON.stringify(errorFrame('slow_consumer', `연결이 메시지를 읽지 않아 끊습니다: 읽지 않은 메시지가 ${Math.round(MAX_BACKLOG / 1048576)} MiB를 넘었습니다. 다시 연결하면 기록(history)을 받습니다 (too many unread frames)`)), { binary: false, compress: false });
    o.ws.close(SLOW_CONSUMER_CLOSE, 'slow_consumer');
    o.open = false;
    // the session leaves presence now; the socket itself waits for the client's close answer
    // (ws drops it after its own 30 s close timeout), so a client that reads again still gets 1013
    this.onCutOff(o);
  }

  private uncorkAll(): void {
    for (const socket of this.corked) socket.uncork();
    this.corked.clear();
  }
}
