// The one cleaner and serializer: Korean NFC/NFD, the bootcamp's lone
// surrogates, emoji, control characters, the length cap, and parse errors
// that name the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capCodePoints, cleanText, codePointLength, jsonSafe, MAX_TEXT, wellFormed } from './text.ts';
import { channelName, createEnvelope, envelopeKey, nickProblem, parse, serialize } from './envelope.ts';

const user = { id: 'u_1', nick: '민수' };

test('cleanText composes decomposed Hangul (NFD → NFC)', () => {
  const nfd = '한국어 채팅입니다'.normalize('NFD');
  assert.notEqual(nfd, '한국어 채팅입니다');
  assert.equal(cleanText(nfd), '한국어 채팅입니다');
  // jamo typed one by one stay as they are when they do not compose
  assert.equal(cleanText('ㅋㅋㅋ ㅠㅠ'), 'ㅋㅋㅋ ㅠㅠ');
});

test('cleanText turns lone surrogates (\\udcXX from the Korean IME) into U+FFFD', () => {
  assert.equal(cleanText('안녕\udc80하세요'), '안녕\uFFFD하세요');
  assert.equal(cleanText('\udceb\udcb0\udc95'), '\uFFFD\uFFFD\uFFFD');
  assert.equal(cleanText('끝에 high \ud83d'), '끝에 high \uFFFD');
  assert.equal(wellFormed('정상'), '정상');
  // the result is valid UTF-8: a round trip through bytes changes nothing
  const out = cleanText('깨진\udc80글자');
  assert.equal(Buffer.from(out, 'utf8').toString('utf8'), out);
});

test('cleanText keeps emoji, including ZWJ sequences and flags', () => {
  for (const s of ['좋아요 👍', '가족 👨‍👩‍👧‍👦', '태극기 🇰🇷', '피부색 👋🏽']) assert.equal(cleanText(s), s);
});

test('cleanText drops control characters except \\n and \\t', () => {
  assert.equal(cleanText('줄\n바꿈\t탭'), '줄\n바꿈\t탭');
  assert.equal(cleanText('벨\u0007소리\u0000널\u001b[31m색\u007f\u0085'), '벨소리널[31m색');
  assert.equal(cleanText('윈도우\r\n줄끝'), '윈도우\n줄끝');
});

test('the length cap counts code points and never splits a surrogate pair', () => {
  assert.equal(codePointLength('가나다'), 3);
  assert.equal(codePointLength('😀😀'), 2);
  assert.equal(cleanText('가'.repeat(MAX_TEXT + 10)).length, MAX_TEXT);
  const emoji = cleanText('😀'.repeat(MAX_TEXT + 1));
  assert.equal(codePointLength(emoji), MAX_TEXT);
  assert.ok(emoji.isWellFormed());
  assert.equal(capCodePoints('a😀b', 2), 'a😀');
});

test('jsonSafe cleans nested meta and makes values JSON-safe', () => {
  const out = jsonSafe({ nick: '깨진\udc80', n: NaN, big: 10n, when: new Date(0), list: ['\u0007종'], gone: undefined }) as Record<string, unknown>;
  assert.deepEqual(out, { nick: '깨진\uFFFD', n: null, big: 10, when: '1970-01-01T00:00:00.000Z', list: ['종'] });
});

test('serialize emits clean JSON that parse reads back identically', () => {
  const e = createEnvelope({ type: 'message', channel: '잡담', user, text: '점심은 김치찌개를 먹을까요\udc80 🍲'.normalize('NFD'), meta: { ref: 'x' } });
  const json = serialize(e);
  assert.ok(!json.includes('\\udc80'));
  const back = parse(json);
  assert.ok(back.ok);
  if (back.ok) {
    assert.equal(back.envelope.text, '점심은 김치찌개를 먹을까요\uFFFD 🍲');
    assert.deepEqual(back.envelope, JSON.parse(json));
  }
  // Kafka bytes work too
  assert.ok(parse(Buffer.from(json)).ok);
  assert.equal(envelopeKey(e), '잡담');
});

test('serialize caps over-long text at 4000 characters', () => {
  const e = createEnvelope({ type: 'message', channel: 'general', user, text: '말'.repeat(5000) });
  assert.equal(e.text.length, MAX_TEXT);
  assert.equal((JSON.parse(serialize({ ...e, text: '말'.repeat(5000) })) as { text: string }).text.length, MAX_TEXT);
});

test('parse rejects with a reason naming the problem', () => {
  const good = JSON.parse(serialize(createEnvelope({ type: 'message', channel: 'general', user, text: '안녕' }))) as Record<string, unknown>;
  const cases: [unknown, RegExp][] = [
    [null, /empty/],
    ['{"v":1,', /invalid JSON/],
    ['[1]', /JSON object/],
    ['"문자열"', /JSON object/],
    [{ ...good, v: 2 }, /field 'v'/],
    [{ ...good, type: 'shout' }, /field 'type'/],
    [{ ...good, channel: '공백 채널' }, /field 'channel'.*not a valid channel/],
    [{ ...good, user: { id: 'u_1' } }, /field 'user\.nick'/],
    [{ ...good, ts: -1 }, /field 'ts'/],
    [{ ...good, text: undefined }, /field 'text'/],
  ];
  for (const [input, reason] of cases) {
    const r = parse(typeof input === 'string' || input === null ? input : JSON.stringify(input));
    assert.equal(r.ok, false, JSON.stringify(input));
    if (!r.ok) assert.match(r.reason, reason);
  }
});

test('channelName normalises what users type; invalid names are null', () => {
  assert.equal(channelName('#General'), 'general');
  assert.equal(channelName('잡담'), '잡담');
  assert.equal(channelName('ｇｅｎｅｒａｌ'), 'general');
  assert.equal(channelName('팀-4_공지.v2'), '팀-4_공지.v2');
  for (const bad of ['', '#', '공백 있음', '-dash', 'a'.repeat(41), 'semi;colon', 42, null]) assert.equal(channelName(bad), null, String(bad));
});

test('nickProblem names what is wrong with a nick', () => {
  assert.equal(nickProblem('민수'), null);
  assert.equal(nickProblem('김 민수'), null);
  assert.match(nickProblem('')!, /empty/);
  assert.match(nickProblem('   ')!, /empty/);
  assert.match(nickProblem('가'.repeat(33))!, /at most 32/);
  assert.equal(nickProblem('가'.repeat(32)), null);
  assert.match(nickProblem('벨\u0007')!, /control/);
  assert.match(nickProblem('보이지\u200B않음')!, /invisible/);
  assert.match(nickProblem('@민수')!, /@/);
  for (const reserved of ['bot', 'BOT', 'B.O.T', 'Ｂｏｔ', '봇', 'system', '시스템 ', 'admin', '관리자', 'bot2']) assert.match(nickProblem(reserved)!, /reserved/, reserved);
  assert.match(nickProblem(42)!, /string/);
});
