// Prepares bench/search's cached baseline data for a size ahead of a run: the
// generated CSV, the DuckDB file the in-memory index is built from, and the
// PostgreSQL database with its pg_trgm GIN index. run.ts builds the same
// caches itself when they are missing (so it stays runnable unattended); doing
// it beforehand, at low priority, keeps that long load out of the run — and
// out of the time the machine's benchmark lock is held. Measures nothing.
//
//   nice -n 19 npx tsx bench/search/prepare.ts --messages 10000000
import '../lib/quiet.ts';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../lib/index.ts';
import { chatCsv, duckdbMessages, postgresInstalled, startPostgres } from './baselines.ts';
import { gen, sizeLabel } from './sizes.ts';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '10000000' }, 'per-day': { type: 'string', default: '33000' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  process.stdout.write(
    'Usage: npx tsx bench/search/prepare.ts [--messages 10000000] [--per-day 33000]\n\n' +
      "Builds bench/search's cached baseline data for that size (CSV, DuckDB, PostgreSQL + pg_trgm) so that\n" +
      'bench/search/run.ts with the same options finds it ready. Measures nothing.\n',
  );
  process.exit(0);
}
const N = Number(values.messages);
const perDay = Number(values['per-day']);
if (!Number.isSafeInteger(N) || N < 1000 || !Number.isSafeInteger(perDay) || perDay < 100) {
  process.stderr.write('bench/search/prepare: --messages must be an integer ≥ 1000 and --per-day ≥ 100\n');
  process.exit(2);
}
const label = sizeLabel(N);
const cacheDir = path.join(repoRoot, 'bench', '.data');
fs.mkdirSync(cacheDir, { recursive: true, mode: 0o755 });
const csv = await chatCsv(cacheDir, label, gen(N, perDay));
const db = await duckdbMessages(cacheDir, label, csv, N);
await db.close();
if (postgresInstalled()) await (await startPostgres(path.join(repoRoot, 'bench', '.pg'), label, csv, N)).stop();
else process.stderr.write('PostgreSQL 15 is not installed: its baseline is skipped\n');
process.stderr.write(`bench/search: baseline data for ${label} ready\n`);
