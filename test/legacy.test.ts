// Every file in ../shared/data/legacy imports with exact counts, Korean text
// and punctuation intact, lone surrogates cleaned; re-importing adds nothing.
// Imports go through Kafka like every event: the records are produced to the
// test's chat.events and stored by the real ingest consumer.
// Plus the relatives the brief names (Parquet, JSON with raw non-ASCII,
// broken lines) and the CLI's --json summary shape.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Config } from '../core/config.ts';
import { Database } from '../core/db.ts';
import type { KafkaClient } from '../core/kafka.ts';
import { startIngest } from '../ingest/consumer.ts';
import { importLegacy as importToKafka } from '../ingest/legacy/import.ts';
import { storedIds } from '../ingest/legacy/stored.ts';
import { legacyDir, repoRoot, tempEnv } from './helpers/ingest.ts';
import { testKafka } from './helpers/kafka.ts';

const clients = new Map<Config, KafkaClient>();

/** Import `files` through the test's Kafka, then let ingest store them (as `npm start` would). */
async function importLegacy(o: { db: Database; config: Config; files: string[]; channel?: string }) {
  let kafka = clients.get(o.config);
  if (!kafka) clients.set(o.config, (kafka = await testKafka(o.config, 'test-legacy')));
  const k = kafka;
  const result = await importToKafka({
    config: o.config,
    files: o.files,
    channel: o.channel,
    send: async (messages) => void (await k.send(k.names.topics.events, messages)),
    known: (source) => storedIds(o.db, source),
  });
  const ingest = await startIngest({ config: o.config, db: o.db, kafka: k });
  try {
    await ingest.caughtUp();
  } finally {
    await ingest.stop();
  }
  return result;
}
after(async () => {
  for (const k of clients.values()) await k.disconnect();
});

const haveData = fs.existsSync(legacyDir);
const FILES = ['chat_20240827.log', 'doublechat_messages.jsonl', 'team4_data.csv', 'teamchat_test1_messages.json'];

describe('legacy import of the bootcamp files', { skip: haveData ? false : `${legacyDir} is absent (shared data not checked out beside the repo)` }, () => {
  const t = tempEnv('legacy');
  let db: Database;
  before(async () => {
    db = await Database.open(t.config.dbPath);
  });
  after(async () => {
    await db.close();
    t.cleanup();
  });

  test('counts per file: read = imported + duplicates + rejected, broken lines named', async () => {
    const { files } = await importLegacy({ db, config: t.config, files: FILES.map((f) => path.join(legacyDir, f)) });
    assert.deepEqual(
      files.map((f) => ({ file: path.basename(f.file), format: f.format, read: f.read, imported: f.imported, duplicates: f.duplicates, rejected: f.rejected })),
      [
        {
          file: 'chat_20240827.log',
          format: 'python-dict',
          read: 530,
          imported: 520,
          duplicates: 8, // lines 361–367 repeat offsets 640–646 (two clients wrote the same log) + line 354
          rejected: [
            { line: 205, reason: 'empty user in field "user"' },
            { line: 403, reason: 'empty user in field "user"' },
          ],
        },
        { file: 'doublechat_messages.jsonl', format: 'jsonl', read: 122, imported: 122, duplicates: 0, rejected: [] },
        { file: 'team4_data.csv', format: 'csv', read: 1179, imported: 1169, duplicates: 10, rejected: [] },
        { file: 'teamchat_test1_messages.json', format: 'json-array', read: 72, imported: 72, duplicates: 0, rejected: [] },
      ],
    );
    for (const f of files) assert.equal(f.read, f.imported + f.duplicates + f.rejected.length);
    const bySource = await db.all('SELECT source, type, count(*) AS n FROM messages GROUP BY ALL ORDER BY ALL');
    // source type count, one line a row
    assert.deepEqual(
      bySource.map((r) => `${r.source} ${r.type} ${r.n}`),
      `
legacy:chat_20240827.log bot 7
legacy:chat_20240827.log message 513
legacy:doublechat_messages.jsonl join 42
legacy:doublechat_messages.jsonl leave 19
legacy:doublechat_messages.jsonl message 61
legacy:team4_data.csv bot 24
legacy:team4_data.csv join 39
legacy:team4_data.csv leave 18
legacy:team4_data.csv message 1088
legacy:teamchat_test1_messages.json join 4
legacy:teamchat_test1_messages.json leave 17
legacy:teamchat_test1_messages.json message 51
`
        .trim()
        .split('\n'),
    );
    const members = await db.one<{ n: number }>('SELECT count(*) AS n FROM channel_membership');
    assert.equal(members!.n, 42 + 19 + 39 + 18 + 4 + 17);
  });

  test('Korean text and punctuation intact; lone surrogates → U+FFFD; times in Seoul; original line kept', async () => {
    const one = async (sql: string, params: unknown[] = []) => (await db.one<Record<string, unknown>>(sql, params))!;
    const r1 = await one("SELECT nick, text, ts_ms, meta FROM messages WHERE source = 'legacy:chat_20240827.log' AND (meta->>'$.legacy.line')::INT = 3");
    assert.deepEqual([r1.nick, r1.text, r1.ts_ms], ['이상우', '안녕', Date.parse('2024-08-27T05:37:31.425Z')]);
    const meta = JSON.parse(String(r1.meta));
    assert.equal(meta.legacy.original, `{'message': '안녕', 'time': '2024-08-27 14:37:31.425318', 'user': '이상우', 'offset': 290}`);
    assert.equal(meta.legacy.offset, 290);
    const r2 = await one("SELECT text FROM messages WHERE source = 'legacy:chat_20240827.log' AND (meta->>'$.legacy.line')::INT = 2");
    assert.equal(r2.text, '\uFFFD\uFFFD', "'\\udcf9\\udcf7' (IME leftovers) cleaned, not dropped");
    const surrogates = await one("SELECT count(*) AS n FROM messages WHERE text LIKE '%\uFFFD%'");
    assert.equal(surrogates.n, 42); // distinct chat_20240827.log records with \udcXX escapes
    // punctuation the bootcamp's regex whitelist ate
    for (const text of ['잘 보입니다.', '잘 되시나요??', '영화 "광해, 왕이 된 남자"의 장르는 사극입니다.', "what's your name?", '입력창 이상할땐 그냥 엔터 한번 쳐주세요..']) {
      const hit = await db.all('SELECT id FROM messages WHERE text = ? OR text LIKE ?', [text, `%${text}`]);
      assert.ok(hit.length >= 1, `"${text}" survives`);
    }
    const multi = await one("SELECT text, nick, type FROM messages WHERE source = 'legacy:team4_data.csv' AND text LIKE '태영님, 정확히 어떤 영화를%' AND text LIKE '%노르웨이'");
    assert.match(String(multi.text), /ex\) @bot 숫자\n\n 1\. 제목/);
    assert.deepEqual([multi.nick, multi.type], ['@bot', 'bot']);
    const epoch = await one("SELECT ts_ms FROM messages WHERE text = '영화 \"광해, 왕이 된 남자\"의 장르는 사극입니다.' AND source = 'legacy:team4_data.csv'");
    assert.equal(epoch.ts_ms, 1724721677927);
    const yymmdd = await one("SELECT ts_ms FROM messages WHERE nick = 'jj' AND text = '안녕하세요!'");
    assert.equal(yymmdd.ts_ms, Date.parse('2024-08-27T01:27:24Z'));
    const join = await one("SELECT nick, user_id FROM channel_membership WHERE source = 'legacy:team4_data.csv' AND action = 'join' ORDER BY ts LIMIT 1");
    assert.deepEqual([join.nick, join.user_id], ['j25ng', 'legacy:j25ng']);
    const noTime = await one("SELECT count(*) AS n FROM messages WHERE source = 'legacy:teamchat_test1_messages.json' AND ts IS NULL");
    assert.equal(noTime.n, 72, 'the JSON array has no times: kept with ts NULL, not invented');
    // Imports go through chat.events like every event, which the search service (search/) reads itself;
    // here: stored as written, found case-insensitively.
    const found = await db.all<{ text: string }>("SELECT text FROM messages WHERE lower(text) LIKE '%monitor test%'");
    assert.deepEqual(found.map((h) => h.text), ['Monitor Test'], 'imported rows are stored as written');
  });

  test('re-importing adds nothing and counts every record as a duplicate', async () => {
    const before = (await db.one<{ n: number }>('SELECT count(*) AS n FROM messages'))!.n;
    const { files } = await importLegacy({ db, config: t.config, files: FILES.map((f) => path.join(legacyDir, f)) });
    assert.deepEqual(
      files.map((f) => [f.read, f.imported, f.duplicates, f.rejected.length]),
      [
        [530, 0, 528, 2],
        [122, 0, 122, 0],
        [1179, 0, 1179, 0],
        [72, 0, 72, 0],
      ],
    );
    assert.equal((await db.one<{ n: number }>('SELECT count(*) AS n FROM messages'))!.n, before);
  });
});

describe('legacy import of relatives: Parquet, JSON with raw non-ASCII, broken lines', () => {
  const t = tempEnv('legacy-rel');
  let db: Database;
  const dir = path.join(t.dataDir, 'in');
  before(async () => {
    fs.mkdirSync(dir, { recursive: true });
    db = await Database.open(t.config.dbPath);
  });
  after(async () => {
    await db.close();
    t.cleanup();
  });

  test('a team Parquet file (read through DuckDB) with aliases and timestamp columns', async () => {
    const file = path.join(dir, 'team4_chat.parquet');
    await db.run(
      `COPY (SELECT * FROM (VALUES ('수진', '점심은 김치찌개?', TIMESTAMP '2024-08-27 03:00:00', 'chat1'), ('태영', '좋아요, 12시에!', TIMESTAMP '2024-08-27 03:01:00', 'chat1'), ('수진', '점심은 김치찌개?', TIMESTAMP '2024-08-27 03:00:00', 'chat1'))
        AS t(Username, Content, Received_Time, Room)) TO '${file}' (FORMAT PARQUET)`,
    );
    const { files } = await importLegacy({ db, config: t.config, files: [file] });
    assert.deepEqual(files[0], { file, format: 'parquet', read: 3, imported: 2, duplicates: 1, rejected: [] });
    const rows = await db.all("SELECT nick, text, channel FROM messages WHERE source = 'legacy:team4_chat.parquet' ORDER BY ts_ms");
    assert.deepEqual(rows, [
      { nick: '수진', text: '점심은 김치찌개?', channel: 'chat1' },
      { nick: '태영', text: '좋아요, 12시에!', channel: 'chat1' },
    ]);
    assert.equal(fs.existsSync(path.join(t.dataDir, 'tmp')), false, 'read where it is: no copy in DATA_DIR');
  });

  test('broken lines are reported with their line number and reason; the rest imports', async () => {
    const log = path.join(dir, 'mixed.log');
    fs.writeFileSync(
      log,
      [
        `{'message': '첫 줄, 괜찮아요.', 'time': '2024-08-27 09:00:00', 'user': '민수', 'offset': 1}`,
        `{"message": "JSON 줄도 돼요?", "time": "Tue Aug 27 09:01:00 2024", "user": "지은", "offset": 2, "end": false}`,
        `{'message': '잘린 줄`,
        ``,
        `{'message': eval('1+1'), 'user': 'x'}`,
        `{'message': '시간이 이상해', 'time': '어제', 'user': '민수'}`,
        `{'msg': '별칭도 \\xe9\\uc548 돼요', 'Timestamp': 1724716920, 'Sender': '도윤', 'chat_room': '개발'}`,
        `['not', 'a', 'dict']`,
      ].join('\n'),
    );
    const { files } = await importLegacy({ db, config: t.config, files: [log], channel: 'bootcamp' });
    const f = files[0];
    assert.equal(f.format, 'python-dict');
    assert.deepEqual([f.read, f.imported, f.duplicates], [7, 3, 0]);
    assert.deepEqual(
      f.rejected.map((r) => r.line),
      [3, 5, 6, 8],
    );
    assert.match(f.rejected[0].reason, /unterminated string/);
    assert.match(f.rejected[1].reason, /"eval" is not a literal/);
    assert.match(f.rejected[2].reason, /unrecognised time format "어제"/);
    assert.match(f.rejected[3].reason, /not a dict/);
    const rows = await db.all("SELECT nick, text, channel FROM messages WHERE source = 'legacy:mixed.log' ORDER BY ts_ms");
    assert.deepEqual(rows, [
      { nick: '민수', text: '첫 줄, 괜찮아요.', channel: 'bootcamp' },
      { nick: '지은', text: 'JSON 줄도 돼요?', channel: 'bootcamp' },
      { nick: '도윤', text: '별칭도 é안 돼요', channel: '개발' },
    ]);
  });

  test('JSON arrays and lines with raw (unescaped) Korean; a broken array element is named', async () => {
    const arr = path.join(dir, 'raw.json');
    fs.writeFileSync(arr, '[\n  {"sender": "하준", "message": "날것의 한글, 괜찮죠?", "timestamp": "2024-08-27T10:00:00+09:00"},\n  {"sender": "하준", "message": broken},\n  {"sender": "서연", "message": "네!"}\n]\n');
    const { files } = await importLegacy({ db, config: t.config, files: [arr] });
    assert.deepEqual([files[0].format, files[0].read, files[0].imported], ['json-array', 3, 2]);
    assert.equal(files[0].rejected[0].line, 3);
    assert.match(files[0].rejected[0].reason, /invalid JSON/);
    const row = await db.one<{ text: string; ts_ms: number }>("SELECT text, ts_ms FROM messages WHERE nick = '하준'");
    assert.deepEqual(row, { text: '날것의 한글, 괜찮죠?', ts_ms: Date.parse('2024-08-27T01:00:00Z') });
  });

  test('two imports of one file at once store each record once; a line too long for Kafka is rejected by name', async () => {
    const file = path.join(dir, 'race.jsonl');
    fs.writeFileSync(
      file,
      [
        JSON.stringify({ user: '민수', message: '동시에 두 번 가져와도', time: '2024-08-27 10:00:00' }),
        JSON.stringify({ user: '지은', message: '한 번만 저장돼요', time: '2024-08-27 10:00:01' }),
        JSON.stringify({ user: '도윤', message: '가'.repeat(400_000), time: '2024-08-27 10:00:02' }),
        JSON.stringify({ user: '서연', message: '마지막 줄', time: '2024-08-27 10:00:03' }),
      ].join('\n'),
    );
    let kafka = clients.get(t.config);
    if (!kafka) clients.set(t.config, (kafka = await testKafka(t.config, 'test-legacy')));
    const k = kafka;
    // Both runs start before either is stored: each sends every record (its counts are as of its start) …
    const run = () =>
      importToKafka({ config: t.config, files: [file], send: async (m) => void (await k.send(k.names.topics.events, m)), known: (source) => storedIds(db, source) });
    const [a, b] = await Promise.all([run(), run()]);
    for (const r of [a, b]) {
      assert.deepEqual([r.files[0].read, r.files[0].imported, r.files[0].duplicates], [4, 3, 0]);
      assert.equal(r.files[0].rejected[0].line, 3);
      assert.match(r.files[0].rejected[0].reason, /record too large for the chat log \(\d+ bytes as an envelope; at most \d+\)/);
    }
    // … and ingest stores each id once.
    const ingest = await startIngest({ config: t.config, db, kafka: k });
    await ingest.caughtUp();
    await ingest.stop();
    const rows = await db.all<{ nick: string }>("SELECT nick FROM messages WHERE source = 'legacy:race.jsonl' ORDER BY ts_ms");
    assert.deepEqual(rows.map((r) => r.nick), ['민수', '지은', '서연']);
  });

  test('bad input is a clear error and imports nothing', async () => {
    await assert.rejects(importLegacy({ db, config: t.config, files: [path.join(dir, 'missing.log')] }), /cannot read .*missing\.log: no such file/);
    await assert.rejects(importLegacy({ db, config: t.config, files: [dir] }), /is not a file/);
    await assert.rejects(importLegacy({ db, config: t.config, files: [path.join(dir, 'raw.json')], channel: '#bad channel!' }), /not a valid channel name/);
  });
});

describe('legacy import read in a worker thread (large files)', { skip: haveData ? false : `${legacyDir} is absent` }, () => {
  test('gives the same envelopes, counts and rejected lines as reading in the producing thread, for every format', async () => {
    const t = tempEnv('legacy-thread');
    try {
      const mixed = path.join(t.dataDir, 'mixed.log');
      fs.writeFileSync(
        mixed,
        [
          `{'message': '스레드에서 읽어도 같아요', 'time': '2024-08-27 09:00:00', 'user': '민수', 'offset': 1}`,
          `{'message': '잘린 줄`,
          `{'message': '시간 없는 줄', 'user': '지은'}`,
          `{'message': '${'가'.repeat(400_000)}', 'time': '2024-08-27 09:00:02', 'user': '도윤'}`,
          `{'message': '스레드에서 읽어도 같아요', 'time': '2024-08-27 09:00:00', 'user': '민수', 'offset': 1}`,
        ].join('\n'),
      );
      const files = [...FILES.map((f) => path.join(legacyDir, f)), mixed];
      /** Every message produced, as [key, envelope] (a record without a time carries its import's time: left out). */
      const run = async (threadMinBytes: number) => {
        const sent: [string, Record<string, unknown>][] = [];
        const result = await importToKafka({
          config: t.config,
          files,
          threadMinBytes,
          send: async (messages) => {
            for (const m of messages) {
              assert.ok(Buffer.isBuffer(m.value));
              const e = JSON.parse(m.value.toString('utf8'));
              assert.equal(m.timestamp, String(e.ts));
              if (e.meta.legacy.no_time) delete e.ts;
              sent.push([String(m.key), e]);
            }
          },
          known: async function* () {},
        });
        return { result, sent };
      };
      const here = await run(Number.POSITIVE_INFINITY);
      const threaded = await run(0);
      assert.deepEqual(threaded.result, here.result);
      assert.deepEqual(threaded.sent, here.sent);
      const m = threaded.result.files.at(-1)!;
      assert.deepEqual([m.read, m.imported, m.duplicates, m.rejected.map((r) => r.line)], [5, 2, 1, [2, 4]]);
      assert.match(m.rejected[1].reason, /record too large for the chat log/);
      assert.equal(threaded.sent.length, 520 + 122 + 1169 + 72 + 2);
    } finally {
      t.cleanup();
    }
  });
});

describe('kchat import-legacy --json', { skip: haveData ? false : `${legacyDir} is absent` }, () => {
  test('prints the design.md summary shape on stdout', () => {
    const t = tempEnv('legacy-cli');
    try {
      const file = path.join(legacyDir, 'doublechat_messages.jsonl');
      const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli', 'main.ts'), 'import-legacy', file, '--channel', 'doublechat', '--json'], {
        cwd: repoRoot,
        env: t.env,
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { files: [{ file, format: 'jsonl', read: 122, imported: 122, duplicates: 0, rejected: [] }] });
      const again = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli', 'main.ts'), 'import-legacy', 'nope.log'], { cwd: repoRoot, env: t.env, encoding: 'utf8' });
      assert.equal(again.status, 2);
      assert.match(again.stderr, /kchat: cannot read .*nope\.log: no such file/);
    } finally {
      t.cleanup();
    }
  });
});
