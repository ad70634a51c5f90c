// The two baselines of bench/search, on the same generated messages as the
// Kafka topic the search service reads:
//  - the former in-memory bigram index (memory-index.ts), built from a DuckDB
//    file loaded from the generated CSV, as the product used to build it;
//  - PostgreSQL 15 + pg_trgm GIN, `text ILIKE '%word%'` per word (page of 20
//    ordered by ts + count(*)), its own cluster under bench/.pg.
// Loaded data is cached under bench/.data and bench/.pg per size (the
// generator is seeded, so a cached copy holds exactly what a fresh one would).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { Database } from '../../core/db.ts';
import { ensureIngestSchema } from '../../ingest/index.ts';
import { parseQuery } from '../../audit/search/index.ts';
import { fold } from '../../audit/search/fold.ts';
import { CSV_COLUMNS, generateCsv, type GenOptions } from './generate.ts';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const say = (s: string) => process.stderr.write(s + '\n');

/** The generated messages as a CSV (cached per size). */
export async function chatCsv(dir: string, label: string, gen: GenOptions): Promise<string> {
  const csv = path.join(dir, `chat-${label}.csv`);
  if (!fs.existsSync(csv)) {
    const t0 = performance.now();
    await generateCsv(`${csv}.tmp`, gen);
    fs.renameSync(`${csv}.tmp`, csv);
    say(`generated ${gen.messages} messages → ${csv} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  fs.chmodSync(csv, 0o644); // PostgreSQL's server reads it
  return csv;
}

/** A DuckDB file with the messages in ingest's schema (what the in-memory index was built from). */
export async function duckdbMessages(dir: string, label: string, csv: string, n: number): Promise<Database> {
  const file = path.join(dir, `search-${label}.duckdb`);
  const db = await Database.open(file, { settings: { threads: '2' } });
  await ensureIngestSchema(db);
  const have = (await db.one<{ n: number }>('SELECT count(*) AS n FROM messages'))!.n;
  if (Number(have) === n) return db;
  await db.run('DELETE FROM messages');
  const t0 = performance.now();
  const cols = CSV_COLUMNS.map((c) => `'${c}': '${c === 'ts_ms' || c === 'kafka_offset' ? 'BIGINT' : c === 'kafka_partition' ? 'INTEGER' : 'VARCHAR'}'`).join(', ');
  await db.run(
    `INSERT INTO messages SELECT id, channel, user_id, nick, type, text, to_timestamp(ts_ms / 1000), ts_ms, NULL,
            'chat.events', kafka_partition, kafka_offset, now(), 'bench', NULL
       FROM read_csv('${csv.replace(/'/g, "''")}', header = true, quote = '"', escape = '"', columns = {${cols}})`,
  );
  say(`loaded ${n} messages into DuckDB in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return db;
}

/** The same query as SQL for PostgreSQL: ILIKE per word, filters as columns. */
export function toSql(q: string): { where: string; params: unknown[] } {
  const p = parseQuery(q);
  const params: unknown[] = [];
  const add = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const phrases = [...q.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  const pattern = (needle: string) => `%${phrases.find((x) => fold(x) === needle) ?? needle}%`;
  const w: string[] = [];
  for (const n of p.must) w.push(`text ILIKE ${add(pattern(n))}`);
  for (const n of p.not) w.push(`text NOT ILIKE ${add(pattern(n))}`);
  if (p.nicks.length) w.push(`nick IN (${p.nicks.map((n) => add(n)).join(', ')})`);
  if (p.channels.length) w.push(`channel IN (${p.channels.map((c) => add(c)).join(', ')})`);
  if (p.types.length) w.push(`type IN (${p.types.map((t) => add(t)).join(', ')})`);
  if (p.from !== null) w.push(`ts_ms >= ${add(p.from)}`);
  if (p.to !== null) w.push(`ts_ms < ${add(p.to)}`);
  if (p.hasLink) w.push(`(text ILIKE '%http://%' OR text ILIKE '%https://%' OR text ILIKE '%www.%')`);
  return { where: w.join(' AND ') || 'true', params };
}

export interface Postgres {
  /** page of 20 + count(*), as the old bench and the product's answer do; resolves with the count */
  search(q: string): Promise<number>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Whether PostgreSQL 15 (Debian's postgresql-15 with pg_trgm) is installed here. */
export function postgresInstalled(): boolean {
  return fs.existsSync(path.join(PG_BIN, 'pg_ctl'));
}

/** Start (initdb once) the bench cluster under root, load the CSV into database search_<label> with a pg_trgm GIN index (cached). */
export async function startPostgres(root: string, label: string, csv: string, n: number): Promise<Postgres> {
  const data = path.join(root, 'data');
  const sock = path.join(root, 'sock');
  fs.mkdirSync(sock, { recursive: true });
  execFileSync('chown', ['-R', 'postgres:postgres', root]);
  const asPg = (cmd: string, args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, cmd), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (!fs.existsSync(path.join(data, 'PG_VERSION'))) asPg('initdb', ['-D', data, '--encoding=UTF8', '--locale=C.UTF-8', '--auth=trust', '-U', 'postgres']);
  const port = await freePort();
  const conf = `-p ${port} -k ${sock} -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c work_mem=64MB -c max_parallel_workers_per_gather=2 -c maintenance_work_mem=1GB -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  asPg('pg_ctl', ['-D', data, '-o', conf, '-l', path.join(root, 'postgres.log'), '-w', 'start']);
  let stopped = false;
  const stopCluster = () => {
    if (stopped) return;
    stopped = true;
    try {
      asPg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    } catch {
      // already stopped
    }
  };
  process.on('exit', stopCluster);
  const connect = async (database: string) => {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database });
    await c.connect();
    return c;
  };
  const admin = await connect('postgres');
  const mine = `search_${label.toLowerCase()}`;
  if ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [mine])).rowCount === 0) await admin.query(`CREATE DATABASE ${mine}`);
  await admin.end();
  const client = await connect(mine);
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  await client.query(`CREATE TABLE IF NOT EXISTS messages (id text, channel text, user_id text, nick text, type text, text text, ts_ms bigint, kafka_partition int, kafka_offset bigint)`);
  const have = Number((await client.query('SELECT count(*) AS n FROM messages')).rows[0].n);
  const indexed = (await client.query(`SELECT 1 FROM pg_indexes WHERE indexname = 'messages_text_trgm'`)).rowCount! > 0;
  if (have !== n || !indexed) {
    await client.query('TRUNCATE messages');
    await client.query('DROP INDEX IF EXISTS messages_text_trgm');
    let t0 = performance.now();
    await client.query(`COPY messages (${CSV_COLUMNS.join(', ')}) FROM '${csv.replace(/'/g, "''")}' WITH (FORMAT csv, HEADER true)`);
    say(`loaded ${n} messages into PostgreSQL in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    t0 = performance.now();
    await client.query('CREATE INDEX messages_text_trgm ON messages USING gin (text gin_trgm_ops)');
    await client.query('CREATE INDEX IF NOT EXISTS messages_ts ON messages (ts_ms DESC, id DESC)');
    await client.query('ANALYZE messages');
    say(`built the pg_trgm GIN index in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  return {
    async search(q) {
      const { where, params } = toSql(q);
      await client.query(`SELECT id, channel, nick, text, ts_ms, kafka_partition, kafka_offset FROM messages WHERE ${where} ORDER BY ts_ms DESC, id DESC LIMIT 20`, params);
      return Number((await client.query(`SELECT count(*) AS n FROM messages WHERE ${where}`, params)).rows[0].n);
    },
    async stop() {
      await client.end().catch(() => undefined);
      stopCluster();
    },
  };
}
