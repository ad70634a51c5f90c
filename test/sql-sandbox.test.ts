// The SQL sandbox refuses every escape with a clear reason and leaves the
// data exactly as it was (row counts and a checksum over every table).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SqlSandbox, SqlError } from '../audit/sql/sandbox.ts';
import { openFixture, type Fixture } from './notebook-fixtures.ts';

let fx: Fixture;
let box: SqlSandbox;

before(async () => {
  fx = await openFixture({ populated: true });
  box = await SqlSandbox.open(fx.db, { dataDir: fx.dataDir, timeoutMs: 300, rowCap: 5 });
  fs.mkdirSync(path.join(fx.dataDir, 'parquet'), { recursive: true });
  await fx.db.run(`COPY (SELECT channel, nick, text FROM messages) TO '${path.join(fx.dataDir, 'parquet', 'm.parquet')}' (FORMAT parquet)`);
});
after(async () => {
  box.close();
  await fx.close();
});

async function fingerprint(): Promise<Record<string, string>> {
  const tables = await fx.db.all<{ t: string }>("SELECT table_name AS t FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1");
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    const r = await fx.db.one<{ n: number; h: string }>(`SELECT count(*) AS n, coalesce(sum(hash(x))::VARCHAR, '0') AS h FROM "${t}" x`);
    out[t] = `${r?.n}:${r?.h}`;
  }
  const s = await fx.db.one<{ s: string }>("SELECT string_agg(name || '=' || value, ';' ORDER BY name) AS s FROM duckdb_settings() WHERE name IN ('threads','enable_external_access','lock_configuration','allowed_directories','memory_limit')");
  out.__settings = s?.s ?? '';
  out.__databases = (await fx.db.all<{ n: string }>('SELECT database_name AS n FROM duckdb_databases() ORDER BY 1')).map((r) => r.n).join(',');
  return out;
}

const HOSTILE: [string, string, RegExp][] = [
  ['COPY … TO', `COPY messages TO '/tmp/kchat-stolen.csv'`, /only SELECT.*COPY/],
  ['COPY … TO inside DATA_DIR', `COPY messages TO 'DATA/x.csv'`, /only SELECT.*COPY/],
  ['read_csv of /etc/passwd', `SELECT * FROM read_csv('/etc/passwd')`, /table function read_csv\(\) is not allowed/],
  ['read_csv_auto', `SELECT * FROM read_csv_auto('/etc/passwd')`, /read_csv_auto\(\) is not allowed/],
  ['a file path as table', `SELECT * FROM '/etc/passwd.csv'`, /reading files by path/],
  ['read_text of the admin token', `SELECT * FROM read_text('DATA/admin-token')`, /read_text\(\) is not allowed/],
  ['read_blob', `SELECT * FROM read_blob('/etc/hostname')`, /read_blob\(\) is not allowed/],
  ['glob', `SELECT * FROM glob('/etc/*')`, /glob\(\) is not allowed/],
  ['read_parquet outside DATA_DIR', `SELECT * FROM read_parquet('/tmp/x.parquet')`, /only \*\.parquet files under the data directory/],
  ['read_parquet climbing out', `SELECT * FROM read_parquet('DATA/../x.parquet')`, /only \*\.parquet files under the data directory/],
  ['read_parquet of the database file', `SELECT * FROM read_parquet('DATA/kchat.duckdb')`, /only \*\.parquet/],
  ['read_parquet with a computed path', `SELECT * FROM read_parquet('DATA/' || 'x.parquet')`, /constant path/],
  ['ATTACH', `ATTACH 'DATA/other.duckdb' AS o`, /ATTACH statement/],
  ['DETACH', `DETACH kchat`, /DETACH/],
  ['INSTALL', `INSTALL httpfs`, /only SELECT/],
  ['LOAD', `LOAD httpfs`, /only SELECT/],
  ['SET', `SET threads = 1`, /only SELECT/],
  ['RESET', `RESET lock_configuration`, /only SELECT/],
  ['state-changing PRAGMA', `PRAGMA enable_profiling`, /only SELECT|not allowed/],
  ['CHECKPOINT table function', `SELECT * FROM checkpoint()`, /checkpoint\(\) is not allowed/],
  ['CREATE TABLE', `CREATE TABLE evil AS SELECT 1`, /CREATE statement/],
  ['DROP TABLE', `DROP TABLE messages`, /DROP statement/],
  ['DELETE', `DELETE FROM messages`, /DELETE statement/],
  ['UPDATE', `UPDATE messages SET text = '해킹'`, /UPDATE statement/],
  ['INSERT', `INSERT INTO messages (id) VALUES ('x')`, /INSERT statement/],
  ['getenv', `SELECT getenv('HOME')`, /getenv\(\) is not allowed|does not exist/],
  ['current_setting', `SELECT current_setting('allowed_directories')`, /current_setting\(\) is not allowed/],
  ['query() with DML', `SELECT * FROM query('DELETE FROM messages')`, /query\(\) is not allowed/],
  ['query_table', `SELECT * FROM query_table('messages')`, /query_table\(\) is not allowed/],
  ['sniff_csv', `SELECT * FROM sniff_csv('/etc/passwd')`, /sniff_csv\(\) is not allowed/],
  ['two statements', `SELECT 1; DELETE FROM messages`, /only one statement per request.*2/],
  ['a write hidden in a CTE', `WITH x AS (DELETE FROM messages RETURNING *) SELECT * FROM x`, /.+/],
  ['EXPLAIN ANALYZE of a write', `EXPLAIN ANALYZE DELETE FROM messages`, /.+/],
  ['EXPORT DATABASE', `EXPORT DATABASE 'DATA/dump'`, /only SELECT/],
  ['transaction control', `BEGIN TRANSACTION`, /only SELECT/],
  ['CALL', `CALL checkpoint()`, /only SELECT.*CALL/],
  ['nextval', `SELECT nextval('s')`, /nextval\(\) is not allowed|does not exist/],
];

test('every sandbox escape is refused with the reason, and the data is untouched', async () => {
  const beforeState = await fingerprint();
  assert.ok(Number(beforeState.messages.split(':')[0]) > 0, 'fixture has messages');
  for (const [label, raw, reason] of HOSTILE) {
    const sql = raw.replace(/DATA/g, fx.dataDir);
    await assert.rejects(
      box.query(sql),
      (err: Error) => {
        assert.ok(err instanceof SqlError, `${label}: SqlError, got ${err.name}: ${err.message}`);
        assert.match(err.message, reason, label);
        return true;
      },
      label,
    );
  }
  assert.deepEqual(await fingerprint(), beforeState);
  assert.equal(fs.existsSync('/tmp/kchat-stolen.csv'), false);
  assert.equal(fs.existsSync(path.join(fx.dataDir, 'x.csv')), false);
  assert.equal(fs.existsSync(path.join(fx.dataDir, 'other.duckdb')), false);
  // the instance itself stays hardened
  await assert.rejects(fx.db.run('SET enable_external_access = true'), /locked/);
  await assert.rejects(fx.db.all("SELECT * FROM read_csv('/etc/passwd')"), /disabled by configuration/);
});

test('allowed reads work: SELECT, EXPLAIN, DESCRIBE, read_parquet under DATA_DIR, ko_tokens', async () => {
  const r = await box.query('SELECT channel, count(*) AS n FROM messages GROUP BY 1 ORDER BY 1');
  assert.deepEqual(r.columns, ['channel', 'n']);
  assert.ok(r.rows.some((row) => row[0] === 'general'));
  assert.ok((await box.query('EXPLAIN SELECT * FROM messages')).rows.length > 0);
  assert.ok((await box.query('DESCRIBE messages', undefined, 100)).rows.some((row) => row[0] === 'text'));
  const pq = await box.query(`SELECT count(*) AS n FROM read_parquet('${path.join(fx.dataDir, 'parquet', '*.parquet')}')`);
  assert.ok(Number(pq.rows[0][0]) > 0);
  const tokens = await box.query("SELECT ko_tokens('회의에서 배포를 정했어요') AS t");
  assert.ok((tokens.rows[0][0] as string[]).includes('회의'));
  assert.ok((tokens.rows[0][0] as string[]).includes('배포'));
});

test('parameters are bound, never pasted: a quote and Korean text come back unchanged', async () => {
  const tricky = "민수' OR '1'='1 -- 한국어 \"따옴표\"";
  const r = await box.query('SELECT $who AS who, length($who) AS len, $n + 1 AS n1', { who: tricky, n: 41 });
  assert.equal(r.rows[0][0], tricky);
  assert.equal(r.rows[0][1], [...tricky].length);
  assert.equal(r.rows[0][2], 42);
  const none = await box.query('SELECT count(*) AS n FROM messages WHERE nick = $who', { who: tricky });
  assert.equal(none.rows[0][0], 0, 'the injection attempt matches nothing');
  const hit = await box.query('SELECT count(*) AS n FROM messages WHERE nick = $who', { who: '민수' });
  assert.equal(hit.rows[0][0], 3);
  const list = await box.query('SELECT count(*) AS n FROM messages WHERE list_contains($names, nick)', { names: ['민수', '지영'] });
  assert.equal(list.rows[0][0], 6);
  await assert.rejects(box.query('SELECT $missing AS x', {}), /parameter \$missing has no value/);
});

test('row cap and statement timeout', async () => {
  const capped = await box.query('SELECT * FROM range(100)');
  assert.equal(capped.rows.length, 5);
  assert.equal(capped.truncated, true);
  let streamed = 0;
  await box.stream('SELECT * FROM range(3000)', undefined, () => undefined, (rows) => void (streamed += rows.length));
  assert.equal(streamed, 3000, 'CSV streaming has no row cap');
  await assert.rejects(box.query('SELECT count(*) FROM range(100000000000) a'), (err: Error) => err instanceof SqlError && err.status === 408 && /stopped/.test(err.message));
  // the connection is usable after the interrupt
  assert.equal((await box.query('SELECT 7 AS n')).rows[0][0], 7);
});
