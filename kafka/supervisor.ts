// Keeps the project-managed broker running: when the JVM this process started
// dies (crash, OOM, kill -9), it is started again with backoff — on its last
// port when that is free, else on another one; clients find it again through
// current() (KafkaClient asks on every reconnect) and check its cluster id.
// Reported in /healthz (the `kafka` part).
import { setTimeout as sleep } from 'node:timers/promises';
import { logger } from '../core/log.ts';
import { startManaged, type Launched } from './managed.ts';
import { acquireStartLock } from './state.ts';

const log = logger('kafka.supervisor');

/** Backoff between restart attempts: 1 s, 2 s, 4 s … at most 30 s. */
export function restartDelayMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempt - 1));
}

export interface SupervisorHealth {
  ok: boolean;
  state: 'running' | 'restarting' | 'stopped';
  pid: number;
  port: number;
  restarts: number;
  last_exit: string | null;
  last_error: string | null;
}

export interface SupervisedBroker {
  /** where the broker listens now */
  current(): string[];
  health(): SupervisorHealth;
  /** stop supervising and stop the broker */
  stop(): Promise<void>;
}

export function supervise(dir: string, first: Launched): SupervisedBroker {
  let running = first;
  let state: SupervisorHealth['state'] = 'running';
  let stopping = false;
  let restarts = 0;
  let lastExit: string | null = null;
  let lastError: string | null = null;

  const watch = (l: Launched): void => {
    void l.exited.then((how) => {
      if (stopping || running !== l) return;
      lastExit = `${how} at ${new Date().toISOString()}`;
      log.error({ brokerPid: l.pid, port: l.port, exit: how }, 'the project-managed Kafka broker died; restarting it');
      void restart();
    });
  };

  async function restart(): Promise<void> {
    state = 'restarting';
    for (let attempt = 1; !stopping; attempt++) {
      await sleep(restartDelayMs(attempt));
      if (stopping) return;
      try {
        const release = await acquireStartLock(dir);
        let l: Launched;
        try {
          l = await startManaged(dir);
        } finally {
          release();
        }
        if (stopping) return void (await l.stop());
        running = l;
        restarts++;
        lastError = null;
        state = 'running';
        watch(l);
        log.warn({ brokerPid: l.pid, brokers: l.brokers, attempt, moved: l.port !== first.port }, 'project-managed Kafka broker restarted');
        return;
      } catch (err) {
        lastError = (err as Error).message.split('\n')[0];
        log.error({ err: lastError, attempt, nextInMs: restartDelayMs(attempt + 1) }, 'restarting the Kafka broker failed; trying again');
      }
    }
  }

  watch(first);
  return {
    current: () => running.brokers,
    health: () => ({ ok: state === 'running', state, pid: running.pid, port: running.port, restarts, last_exit: lastExit, last_error: lastError }),
    async stop() {
      stopping = true;
      state = 'stopped';
      await running.stop();
    },
  };
}
