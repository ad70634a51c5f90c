import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTimeline, dayKey, formatDay, formatTime, GROUP_WINDOW_MS, mergeEvents, noticeText, type TimelineEvent } from './format.ts';

// 2026-11-24 23:59 and 2026-11-25 00:01 in Seoul (UTC+9): one minute apart, two days.
const BEFORE_MIDNIGHT = Date.UTC(2026, 10, 24, 14, 59);
const AFTER_MIDNIGHT = Date.UTC(2026, 10, 24, 15, 1);

function ev(over: Partial<TimelineEvent> & { id: string; ts: number }): TimelineEvent {
  return { v: 1, type: 'message', channel: '일반', user: { id: 'u_1', nick: '민수' }, text: '안녕하세요', reply_to: null, meta: {}, ...over };
}

describe('Seoul times and days', () => {
  it('shows HH:mm in Asia/Seoul whatever the machine zone', () => {
    assert.equal(formatTime(BEFORE_MIDNIGHT), '23:59');
    assert.equal(formatTime(AFTER_MIDNIGHT), '00:01');
    assert.equal(formatTime(Date.UTC(2026, 10, 24, 0, 5)), '09:05');
  });
  it('names the day in Korean with the weekday', () => {
    assert.equal(formatDay(BEFORE_MIDNIGHT), '2026년 11월 24일 화요일');
    assert.equal(formatDay(AFTER_MIDNIGHT), '2026년 11월 25일 수요일');
    assert.notEqual(dayKey(BEFORE_MIDNIGHT), dayKey(AFTER_MIDNIGHT));
  });
});

describe('timeline', () => {
  it('puts a day separator where the Seoul date changes and restarts grouping there', () => {
    const items = buildTimeline([ev({ id: 'a', ts: BEFORE_MIDNIGHT }), ev({ id: 'b', ts: AFTER_MIDNIGHT })]);
    assert.deepEqual(
      items.map((i) => (i.kind === 'message' ? `msg:${i.event.id}:${i.continued}` : i.kind)),
      ['day', 'msg:a:false', 'day', 'msg:b:false'],
    );
  });
  it('groups one author within the window, not across authors, notices, bots or a long pause', () => {
    const t = BEFORE_MIDNIGHT - 3600_000;
    const items = buildTimeline([
      ev({ id: '1', ts: t }),
      ev({ id: '2', ts: t + 60_000, text: '점심은 김치찌개로 할까요?' }),
      ev({ id: '3', ts: t + 120_000, user: { id: 'u_2', nick: '지영' } }),
      ev({ id: '4', ts: t + 130_000, type: 'join', user: { id: 'u_3', nick: '철수' }, text: '' }),
      ev({ id: '5', ts: t + 140_000, user: { id: 'u_2', nick: '지영' } }),
      ev({ id: '6', ts: t + 140_000 + GROUP_WINDOW_MS, user: { id: 'u_2', nick: '지영' } }),
      ev({ id: '7', ts: t + 150_000 + GROUP_WINDOW_MS, type: 'bot', user: { id: 'bot', nick: '봇' } }),
    ]);
    const shape = items.filter((i) => i.kind !== 'day').map((i) => (i.kind === 'message' ? `${i.event.id}${i.continued ? '+' : ''}` : `notice:${i.event.id}`));
    assert.deepEqual(shape, ['1', '2+', '3', 'notice:4', '5', '6', '7']);
  });
  it('writes join, leave and nick notices in Korean', () => {
    assert.equal(noticeText(ev({ id: 'j', ts: 0, type: 'join' })), '민수님이 채널에 들어왔습니다');
    assert.equal(noticeText(ev({ id: 'l', ts: 0, type: 'leave' })), '민수님이 채널에서 나갔습니다');
    assert.equal(noticeText(ev({ id: 'n', ts: 0, type: 'nick', user: { id: 'u_1', nick: '민수킴' }, meta: { old: '민수', new: '민수킴' } })), '민수님의 닉네임이 민수킴으로 바뀌었습니다');
  });
  it('names a nickname of unknown sound with both particle forms', () => {
    assert.equal(noticeText(ev({ id: 'n2', ts: 0, type: 'nick', user: { id: 'u_1', nick: 'kim' }, meta: { old: '민수', new: 'kim' } })), '민수님의 닉네임이 kim(으)로 바뀌었습니다');
    assert.equal(noticeText(ev({ id: 'n3', ts: 0, type: 'nick', user: { id: 'u_1', nick: '철수' }, meta: { old: 'kim', new: '철수' } })), 'kim님의 닉네임이 철수로 바뀌었습니다');
  });
  it('merges pages by id and keeps time order', () => {
    const merged = mergeEvents([ev({ id: 'b', ts: 2 }), ev({ id: 'c', ts: 3 })], [ev({ id: 'a', ts: 1 }), ev({ id: 'b', ts: 2, text: '수정' })]);
    assert.deepEqual(merged.map((e) => e.id), ['a', 'b', 'c']);
    assert.equal(merged[1].text, '수정');
  });
});
