import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseInput } from './commands.ts';
import { backoffDelay, BACKOFF_MAX_MS } from './backoff.ts';

describe('slash commands', () => {
  it('reads /nick, /join, /leave and /help', () => {
    assert.deepEqual(parseInput('/nick 새이름'), { kind: 'nick', nick: '새이름' });
    assert.deepEqual(parseInput('/join #점심팀'), { kind: 'join', channel: '점심팀' });
    assert.deepEqual(parseInput('/join General'), { kind: 'join', channel: 'general' });
    assert.deepEqual(parseInput('/leave'), { kind: 'leave', channel: null });
    assert.deepEqual(parseInput('/leave #일반'), { kind: 'leave', channel: '일반' });
    assert.deepEqual(parseInput('/help'), { kind: 'help' });
    assert.deepEqual(parseInput('/도움말'), { kind: 'help' });
  });
  it('reads /dm, /invite and /private with Korean nicks (an @ in front, commas or spaces between)', () => {
    assert.deepEqual(parseInput('/dm 지영'), { kind: 'dm', nick: '지영' });
    assert.deepEqual(parseInput('/대화 @지영'), { kind: 'dm', nick: '지영' });
    assert.deepEqual(parseInput('/invite @지영, 민수 지영'), { kind: 'invite', nicks: ['지영', '민수'] });
    assert.deepEqual(parseInput('/비공개 #기획 지영,민수'), { kind: 'private', channel: '기획', members: ['지영', '민수'] });
    assert.deepEqual(parseInput('/private 기밀'), { kind: 'private', channel: '기밀', members: [] });
    assert.equal(parseInput('/dm 지영 민수').kind, 'invalid');
    assert.equal(parseInput('/invite').kind, 'invalid');
    assert.equal(parseInput('/private #기밀#').kind, 'invalid');
  });
  it('explains what is wrong instead of sending a broken command', () => {
    assert.equal(parseInput('/nick').kind, 'invalid');
    assert.equal(parseInput('/nick 김 민수').kind, 'invalid');
    assert.equal(parseInput('/join #점심 메뉴').kind, 'invalid');
    const unknown = parseInput('/dance');
    assert.equal(unknown.kind, 'invalid');
    assert.match(unknown.kind === 'invalid' ? unknown.message : '', /알 수 없는 명령/);
  });
  it('treats anything else as a message, keeping inner newlines; // escapes a leading slash', () => {
    assert.deepEqual(parseInput('점심은 12시에 먹어요\n1층에서 만나요  '), { kind: 'message', text: '점심은 12시에 먹어요\n1층에서 만나요' });
    assert.deepEqual(parseInput('//nick 은 닉네임을 바꾸는 명령이에요'), { kind: 'message', text: '/nick 은 닉네임을 바꾸는 명령이에요' });
    assert.deepEqual(parseInput('1/2 는 반이에요'), { kind: 'message', text: '1/2 는 반이에요' });
  });
});

describe('reconnect backoff', () => {
  it('grows exponentially, is jittered, and is capped', () => {
    assert.ok(backoffDelay(0, 0) < backoffDelay(3, 0));
    assert.notEqual(backoffDelay(4, 0), backoffDelay(4, 0.99));
    for (let attempt = 0; attempt < 30; attempt++) {
      for (const r of [0, 0.5, 0.999]) {
        const d = backoffDelay(attempt, r);
        assert.ok(d > 0 && d <= BACKOFF_MAX_MS, `attempt ${attempt}: ${d}`);
      }
    }
  });
});
