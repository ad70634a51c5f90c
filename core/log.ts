// The one logger: structured JSON lines (pino) on stderr, so stdout stays
// free for CLI output such as `--json` documents.
import pino from 'pino';

const root = pino(
  {
    level: process.env.LOG_LEVEL || (process.env.NODE_ENV === 'test' ? 'warn' : 'info'),
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  },
  pino.destination({ fd: 2, sync: true }),
);

export type Logger = pino.Logger;

/** A child logger named after the room that logs: logger('ingest'), logger('bots.movie'). */
export function logger(module: string): Logger {
  return root.child({ mod: module });
}
