// The DuckDB layer (core/db.ts): typed bulk inserts on both paths, streamed
// reads, pooled/leased sessions, prepared statements, scalar functions, the
// one way values are read, and the write-fault hook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Database, defineTable, chunkRows, type Chunk } from './db.ts';
import { readSpool, spoolInsertSql, SpoolWriter } from './db-spool.ts';

const ALL_TYPES = defineTable('all_types', {
  s: 'VARCHAR NOT NULL',
  j: 'JSON',
  i: 'INTEGER',
  b: 'BIGINT',
  d: 'DOUBLE',
  f: 'BOOLEAN',
  raw: 'BLOB',
  at: 'TIMESTAMPTZ',
  day: 'DATE',
  tags: 'VARCHAR[]',
});

const T0 = Date.UTC(2024, 7, 27, 0, 14, 35, 123); // 2024-08-27 09:14:35.123 in Seoul

function sample(n: number): unknown[][] {
  return Array.from({ length: n }, (_, k) => [
    `회의는 3시에 시작합니다 #${k}\n\t탭 😀`,
    k % 3 ? { 한글: '값', k } : null,
    k % 5 ? k - 2 : null,
    k % 2 ? 2n ** 53n + BigInt(k) : k,
    k / 8,
    k % 2 === 0,
    k % 4 ? Buffer.from([0xed, 0xa0, 0x80, k & 0xff]) : null,
    // the three spellings of an instant: µs bigint, ms number, Date
    [BigInt(T0 + k) * 1000n + 7n, T0 + k, new Date(T0 + k)][k % 3],
    k % 7 ? '2024-08-27' : null,
    k % 6 ? ['파묘', `감독${k}`] : [],
  ]);
}

test('typed inserts: the INSERT path and the appender path store identical rows of every column type', async () => {
  const dump = async (db: Database) => JSON.stringify(await db.all('SELECT s, CAST(j AS VARCHAR) AS j, i, b::VARCHAR AS b, d, f, hex(raw) AS raw, epoch_us("at") AS "at", day::VARCHAR AS day, tags FROM all_types ORDER BY s'));
  const a = await Database.open(':memory:');
  const b = await Database.open(':memory:');
  for (const db of [a, b]) await db.ensureTables([ALL_TYPES]);
  const rows = sample(600);
  await a.transaction((tx) => tx.insert(ALL_TYPES, rows, { via: 'insert' }));
  await b.transaction((tx) => tx.insert(ALL_TYPES, rows, { via: 'appender' }));
  const da = await dump(a);
  assert.equal(da, await dump(b));
  const first = await a.one<Record<string, unknown>>(`SELECT s, CAST(j AS VARCHAR) AS j, b, epoch_us("at") AS "at", day, tags FROM all_types WHERE s LIKE '%#1\n%'`);
  assert.equal(first!.s, '회의는 3시에 시작합니다 #1\n\t탭 😀');
  assert.deepEqual(JSON.parse(String(first!.j)), { 한글: '값', k: 1 });
  assert.equal(first!.b, String(2n ** 53n + 1n), 'a bigint beyond 2^53 reads back exactly (as its decimal string)');
  assert.equal(first!.at, (T0 + 1) * 1000, 'a ms number is an instant in ms');
  assert.ok(first!.day instanceof Date && first!.day.toISOString() === '2024-08-27T00:00:00.000Z');
  assert.deepEqual(first!.tags, ['파묘', '감독1']);
  const us = await a.one<{ at: number }>(`SELECT epoch_us("at") AS "at" FROM all_types WHERE s LIKE '%#0\n%'`);
  assert.equal(us!.at, T0 * 1000 + 7, 'a bigint is microseconds');
  await a.close();
  await b.close();
});

test('the appender takes rows from a generator (made as appended) and lets the event loop run during a big batch', async () => {
  const db = await Database.open(':memory:');
  await db.ensureTables([ALL_TYPES]);
  const rows = sample(30_000);
  let made = 0;
  let turnsAtFirst = -1;
  let turnsAtLast = -1;
  function* generated(): Generator<unknown[]> {
    for (const r of rows) {
      if (made++ === 0) turnsAtFirst = turns;
      yield r;
    }
    turnsAtLast = turns;
  }
  // other work on the event loop: counts how often it got a turn during the insert
  let turns = 0;
  let inserting = true;
  const tick = () => {
    if (!inserting) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  await db.transaction((tx) => tx.insert(ALL_TYPES, generated()));
  inserting = false;
  assert.equal(made, rows.length);
  assert.equal((await db.one<{ n: number }>('SELECT count(*) AS n FROM all_types'))!.n, rows.length);
  const last = await db.one<{ s: string; tags: string[] }>(`SELECT s, tags FROM all_types WHERE s LIKE '%#29999\n%'`);
  assert.deepEqual(last, { s: '회의는 3시에 시작합니다 #29999\n\t탭 😀', tags: ['파묘', '감독29999'] });
  // 30,000 rows take far longer than one turn (core/turns.ts) on any machine: other work ran between the first row and the last
  assert.ok(turnsAtLast > turnsAtFirst, `the event loop ran other work during the insert (${turnsAtFirst} → ${turnsAtLast})`);
  await db.close();
});

test('a layout that does not match its table is refused by name; a failed insert rolls the transaction back', async () => {
  const db = await Database.open(':memory:');
  await db.ensureTables([ALL_TYPES]);
  const short = defineTable('all_types', { s: 'VARCHAR NOT NULL' });
  await assert.rejects(
    db.transaction((tx) => tx.insert(short, Array.from({ length: 2000 }, (_, k) => [`x${k}`]))),
    /all_types has 10 columns, its layout declares 1/,
  );
  await assert.rejects(
    db.transaction(async (tx) => {
      await tx.insert(ALL_TYPES, sample(3));
      await tx.insert(ALL_TYPES, [[null, null, null, null, null, null, null, null, null, null]]);
    }),
    /NOT NULL/i,
  );
  assert.equal((await db.one<{ n: number }>('SELECT count(*) AS n FROM all_types'))!.n, 0, 'nothing half-written');
  assert.throws(() => defineTable('x; DROP TABLE y', { a: 'VARCHAR' }), /plain identifier/);
  assert.throws(() => defineTable('x', { a: 'TEXTISH' }), /unknown type TEXTISH/);
  await db.close();
});

test('values are read one way: safe bigints as numbers, timestamps and dates as Date, from rows and from streams alike', async () => {
  const db = await Database.open(':memory:');
  const sql = "SELECT 42::BIGINT AS n, 9007199254740993::BIGINT AS big, TIMESTAMPTZ '2024-08-27 09:14:35.123+09' AS at, DATE '2024-08-27' AS day, [1, 2]::BIGINT[] AS list";
  const row = (await db.one<Record<string, unknown>>(sql))!;
  const chunks: Chunk[] = [];
  for await (const c of db.stream(sql)) chunks.push(c);
  const streamed = Object.fromEntries(chunks[0].names.map((n, i) => [n, chunks[0].columns[i][0]]));
  for (const r of [row, streamed]) {
    assert.equal(r.n, 42);
    assert.equal(r.big, '9007199254740993');
    assert.ok(r.at instanceof Date && r.at.getTime() === T0);
    assert.ok(r.day instanceof Date && r.day.getTime() === Date.UTC(2024, 7, 27));
    assert.deepEqual(r.list, [1, 2]);
  }
  assert.deepEqual(chunks[0].types, ['BIGINT', 'BIGINT', 'TIMESTAMP WITH TIME ZONE', 'DATE', 'BIGINT[]']);
  await db.close();
});

test('streams read large results chunk by chunk on their own connections, and give them back when a loop breaks', async () => {
  const db = await Database.open(':memory:');
  let rows = 0;
  let chunks = 0;
  for await (const c of db.stream('SELECT i, i::VARCHAR || \'번째\' AS t FROM range(10000) r(i)')) {
    chunks++;
    rows += c.rowCount;
    if (chunks === 1) assert.deepEqual(chunkRows(c)[1], [1, '1번째']);
  }
  assert.equal(rows, 10000);
  assert.ok(chunks >= 5, `read in chunks (${chunks})`);
  // more early exits than the stream pool has connections: each one was returned
  for (let k = 0; k < 10; k++) {
    for await (const c of db.stream('SELECT * FROM range(100000)')) {
      assert.ok(c.rowCount > 0);
      break;
    }
  }
  // a stream does not hold a reader: reads go on while one is open
  const open = db.stream('SELECT * FROM range(100000)');
  await open.next();
  assert.equal((await db.one<{ n: number }>('SELECT 1 AS n'))!.n, 1);
  await open.return(undefined);
  await db.close();
});

test('pools lend sessions one at a time; a prepared statement is classified, bound from JS and streamed; interrupt stops it', async () => {
  const db = await Database.open(':memory:');
  const pool = db.pool('test', { size: 1 });
  assert.equal(db.pool('test'), pool, 'one pool per name');
  const order: string[] = [];
  await Promise.all([
    pool.use(async (s) => {
      order.push('a+');
      await s.all('SELECT count(*) FROM range(200000)');
      order.push('a-');
    }),
    pool.use(async () => {
      order.push('b+');
    }),
  ]);
  assert.deepEqual(order, ['a+', 'a-', 'b+'], 'size 1: the second caller waited');

  await pool.use(async (s) => {
    const st = await s.statements('SELECT $who AS who, $n AS n, $x AS x, $ok AS ok, $names AS names; DELETE FROM t');
    assert.equal(st.count, 2);
    const p = await st.prepare(0);
    assert.equal(p.statementType, 'SELECT');
    const values: Record<string, unknown> = { who: '민수', n: 3, x: 0.5, ok: true, names: ['민수', '지영'] };
    for (let i = 1; i <= p.parameterCount; i++) assert.equal(p.bind(i, values[p.parameterName(i)]), true);
    const result = await p.stream();
    assert.deepEqual(result.names, ['who', 'n', 'x', 'ok', 'names']);
    const got: unknown[][] = [];
    for await (const c of result) got.push(...chunkRows(c));
    assert.deepEqual(got, [['민수', 3, 0.5, true, ['민수', '지영']]]);
    assert.equal(p.bind(1, { not: 'bindable' }), false);
    p.destroy();
    await s.run('CREATE TABLE t (a INTEGER)');
    const del = await (await s.statements('DELETE FROM t')).prepare(0);
    assert.equal(del.statementType, 'DELETE');
    del.destroy();

    const timer = setTimeout(() => s.interrupt(), 50);
    await assert.rejects(s.all('SELECT count(*) FROM range(100000000000) a'), /interrupt/i);
    clearTimeout(timer);
  });
  await db.close();
});

test('a scalar function registered once is visible to every connection, NULL in → NULL out', async () => {
  const db = await Database.open(':memory:');
  const fn = { name: 'ko_split', parameters: ['VARCHAR'] as const, returns: 'VARCHAR[]' as const, fn: (t: unknown) => (typeof t === 'string' ? t.split(' ') : null) };
  await db.registerFunction({ ...fn, parameters: [...fn.parameters] });
  await db.registerFunction({ ...fn, parameters: [...fn.parameters] }); // again: left alone, no error
  const r = await db.all<{ w: string[] | null }>("SELECT ko_split(t) AS w FROM (VALUES ('회의는 세 시'), (NULL)) v(t)");
  assert.deepEqual(r, [{ w: ['회의는', '세', '시'] }, { w: null }]);
  await db.pool('other').use(async (s) => assert.deepEqual(await s.all("SELECT ko_split('a b') AS w"), [{ w: ['a', 'b'] }]));
  await db.close();
});

test('an injected write fault fails the statement like DuckDB would, rolls back, and clears when removed', async () => {
  const db = await Database.open(':memory:');
  await db.ensureTables([ALL_TYPES]);
  db.injectFault((sql) => (/INSERT INTO all_types/.test(sql) ? new Error('IO Error: No space left on device') : null));
  await assert.rejects(db.transaction((tx) => tx.insert(ALL_TYPES, sample(2))), /No space left on device/);
  assert.equal((await db.one<{ n: number }>('SELECT count(*) AS n FROM all_types'))!.n, 0);
  // the writer is usable again at once (the rollback ran despite the fault)
  await db.run('CREATE TABLE other (a INTEGER)');
  db.injectFault(null);
  await db.transaction((tx) => tx.insert(ALL_TYPES, sample(2)));
  assert.equal((await db.one<{ n: number }>('SELECT count(*) AS n FROM all_types'))!.n, 2);
  await db.close();
});

test('a write lane commits beside an open transaction of the main writer, gets injected faults, and closes with the database', { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-db-lane-'));
  const db = await Database.open(path.join(dir, 'lane.duckdb'));
  let release = () => {};
  try {
    await db.run('CREATE TABLE bulk (n INTEGER)');
    await db.run('CREATE TABLE trail (id VARCHAR PRIMARY KEY, status INTEGER)');
    const held = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const opened = new Promise<void>((r) => (inside = r));
    // the main writer inside a transaction that stays open until released (as a bulk store does for seconds)
    const bulk = db.transaction(async (tx) => {
      await tx.run('INSERT INTO bulk SELECT range FROM range(1000)');
      inside();
      await held;
    });
    await opened;
    // both lane writes finish while that transaction is still open: nothing queued them behind it
    assert.equal(await db.lane('audit').run("INSERT INTO trail VALUES ('a', NULL)"), 1);
    assert.equal(await db.lane('audit').run("UPDATE trail SET status = 200 WHERE id = 'a'"), 1);
    assert.deepEqual(await db.all('SELECT id, status FROM trail'), [{ id: 'a', status: 200 }]);
    assert.equal((await db.one<{ n: number }>('SELECT count(*) AS n FROM bulk'))!.n, 0, 'the open transaction is not visible yet');
    release();
    await bulk;
    assert.equal((await db.one<{ n: number }>('SELECT count(*) AS n FROM bulk'))!.n, 1000);
    // a disk error is not tried again: the caller hears of it at once
    let tries = 0;
    db.injectFault((sql) => (/INSERT INTO trail/.test(sql) && ++tries ? new Error('IO Error: No space left on device') : null));
    await assert.rejects(db.lane('audit').run("INSERT INTO trail VALUES ('b', NULL)"), /No space left on device/);
    assert.equal(tries, 1);
    // a buffer pool full of other transactions' pinned pages is: the statement is tried again until it commits (once)
    tries = 0;
    const oom = 'TransactionContext Error: Failed to commit: failed to pin block of size 256.0 KiB (183.0 MiB/183.1 MiB used)';
    db.injectFault((sql) => (/INSERT INTO trail/.test(sql) && ++tries <= 2 ? new Error(oom) : null));
    assert.equal(await db.lane('audit').run("INSERT INTO trail VALUES ('c', NULL)"), 1);
    assert.equal(tries, 3);
    // for a bounded time: then the refusal is the caller's
    tries = 0;
    db.injectFault((sql) => (/INSERT INTO trail/.test(sql) && ++tries ? new Error(oom) : null));
    await assert.rejects(db.lane('short', { retryMs: [1, 1] }).run("INSERT INTO trail VALUES ('e', NULL)"), /failed to pin block/);
    assert.equal(tries, 3);
    db.injectFault(null);
    assert.deepEqual((await db.all<{ id: string }>('SELECT id FROM trail ORDER BY id')).map((r) => r.id), ['a', 'c']);
  } finally {
    release(); // a failed assertion above must not leave close() waiting for the held transaction
    await db.close();
  }
  await assert.rejects(db.lane('audit').run("INSERT INTO trail VALUES ('d', NULL)"), /closed/);
  // what the lane wrote is in the file after close
  const again = await Database.open(path.join(dir, 'lane.duckdb'));
  assert.equal((await again.one<{ n: number }>('SELECT count(*) AS n FROM trail'))!.n, 2);
  await again.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a spooled insert (core/db-spool.ts) stores the same rows as the typed insert, and the file reads back', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-spool-'));
  const dump = async (db: Database, table: string) =>
    JSON.stringify(await db.all(`SELECT s, CAST(j AS VARCHAR) AS j, i, b::VARCHAR AS b, d, f, hex(raw) AS raw, epoch_us("at") AS "at", day::VARCHAR AS day, tags FROM ${table} ORDER BY s, i`));
  const db = await Database.open(path.join(dir, 'k.duckdb'));
  try {
    // the common sample plus what JSON lines must carry exactly: quotes, backslashes, a lone surrogate, int64 beyond 2^53
    const extra = [`it's "인용" \\ 백슬래시`, `lone \ud800 surrogate`].map((text, k) => [text, { q: 'a"b' }, 1000 + k, 2n ** 60n + BigInt(k), 0.5, true, null, BigInt(T0) * 1000n + 7n, '2024-08-27', ['x']]);
    const rows = [...sample(300), ...extra];
    const EXPECTED = { ...ALL_TYPES, table: 'expected' };
    await db.ensureTables([ALL_TYPES, EXPECTED]);
    await db.transaction((tx) => tx.insert(EXPECTED, rows));
    const files = [path.join(dir, 'a.jsonl'), path.join(dir, "b'quote.jsonl")];
    const a = new SpoolWriter(ALL_TYPES, files[0]);
    const b = new SpoolWriter(ALL_TYPES, files[1]);
    rows.forEach((r, k) => (k < 150 ? a : b).add(r));
    a.close();
    b.close();
    assert.equal(a.rows + b.rows, rows.length);
    await db.transaction((tx) => tx.run(spoolInsertSql(ALL_TYPES, files)));
    assert.equal(await dump(db, 'all_types'), await dump(db, 'expected'));
    const back = [...readSpool(ALL_TYPES, files[0]), ...readSpool(ALL_TYPES, files[1])];
    assert.equal(back.length, rows.length);
    assert.equal(back.at(-1)![3], 2n ** 60n + 1n, 'int64 exact');
    assert.equal(back.at(-1)![7], BigInt(T0) * 1000n + 7n, 'instant exact to the µs');
    assert.deepEqual(back[1][6], Buffer.from([0xed, 0xa0, 0x80, 1]));
    assert.equal(back[0][0], rows[0][0]);
    assert.throws(() => spoolInsertSql(ALL_TYPES, []), /no files/);
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
