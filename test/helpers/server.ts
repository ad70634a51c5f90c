// Test helpers for integration tests: a real kchat server as a child process,
// temp dirs, login, and a websocket client that awaits frames.
//
//   const srv = await startServer();                 // own DATA_DIR + topic prefix
//   const { token } = await login(srv.url, '민수');
//   const ws = await wsClient(srv.url, token);
//   ws.send({ type: 'join', channel: 'general' });
//   await ws.next((f) => f.type === 'presence');
//   await srv.stop();
//
// KAFKA_BROKERS must be set (test/run.ts sets it to the broker it starts).
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const made: string[] = [];
/** A fresh temp directory (removed when the test process exits). */
export function tempDir(prefix = 'kchat-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
process.once('exit', () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A topic prefix no other test uses. */
export function uniquePrefix(name = 't'): string {
  return `${name}.${crypto.randomBytes(4).toString('hex')}.`;
}

/** KAFKA_BROKERS of the test broker, or a clear error when tests run outside test/run.ts without one. */
export function testBrokers(): string {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run integration tests through `npm test` (it starts a broker) or set KAFKA_BROKERS=host:port');
  return brokers;
}

export interface StartOptions {
  /** extra environment (overrides the defaults below) */
  env?: Record<string, string>;
  /** reuse a data dir (e.g. to restart a server on its own data) */
  dataDir?: string;
  /** topic prefix; pass the same one to two servers to make them share topics */
  prefix?: string;
  /** extra node flags for the server process (e.g. ['--cpu-prof']) */
  nodeArgs?: string[];
  /** run the compiled server in server/dist with `npm start`'s command line (build it first: server/build.ts), not the sources through tsx */
  compiled?: boolean;
}

export interface TestServer {
  url: string;
  port: number;
  dataDir: string;
  prefix: string;
  proc: ChildProcess;
  /** everything the server wrote to stderr so far (logs) */
  stderr(): string;
  /** SIGTERM and wait for a clean exit (SIGKILL after 20 s) */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash, nothing cleaned up */
  kill(): Promise<void>;
}

/** `npm start`'s command line (package.json): its environment assignments, then node's arguments. */
export function npmStart(): { env: Record<string, string>; args: string[] } {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_][A-Z0-9_]*=/.test(words[0] ?? '')) {
    const w = words.shift()!;
    env[w.slice(0, w.indexOf('='))] = w.slice(w.indexOf('=') + 1);
  }
  if (words.shift() !== 'node') throw new Error(`package.json's start script does not run node: ${pkg.scripts.start}`);
  return { env, args: words.map((w) => (w.startsWith('-') ? w : path.join(repoRoot, w))) };
}

/** Start `server/main.ts` (or its compiled copy) as a child process with PORT=0; resolves once it prints its URL. */
export async function startServer(opts: StartOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? tempDir('kchat-srv-');
  const prefix = opts.prefix ?? uniquePrefix();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    KCHAT_TOPIC_PREFIX: prefix,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '',
    PORT: '0',
    HOST: '127.0.0.1',
    // the search service (a JVM) only where a test searches: pass env KCHAT_SEARCH: 'on'
    KCHAT_SEARCH: 'off',
    ...opts.env,
  };
  if (!env.KAFKA_BROKERS) testBrokers();
  // node itself, not npm: one process, so signals reach the server itself
  const start = opts.compiled ? npmStart() : { env: {}, args: ['--import', 'tsx', path.join(repoRoot, 'server', 'main.ts')] };
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...start.args], { cwd: repoRoot, env: { ...env, ...start.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /kchat ready at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`server exited (code ${code}) before it was ready:\n${err.slice(-3000)}`)));
  });
  const port = Number(new URL(url).port);
  return {
    url,
    port,
    dataDir,
    prefix,
    proc,
    stderr: () => err,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

export interface LoginResult {
  token: string;
  user: { id: string; nick: string };
}

/** The password tests use for a nick unless they pass their own (Korean, and long enough). */
export const passwordOf = (nick: string): string => `${nick}의 비밀번호 1234`;

/** POST /api/login (the first login claims the nick with the password); throws with the server's error unless it answered 200. */
export async function login(url: string, nick: string, password: string = passwordOf(nick)): Promise<LoginResult> {
  const res = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ nick, password }) });
  const body = (await res.json()) as LoginResult & { error?: string };
  if (res.status !== 200) throw new Error(`login as ${nick} failed: ${res.status} ${body.error}`);
  return body;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Frame = Record<string, any>;

export interface WsClient {
  ws: WebSocket;
  /** every frame received so far, in order */
  frames: Frame[];
  /** send an object as JSON, or a raw string as is */
  send(frame: unknown): void;
  /**
   * The next not-yet-taken frame matching `predicate` (already received or
   * still to come); it is taken, so the same frame is never returned twice.
   * Rejects after `timeoutMs` listing what did arrive.
   */
  next(predicate?: (f: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  /** forget frames received but not taken yet (so next() only sees what comes after) */
  clear(): void;
  /** resolves with the close code and reason */
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/** Open GET /ws?token=… and wait until it is open (rejects with the HTTP status when the upgrade is refused). */
export async function wsClient(url: string, token: string): Promise<WsClient> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`);
  const frames: Frame[] = [];
  const pending: Frame[] = [];
  const waiters: { predicate: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as Frame;
    frames.push(frame);
    const i = waiters.findIndex((w) => w.predicate(frame));
    if (i >= 0) waiters.splice(i, 1)[0].resolve(frame);
    else pending.push(frame);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`websocket upgrade refused: HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
  ws.on('error', () => undefined);
  return {
    ws,
    frames,
    closed,
    clear() {
      pending.length = 0;
    },
    send(frame) {
      ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    },
    next(predicate = () => true, timeoutMs = 30_000) {
      const i = pending.findIndex(predicate);
      if (i >= 0) return Promise.resolve(pending.splice(i, 1)[0]);
      return new Promise<Frame>((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (f: Frame) => {
            clearTimeout(timer);
            resolve(f);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no matching frame within ${timeoutMs} ms; received: ${JSON.stringify(frames.slice(-8)).slice(0, 2000)}`));
        }, timeoutMs);
        // a waiter that lost a Promise.race must not keep the test process alive
        timer.unref();
        waiters.push(waiter);
      });
    },
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close();
      await closed;
    },
  };
}

/** Log in, connect and join a channel; resolves once the channel's history came (a member already) or the own join came back from Kafka. */
export async function joinedMember(url: string, nick: string, channel: string): Promise<WsClient> {
  const ws = await wsClient(url, (await login(url, nick)).token);
  ws.send({ type: 'join', channel });
  await ws.next((f) => (f.v === 1 && f.type === 'join' && f.user.nick === nick && f.channel === channel) || (f.type === 'history' && f.channel === channel && f.events.some((e: Frame) => e.type === 'join' && e.user.nick === nick)));
  return ws;
}

/** A server started with `KCHAT_SEARCH: 'on'`: wait until its search service has caught up (a JVM start). */
export async function searchReady(srv: TestServer, timeoutMs = 120_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 100))) {
    const state = ((await (await fetch(`${srv.url}/healthz`)).json()) as { parts: { search?: { state?: string } } }).parts.search?.state;
    if (state === 'ready') return;
    if (Date.now() > deadline) throw new Error(`the search service did not become ready: ${state}`);
  }
}
