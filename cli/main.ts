// `npx kchat …`: opens the database itself when no server runs; when a
// running server holds the DuckDB file (one writer process), the command is
// sent to that server and run there, with the content of the files it reads
// (cli/forward.ts). Commands that need no database always run here.
import { Directory } from '../accounts/index.ts';
import { Auth } from '../core/auth.ts';
import { duckdbSettings, loadConfig } from '../core/config.ts';
import { prepareDataDir, privateFileModes } from '../core/datadir.ts';
import { Database, DatabaseLockedError } from '../core/db.ts';
import { InputError } from '../core/errors.ts';
import { releaseKiwi } from '../core/korean/terms.ts';
import type { KafkaClient } from '../core/kafka.ts';
import { connectKafka } from '../kafka/broker.ts';
import type { CliContext, CommandPlan } from './context.ts';
import { localFiles } from './files.ts';
import { forwardToServer } from './forward.ts';
import { RanElsewhere, runCommandLine } from './run.ts';

// Files the CLI creates (database, tokens, exports) are private: 0600 files, 0700 folders.
privateFileModes();
const config = loadConfig();
const io = { out: { write: (s: string) => void process.stdout.write(s) }, err: { write: (s: string) => void process.stderr.write(s) } };
const argv = process.argv.slice(2);

/** Stands in for the database of a command declared `runs: 'local'`: touching it is a bug in that command. */
const noDatabase = new Proxy({} as Database, {
  get() {
    throw new Error('this command is declared to run without the database (runs: "local") but used it');
  },
});

async function openDatabase(plan: CommandPlan): Promise<Database | null> {
  if (plan.runs === 'local') return null;
  try {
    prepareDataDir(config.dataDir);
    return await Database.open(config.dbPath, { settings: duckdbSettings(config), timeZone: config.tzReports });
  } catch (err) {
    if (!(err instanceof DatabaseLockedError)) throw err;
    if (plan.runs === 'process') throw new InputError('database_in_use', `${err.message}; 이 명령은 자기 프로세스로만 실행되므로 먼저 그 서버를 멈추세요`);
    throw new RanElsewhere(await forwardToServer(config, argv, plan, io, err));
  }
}

async function makeContext(plan: CommandPlan) {
  const db = await openDatabase(plan);
  let auth: Auth | null = null;
  if (db) {
    auth = new Auth(db, config);
    await auth.init();
  }
  let kafka: KafkaClient | null = null;
  let spare: Database | null | undefined;
  let directory: Promise<Directory> | null = null;
  const ctx: CliContext = {
    config,
    db: db ?? noDatabase,
    get auth(): Auth {
      if (!auth) throw new Error('this command is declared to run without the database (runs: "local") but used auth');
      return auth;
    },
    out: io.out,
    err: io.err,
    interactive: Boolean(process.stderr.isTTY),
    files: localFiles(process.cwd()),
    async kafka() {
      kafka ??= (await connectKafka(config, { start: false, clientId: 'kchat-cli' })).kafka;
      return kafka;
    },
    async freeDatabase() {
      if (db) return db;
      if (spare === undefined) {
        try {
          spare = await Database.open(config.dbPath);
        } catch (err) {
          if (!(err instanceof DatabaseLockedError)) throw err;
          spare = null;
        }
      }
      return spare;
    },
    directory() {
      directory ??= ctx.kafka().then(async (k) => {
        const d = new Directory(k);
        await d.start();
        return d;
      });
      return directory;
    },
  };
  return {
    ctx,
    async close() {
      // a command that analysed text (topics rebuild, ko_tokens in SQL) would otherwise wait for Kiwi's idle release
      await releaseKiwi();
      if (directory) await (await directory.catch(() => null))?.stop();
      await kafka?.disconnect();
      await db?.close();
      await spare?.close();
    },
  };
}

try {
  process.exitCode = await runCommandLine(argv, io, makeContext);
} catch (err) {
  io.err.write(`kchat: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
