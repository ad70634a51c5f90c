// The managed broker's files under $DATA_DIR/kafka and the process checks
// around them: who runs the broker (broker.json), which ports it used last
// (ports.json), its cluster id, and the start lock.
//
//   broker.json       {pid, port, controllerPort, startedAt, ready} while it runs
//   ports.json        last ports used, preferred on the next start
//   cluster-id        KRaft cluster id, generated once (every client checks it on connect)
//   start.lock        pid of the process starting it (only while starting)
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface BrokerState {
  pid: number;
  port: number;
  controllerPort: number;
  startedAt: string;
  ready: boolean;
}

/** below core/lifecycle's 10 s per stopper, so SIGKILL still happens in time */
export const STOP_TIMEOUT_MS = 8_000;
const LOCK_TIMEOUT_MS = 60_000;

/** The state file of the managed broker for this dir, or null when none is recorded. */
export function readBrokerState(dir: string): BrokerState | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'broker.json'), 'utf8')) as BrokerState;
  } catch {
    return null;
  }
}

export function writeJson(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** Remove broker.json when it still names this pid (a newer broker's file is left alone). */
export function removeState(dir: string, pid: number): void {
  if (readBrokerState(dir)?.pid === pid) fs.rmSync(path.join(dir, 'broker.json'), { force: true });
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Is pid a broker of this dir (and not an unrelated process that got a recycled pid)? */
export function isOurBroker(pid: number, dir: string): boolean {
  if (!pidAlive(pid)) return false;
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes('kafka.Kafka') && cmd.includes(path.join(dir, 'server.properties'));
  } catch {
    return true; // no /proc (macOS): trust the pid
  }
}

export async function killPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (pidAlive(pid) && Date.now() < deadline) await sleep(100);
  if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
}

/** One starter per DATA_DIR at a time (two processes cannot share a log directory). */
export async function acquireStartLock(dir: string): Promise<() => void> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'start.lock');
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder: number;
    try {
      holder = Number(fs.readFileSync(file, 'utf8'));
    } catch {
      continue; // released between our two calls
    }
    if (!pidAlive(holder)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`Process ${holder} has been starting the Kafka broker in ${dir} for over a minute; remove ${file} if it is stale.`);
    }
    await sleep(200);
  }
}

/** Kafka's Uuid.randomUuid().toString(): 16 random bytes, base64url, never starting with '-'. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** The cluster id of this dir's broker (generated once, before the storage is formatted with it). */
export function clusterIdOf(dir: string, create = true): string | null {
  const file = path.join(dir, 'cluster-id');
  try {
    const id = fs.readFileSync(file, 'utf8').trim();
    if (id) return id;
  } catch {
    // first start
  }
  if (!create) return null;
  const id = newClusterId();
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, id + '\n');
  return id;
}
