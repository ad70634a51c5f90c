// core/protocol.ts is the one declaration of the chat contract, shared by the
// server and the browser: its validators, and the rule that web/ re-declares nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { isInputError } from './errors.ts';
import { CLIENT_FRAME_TYPES, FrameError, MAX_TEXT, parseClientFrame, parseServerFrame } from './protocol.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

test('a refused frame is an InputError carrying its frame code and the client ref', () => {
  try {
    parseClientFrame(JSON.stringify({ type: 'message', channel: '잡담', text: '가'.repeat(MAX_TEXT + 1), ref: 'r-7' }));
    assert.fail('an over-long message must be refused');
  } catch (err) {
    assert.ok(err instanceof FrameError && isInputError(err));
    assert.equal(err.code, 'text_too_long');
    assert.equal(err.ref, 'r-7');
    assert.deepEqual(err.toJSON(), { error: err.message, code: 'text_too_long', ref: 'r-7' });
  }
});

test('client frames are normalised the same way for every caller', () => {
  assert.deepEqual(parseClientFrame('{"type":"message","channel":"#잡담","text":"점심은 뭐 먹을까요?"}'), {
    type: 'message',
    channel: '잡담',
    text: '점심은 뭐 먹을까요?',
    reply_to: null,
    ref: undefined,
  });
  assert.deepEqual(parseClientFrame('{"type":"history","channel":"General"}'), { type: 'history', channel: 'general', before: null, limit: 50, ref: undefined });
  assert.throws(() => parseClientFrame('{"type":"shout"}'), (e: FrameError) => e.code === 'unknown_type' && e.message.includes(CLIENT_FRAME_TYPES.join(', ')));
});

test('server frames are parsed for the browser; unknown shapes are dropped', () => {
  const env = { v: 1, id: 'e1', type: 'message', channel: '잡담', user: { id: 'u1', nick: '민수' }, text: '안녕', ts: 1, reply_to: null, meta: {} };
  assert.deepEqual(parseServerFrame(JSON.stringify(env)), env);
  const history = parseServerFrame(JSON.stringify({ type: 'history', channel: '잡담', events: [env, { type: 'message' }] }));
  assert.equal(history && 'events' in history ? history.events.length : -1, 1);
  assert.equal(parseServerFrame('{"type":"presence","channel":"잡담"}'), null);
  assert.equal(parseServerFrame('not json'), null);
});

test('web/ imports the contract instead of declaring its own Envelope or ClientFrame', () => {
  const offenders: string[] = [];
  const visit = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'dist' && e.name !== 'node_modules') visit(full);
      } else if (/\.tsx?$/.test(e.name)) {
        const text = fs.readFileSync(full, 'utf8');
        if (/^\s*(export\s+)?(interface\s+(Envelope|ClientFrame|ServerFrame)\b|type\s+(Envelope|ClientFrame|ServerFrame)\s*=)/m.test(text) || /\bconst\s+(MAX_TEXT|MAX_NICK|MAX_CHANNEL|CHANNEL_RE)\s*=/.test(text)) offenders.push(path.relative(root, full));
      }
    }
  };
  visit(path.join(root, 'web'));
  assert.deepEqual(offenders, []);
});

test('every refused frame is named in Korean first, with the English after it', () => {
  const frames = [
    '이건 JSON이 아니에요',
    '[1,2,3]',
    '{"channel":"잡담"}',
    '{"type":"dance"}',
    '{"type":"join"}',
    '{"type":"join","channel":"공백 있는 채널"}',
    '{"type":"message","channel":"잡담","text":42}',
    '{"type":"message","channel":"잡담","text":" \\u0001 "}',
    `{"type":"message","channel":"잡담","text":"${'가'.repeat(MAX_TEXT + 1)}"}`,
    '{"type":"message","channel":"잡담","text":"답장","reply_to":5}',
    '{"type":"history","channel":"잡담","before":{}}',
    '{"type":"history","channel":"잡담","limit":0}',
    '{"type":"create","channel":"새방","private":"yes"}',
    '{"type":"create","channel":"새방","members":"민수"}',
    '{"type":"read","channel":"잡담","ts":-1}',
    '{"type":"invite","channel":"잡담","nick":" "}',
    '{"type":"edit","id":7,"text":"고침"}',
    '{"type":"nick","nick":""}',
  ];
  for (const frame of frames) {
    assert.throws(
      () => parseClientFrame(frame),
      (e: FrameError) => {
        assert.ok(e instanceof FrameError, frame);
        assert.match(e.message.split(' (')[0], /[가-힣]/, `Korean before the English: ${frame.slice(0, 50)} → ${e.message}`);
        assert.match(e.message, /\([^)]*[a-z]{3,}/, `the English follows: ${e.message}`);
        return true;
      },
    );
  }
});
