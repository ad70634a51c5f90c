// `npx kchat …`: opens the database itself when no server runs; when a
// running server holds the DuckDB file (one writer process), the same
// command line is forwarded to that server and run there.
import { loadConfig } from '../core/config.ts';
import { Database, DatabaseLockedError } from '../core/db.ts';
import { Auth } from '../core/auth.ts';
import type { KafkaClient } from '../core/kafka.ts';
import { connectKafka } from '../kafka/broker.ts';
import type { CliContext } from './context.ts';
import { runCommandLine } from './run.ts';
import { forwardToServer } from './forward.ts';

const config = loadConfig();
const io = { out: { write: (s: string) => void process.stdout.write(s) }, err: { write: (s: string) => void process.stderr.write(s) } };
const argv = process.argv.slice(2);

class Forwarded extends Error {
  constructor(readonly code: number) {
    super('forwarded');
  }
}

async function makeContext() {
  let db: Database;
  try {
    db = await Database.open(config.dbPath);
  } catch (err) {
    if (err instanceof DatabaseLockedError) throw new Forwarded(await forwardToServer(config, argv, io, err));
    throw err;
  }
  const auth = new Auth(db, config);
  await auth.init();
  let kafka: KafkaClient | null = null;
  const ctx: CliContext = {
    config,
    db,
    auth,
    out: io.out,
    err: io.err,
    interactive: Boolean(process.stderr.isTTY),
    cwd: process.cwd(),
    async kafka() {
      kafka ??= (await connectKafka(config, { start: false, clientId: 'kchat-cli' })).kafka;
      return kafka;
    },
  };
  return {
    ctx,
    async close() {
      await kafka?.disconnect();
      await db.close();
    },
  };
}

try {
  process.exitCode = await runCommandLine(argv, io, makeContext);
} catch (err) {
  if (err instanceof Forwarded) process.exitCode = err.code;
  else {
    io.err.write(`kchat: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
