// The fast path inside parse() must accept exactly what the zod schema
// accepts and return the identical cleaned envelope; for anything it refuses,
// parse() must give zod's reason. Each case is checked against
// parseWithSchema() (zod only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanText, MAX_TEXT } from './text.ts';
import { cleanTextFast, parse, parseWithSchema } from './envelope.ts';

const base = {
  v: 1,
  id: '0b7c0e34-6a51-4b39-9f5c-4f1a2b3c4d5e',
  type: 'message',
  channel: '개발',
  user: { id: 'u_민수', nick: '민수' },
  text: '혹시 점심 뭐 드실래요?',
  ts: 1724717675123,
  reply_to: null,
  meta: {},
};

function same(json: string, label = json): void {
  const fast = parse(json);
  const slow = parseWithSchema(json);
  assert.deepEqual(fast, slow, label);
  // deepEqual treats -0 and 0 alike only loosely in some modes: check ts exactly
  if (fast.ok && slow.ok) assert.ok(Object.is(fast.envelope.ts, slow.envelope.ts), `${label}: ts`);
  // Buffer input takes the same path
  assert.deepEqual(parse(Buffer.from(json)), slow, `${label} (bytes)`);
}

const variant = (patch: Record<string, unknown>) => JSON.stringify({ ...base, ...patch });
const without = (key: string) => {
  const o: Record<string, unknown> = { ...base };
  delete o[key];
  return JSON.stringify(o);
};

test('fast path: valid envelopes give exactly the zod result (Korean, emoji, NFD, surrogates, controls)', () => {
  const texts = [
    '',
    '혹시 점심 뭐 드실래요?',
    'ㅋㅋㅋㅋ 진짜요? ㅠㅠ',
    'PR 리뷰 부탁드려요 🙏',
    '가족 👨‍👩‍👧‍👦 태극기 🇰🇷',
    '한국어 채팅입니다'.normalize('NFD'),
    '안녕\udc80하세요',
    '\udceb\udcb0\udc95',
    '끝에 high \ud83d',
    '벨\u0007소리\u0000널\u001b[31m색\u007f\u0085',
    '윈도우\r\n줄끝\t탭',
    'ｆｕｌｌ　ｗｉｄｔｈ',
    'e\u0301 combining',
    '\u1100\u1161 conjoining jamo',
    '가\u11a8 LV + T',
    '말'.repeat(MAX_TEXT),
    '말'.repeat(MAX_TEXT + 1),
    '😀'.repeat(MAX_TEXT + 3),
    'x'.repeat(MAX_TEXT + 10),
    '\u2028\u2029 line separators',
    '\ufeff bom',
  ];
  for (const text of texts) same(variant({ text }), JSON.stringify(text));
  for (const nick of ['민수', '쑤', 'tam', '깨진\udc80', 'n'.repeat(64), '가'.repeat(64), 'a\u0007b', '😀'.repeat(32)]) same(variant({ user: { id: 'u_1', nick } }), nick);
  for (const id of ['u', 'u_' + 'x'.repeat(126), 'u_깨진\udc80', 'u\u0000']) same(variant({ user: { id, nick: '민수' } }), id);
  // raw escapes inside the JSON text (what another producer may send)
  same(JSON.stringify(base).replace('"혹시', '"\\udc80\\u0007혹시'), 'escaped lone surrogate + control');
  // types, channels, ids, reply_to, meta, ts edges
  for (const type of ['message', 'join', 'leave', 'nick', 'bot', 'system']) same(variant({ type }), type);
  for (const channel of ['general', '개발', 'team-4_공지.v2', 'a'.repeat(40), '4channel']) same(variant({ channel }), channel);
  for (const reply_to of [null, '', 'r'.repeat(128), '이전-메시지']) same(variant({ reply_to }), String(reply_to));
  same(without('reply_to'), 'no reply_to');
  same(without('meta'), 'no meta');
  same(variant({ id: 'i'.repeat(128) }), 'id 128');
  for (const ts of [0, 1, Number.MAX_SAFE_INTEGER]) same(variant({ ts }), String(ts));
  same(JSON.stringify(base).replace('"ts":1724717675123', '"ts":-0'), 'ts -0');
  same(JSON.stringify(base).replace('"ts":1724717675123', '"ts":1.0'), 'ts 1.0');
  same(variant({ extra: 'dropped', v2: 3 }), 'unknown keys stripped');
  same(variant({ user: { id: 'u_1', nick: '민수', role: 'admin' } }), 'unknown user keys stripped');
  const metas: unknown[] = [
    { ref: 'x' },
    { old_nick: '민수\udc80', n: 1.5, deep: { list: ['\u0007종', null, true, { a: 'ｂ' }] } },
    { '': 1, '10': 'ten', '2': 'two', 키: '값' },
    { constructor: 1 },
    { toString: 'x', hasOwnProperty: { a: 1 } },
  ];
  for (const meta of metas) same(variant({ meta }), JSON.stringify(meta));
  // __proto__ as an own key (JSON.parse makes one): zod drops it, the fast path defers to zod
  same(JSON.stringify(base).replace('"meta":{}', '"meta":{"__proto__":{"x":1},"a":2}'), 'meta __proto__ object');
  same(JSON.stringify(base).replace('"meta":{}', '"meta":{"__proto__":5}'), 'meta __proto__ number');
  // nested: both paths hand the value to the same jsonSafe(), whose output object then carries the
  // prototype {x:1} (a fresh copy per call, so compare the shapes, not the references)
  const nested = JSON.stringify(base).replace('"meta":{}', '"meta":{"a":{"__proto__":{"x":1}}}');
  const nf = parse(nested);
  const ns = parseWithSchema(nested);
  assert.ok(nf.ok && ns.ok);
  if (nf.ok && ns.ok) {
    assert.equal(JSON.stringify(nf.envelope), JSON.stringify(ns.envelope));
    assert.deepEqual(Object.getPrototypeOf(nf.envelope.meta.a), Object.getPrototypeOf(ns.envelope.meta.a));
  }
  same(JSON.stringify(base).replace('"v":1', '"__proto__":{"v":1},"v":1'), 'top-level __proto__');
});

test('fast path: invalid envelopes are refused with zod’s reason (wrong types, bounds, shapes)', () => {
  const bad: [string, string][] = [
    [variant({ v: 2 }), 'v 2'],
    [variant({ v: '1' }), 'v string'],
    [variant({ v: true }), 'v true'],
    [without('v'), 'no v'],
    [variant({ id: '' }), 'id empty'],
    [variant({ id: 'i'.repeat(129) }), 'id 129'],
    [variant({ id: 7 }), 'id number'],
    [variant({ type: 'shout' }), 'type'],
    [variant({ type: null }), 'type null'],
    [variant({ channel: '' }), 'channel empty'],
    [variant({ channel: 'a'.repeat(41) }), 'channel 41'],
    [variant({ channel: '공백 채널' }), 'channel space'],
    [variant({ channel: '-dash' }), 'channel dash'],
    [variant({ channel: 'General' }), 'channel upper is allowed by regex? compare anyway'],
    [variant({ channel: ['general'] }), 'channel array'],
    [variant({ user: null }), 'user null'],
    [variant({ user: [] }), 'user array'],
    [variant({ user: 'u_1' }), 'user string'],
    [variant({ user: { id: 'u_1' } }), 'user no nick'],
    [variant({ user: { id: '', nick: '민수' } }), 'user id empty'],
    [variant({ user: { id: 'u_1', nick: '' } }), 'nick empty'],
    [variant({ user: { id: 'u_1', nick: 'n'.repeat(65) } }), 'nick 65'],
    [variant({ user: { id: 'u'.repeat(129), nick: 'n' } }), 'uid 129'],
    [variant({ user: { id: 1, nick: 'n' } }), 'uid number'],
    [variant({ text: null }), 'text null'],
    [variant({ text: 5 }), 'text number'],
    [without('text'), 'no text'],
    [variant({ ts: -1 }), 'ts negative'],
    [variant({ ts: 1.5 }), 'ts fraction'],
    [variant({ ts: '1724717675123' }), 'ts string'],
    [variant({ ts: Number.MAX_SAFE_INTEGER + 1 }), 'ts unsafe'],
    [JSON.stringify(base).replace('"ts":1724717675123', '"ts":1e400'), 'ts Infinity'],
    [without('ts'), 'no ts'],
    [variant({ reply_to: 'r'.repeat(129) }), 'reply_to 129'],
    [variant({ reply_to: 5 }), 'reply_to number'],
    [variant({ meta: null }), 'meta null'],
    [variant({ meta: [] }), 'meta array'],
    [variant({ meta: 'x' }), 'meta string'],
    ['{}', 'empty object'],
    ['[]', 'array'],
    ['null', 'null'],
    ['"문자열"', 'string'],
    ['{"v":1,', 'broken JSON'],
  ];
  for (const [json, label] of bad) same(json, label);
});

test('fast path: random mutations agree with zod', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const values: unknown[] = [null, 0, -1, 1, 1.5, '', 'x', '개발', 'General', '공백 채널', true, [], {}, { id: 'u', nick: 'n' }, 'a'.repeat(41), 'ㅋ\udc80', '\u0000', 2 ** 53];
  const keys = ['v', 'id', 'type', 'channel', 'user', 'text', 'ts', 'reply_to', 'meta'];
  for (let i = 0; i < 3000; i++) {
    const o: Record<string, unknown> = { ...base, user: { ...base.user } };
    const n = 1 + Math.floor(rnd() * 2);
    for (let j = 0; j < n; j++) {
      const k = pick(keys);
      if (rnd() < 0.15) delete o[k];
      else if (k === 'user' && rnd() < 0.5 && o.user && typeof o.user === 'object') (o.user as Record<string, unknown>)[pick(['id', 'nick'])] = pick(values);
      else o[k] = pick(values);
    }
    same(JSON.stringify(o), `mutation ${i}: ${JSON.stringify(o)}`);
  }
});

test('cleanTextFast equals cleanText on every kind of character', () => {
  const samples = ['', 'abc', '혹시 점심?', 'ㅋㅋㅋ', 'ㆎ', '\u3130', '\u318f', '\uac00\ud7a3', '\ud7a4', '\u11a8', '가\u11a8', '\t\n', '\r', '\u007f', '\u0085', '\u00a0', 'é', 'e\u0301', 'Å', '\udc80', '\ud83d\ude00', 'Ω', '\u2126', 'ｆ'];
  for (const a of samples) for (const b of samples) for (const max of [1, 2, 3, 64, MAX_TEXT]) assert.equal(cleanTextFast(a + b, max), cleanText(a + b, max), JSON.stringify([a + b, max]));
  for (let c = 0; c < 0x10000; c++) {
    const s = 'a' + String.fromCharCode(c) + '가';
    assert.equal(cleanTextFast(s, 64), cleanText(s, 64), c.toString(16));
    const t = '가' + String.fromCharCode(c);
    assert.equal(cleanTextFast(t, 64), cleanText(t, 64), c.toString(16));
  }
});
