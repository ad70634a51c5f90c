// One websocket to the gateway that keeps itself alive: exponential backoff
// with jitter between attempts, and a state the UI shows (연결됨/연결 중…/연결 끊김).
import { backoffDelay } from './backoff.ts';
import { parseServerFrame, type ClientFrame, type ServerFrame } from './protocol.ts';

export type ConnState = 'connecting' | 'connected' | 'disconnected';

/** Close codes a gateway may use for "this token is not valid" (plus policy violation). */
const AUTH_CLOSE_CODES = new Set([4001, 4003, 4401, 4403, 1008]);

export interface ConnectionHandlers {
  url(): string;
  onFrame(frame: ServerFrame): void;
  onState(state: ConnState, retryAt: number | null): void;
  onOpen(): void;
  onAuthFailed(): void;
  /** the socket closed before it ever opened, `n` times in a row (a refused token looks like this to a browser: HTTP 401 is not visible) */
  onFailedOpen?(n: number): void;
}

export class Connection {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  private failedOpens = 0;
  state: ConnState = 'disconnected';

  constructor(private readonly h: ConnectionHandlers) {}

  start(): void {
    this.stopped = false;
    this.attempt = 0;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.close(1000, 'bye');
    }
    this.setState('disconnected', null);
  }

  /** Reconnect now (the user pressed "다시 연결", or the network came back). */
  retryNow(): void {
    if (this.stopped || this.state !== 'disconnected') return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.open();
  }

  /** Send a frame when connected; false when it could not be sent (caller queues it). */
  send(frame: ClientFrame): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  private setState(state: ConnState, retryAt: number | null): void {
    this.state = state;
    this.h.onState(state, retryAt);
  }

  private open(): void {
    if (this.stopped) return;
    this.setState('connecting', null);
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.h.url());
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    let openedAt = 0;
    ws.onopen = () => {
      openedAt = Date.now();
      this.failedOpens = 0;
      this.setState('connected', null);
      this.h.onOpen();
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      const frame = parseServerFrame(ev.data);
      if (frame) this.h.onFrame(frame);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      if (AUTH_CLOSE_CODES.has(ev.code)) {
        this.setState('disconnected', null);
        this.h.onAuthFailed();
        return;
      }
      // A socket that stayed open a while and then dropped starts again from
      // the shortest delay; one that never opened (or was closed at once)
      // keeps backing off, so a refusing server is not hammered.
      if (openedAt && Date.now() - openedAt > 3000) this.attempt = 0;
      if (!openedAt) this.h.onFailedOpen?.(++this.failedOpens);
      this.scheduleRetry();
    };
  }

  private scheduleRetry(): void {
    const delay = backoffDelay(this.attempt++);
    this.setState('disconnected', Date.now() + delay);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.open();
    }, delay);
  }
}
