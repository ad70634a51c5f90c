// Unit tests of the legacy readers: Python literal parser, CSV, times, classification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePyLiteral } from './pyliteral.ts';
import { parseCsv } from './csv.ts';
import { parseLegacyTime } from './times.ts';
import { classify } from './records.ts';
import { detectFormat } from './formats.ts';

test('Python literals: dict repr with single/double quotes, escapes, numbers, True/False/None, nesting', () => {
  assert.deepEqual(parsePyLiteral(`{'message': '안녕', 'time': '2024-08-27 14:37:31.425318', 'user': '이상우', 'offset': 290}`), {
    message: '안녕',
    time: '2024-08-27 14:37:31.425318',
    user: '이상우',
    offset: 290,
  });
  assert.deepEqual(parsePyLiteral(`{"msg": "it's \\"fine\\"", 'n': -1.5e3, 'ok': True, 'no': False, 'x': None, 'l': [1, (2, 3), {'a': 'b'}], 's': {1, 2}}`), {
    msg: `it's "fine"`,
    n: -1500,
    ok: true,
    no: false,
    x: null,
    l: [1, [2, 3], { a: 'b' }],
    s: [1, 2],
  });
  // lone surrogates (Korean IME leftovers), \x, \u, \U, \n, octal, adjacent literals, raw strings
  assert.equal(parsePyLiteral(`'\\udcf9\\udcf7'`), '\udcf9\udcf7');
  assert.equal(parsePyLiteral(`'caf\\xe9 \\uc548\\ub155 \\U0001F600\\n\\t\\101'`), 'café 안녕 😀\n\tA');
  assert.equal(parsePyLiteral(`'a' "b" 'c'`), 'abc');
  assert.equal(parsePyLiteral(`r'\\d+'`), '\\d+');
  assert.equal(parsePyLiteral(`'''여러\n줄'''`), '여러\n줄');
  assert.equal(parsePyLiteral('0x1f'), 31);
  assert.equal(parsePyLiteral('1_000'), 1000);
  assert.deepEqual(parsePyLiteral('{}'), {});
  assert.deepEqual(parsePyLiteral('[1, 2,]'), [1, 2]);
});

test('Python literals: anything that is not a literal is refused with a column, never evaluated', () => {
  assert.throws(() => parsePyLiteral(`{'a': __import__('os').system('rm -rf /')}`), /"__import__" is not a literal.*column 7/);
  assert.throws(() => parsePyLiteral(`{'message': 'unterminated}`), /unterminated string/);
  assert.throws(() => parsePyLiteral(`{'a': 1`), /unterminated dict/);
  assert.throws(() => parsePyLiteral(`{'a': 1} trailing`), /after the value/);
  assert.throws(() => parsePyLiteral(`{'a': 1, 'b' 2}`), /expected ":"/);
  assert.throws(() => parsePyLiteral(`'\\x4'`), /truncated \\x escape/);
  assert.throws(() => parsePyLiteral(``), /unexpected end/);
});

test('CSV: RFC 4180 quoting, doubled quotes, multi-line fields, CRLF, line numbers, broken records', () => {
  const rows = parseCsv('nickname,message,time\r\n태영,"광해, 왕이 된 남자 장르",1724721595.576023\r\n@bot,"영화 ""광해""\n두 줄",2024-08-28 12:31:02\r\nsoojin,,2024-08-27 09:16:16\r\n\r\nx,"open\n');
  assert.deepEqual(
    rows.map((r) => [r.line, r.fields, r.error]),
    [
      [1, ['nickname', 'message', 'time'], undefined],
      [2, ['태영', '광해, 왕이 된 남자 장르', '1724721595.576023'], undefined],
      [3, ['@bot', '영화 "광해"\n두 줄', '2024-08-28 12:31:02'], undefined],
      [5, ['soojin', '', '2024-08-27 09:16:16'], undefined],
      [7, ['x', 'open\n'], 'unterminated quoted field (missing closing ")'],
    ],
  );
});

test('times: every bootcamp format, zone-less times read as Asia/Seoul', () => {
  const iso = (v: unknown) => {
    const r = parseLegacyTime(v);
    if (!r.ok) throw new Error(r.reason);
    return new Date(Number(r.us / 1000n)).toISOString();
  };
  assert.equal(iso('2024-08-27 09:14:35'), '2024-08-27T00:14:35.000Z');
  assert.equal(iso('2024-08-27 14:36:39.979985'), '2024-08-27T05:36:39.979Z');
  assert.equal(iso('Tue Aug 27 11:39:02 2024'), '2024-08-27T02:39:02.000Z');
  assert.equal(iso('1724721595.576023'), '2024-08-27T01:19:55.576Z');
  assert.equal(iso(1724721595), '2024-08-27T01:19:55.000Z');
  assert.equal(iso(1724721595576), '2024-08-27T01:19:55.576Z');
  assert.equal(iso('1724721595576'), '2024-08-27T01:19:55.576Z');
  assert.equal(iso('2024-08-26T11:25:59.859694'), '2024-08-26T02:25:59.859Z');
  assert.equal(iso('2024-08-26T11:25:59Z'), '2024-08-26T11:25:59.000Z');
  assert.equal(iso('2024-08-26T11:25:59+09:00'), '2024-08-26T02:25:59.000Z');
  assert.equal(iso('240827 10:27:24'), '2024-08-27T01:27:24.000Z');
  const us = parseLegacyTime('2024-08-27 14:36:39.979985');
  assert.ok(us.ok && us.us % 1_000_000n === 979_985n, 'microseconds kept');
  assert.deepEqual(parseLegacyTime('어제 오후'), { ok: false, reason: 'unrecognised time format "어제 오후"' });
  assert.equal(parseLegacyTime('2024-02-30 10:00:00').ok, false);
  assert.equal(parseLegacyTime('').ok, false);
});

test('classification: join/leave/nick/bot/system lines as the clients wrote them', () => {
  assert.deepEqual(classify('[INFO]', 'User [user1] has entered the chat!\n', false), { type: 'join', nick: 'user1' });
  assert.deepEqual(classify('user2', '\nUser [user2] has exited the chatroom.', true), { type: 'leave', nick: 'user2' });
  assert.deepEqual(classify('user1', '[user1]님이 입장 했습니다.', false), { type: 'join', nick: 'user1' });
  assert.deepEqual(classify('user1', '[user1]님이 방을 떠났습니다.', true), { type: 'leave', nick: 'user1' });
  assert.deepEqual(classify('sys', '--- j25ng님이 채팅방에 입장하였습니다. ---', false), { type: 'join', nick: 'j25ng' });
  assert.deepEqual(classify('sys', '--- j25ng님이 퇴장하였습니다. ---', false), { type: 'leave', nick: 'j25ng' });
  assert.deepEqual(classify('sys', '민수님이 닉네임을 민수2로 변경했습니다', false), { type: 'nick', nick: '민수2', old_nick: '민수' });
  assert.deepEqual(classify('@알림봇', '에자일 칸반 미팅 5분 전입니다!', false), { type: 'bot', nick: '@알림봇' });
  assert.deepEqual(classify('AIRFLOW', '챗봇입니다~~', false), { type: 'bot', nick: 'AIRFLOW' });
  assert.deepEqual(classify('[INFO]', 'server restarting', false), { type: 'system', nick: '[INFO]' });
  // someone typing about another person joining is chat, not a join
  assert.deepEqual(classify('지은', '민수님이 입장했습니다', false), { type: 'message', nick: '지은' });
  assert.deepEqual(classify('쑤', '난 안 그래', false), { type: 'message', nick: '쑤' });
});

test('format detection: extension first, then content sniffing', () => {
  const b = (s: string) => Buffer.from(s);
  assert.equal(detectFormat('x.log', b(`{'message': 'a'}`)), 'python-dict');
  assert.equal(detectFormat('x.log', b(`{"message": "a"}`)), 'jsonl');
  assert.equal(detectFormat('x.log', b(`{"message": "it's", "end": True}`)), 'python-dict');
  assert.equal(detectFormat('x.jsonl', b(`{"sender": "a"}`)), 'jsonl');
  assert.equal(detectFormat('x.json', b(`[\n  {"sender": "a"}`)), 'json-array');
  assert.equal(detectFormat('x.txt', b(`  [{"a":1}]`)), 'json-array');
  assert.equal(detectFormat('x.csv', b('nickname,message,time')), 'csv');
  assert.equal(detectFormat('x.dat', b('PAR1\x00\x00')), 'parquet');
  assert.equal(detectFormat('noext', b('user,msg,timestamp')), 'csv');
});
