import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChannelState } from './channels.ts';
import { Channels } from './channels.ts';
import { Conversation } from './conversation.ts';
import type { ClientFrame, Envelope, User } from './protocol.ts';
import { replyCounts, repliesTo, snippet } from './threads.ts';

const 민수: User = { id: 'u_minsu', nick: '민수' };
const 지영: User = { id: 'u_jiyoung', nick: '지영' };
const 봇: User = { id: 'bot_kchat', nick: 'kchat봇' };

let seq = 0;
function ev(over: Partial<Envelope> & { user: User }): Envelope {
  seq++;
  return { v: 1, id: `m${seq}`, type: 'message', channel: '점심팀', text: '점심 뭐 드실래요?', ts: 1_764_000_000_000 + seq * 1000, reply_to: null, meta: {}, ...over };
}

describe('threads: counts and replies', () => {
  it('counts the replies we hold, or the server’s count when it knows more', () => {
    const q = ev({ user: 지영, text: '@bot 파묘 감독은 누구야?' });
    const answer = ev({ user: 봇, type: 'bot', text: '`파묘`의 감독은 장재현입니다.', reply_to: q.id });
    const older = ev({ user: 민수, text: '어제 회의록 공유합니다', meta: { replies: 5 } });
    const reply = ev({ user: 지영, text: '감사합니다!', reply_to: older.id });
    const counts = replyCounts([q, answer, older, reply]);
    assert.equal(counts.get(q.id), 1, "a bot's answer counts as a reply to the question");
    assert.equal(counts.get(older.id), 5, 'the server counted replies older than our pages');
    assert.equal(counts.get(answer.id), undefined);
    // a join with a reply_to is not a reply
    assert.equal(replyCounts([q, ev({ user: 민수, type: 'join', reply_to: q.id })]).get(q.id), undefined);
  });
  it('repliesTo merges sources by id (the later copy wins) and sorts by time', () => {
    const q = ev({ user: 민수 });
    const r1 = ev({ user: 지영, text: '김치찌개요', reply_to: q.id });
    const r2 = ev({ user: 민수, text: '좋아요', reply_to: q.id });
    const r1edited = { ...r1, text: '김치찌개 어때요?', meta: { edited: r1.ts + 5 } };
    assert.deepEqual(repliesTo(q.id, [r2, r1], [r1edited]).map((e) => e.text), ['김치찌개 어때요?', '좋아요']);
  });
  it('snippet: the first non-empty line without Markdown marks, shortened by characters', () => {
    assert.equal(snippet('\n**금요일** 점심은 `김치찌개`로\n둘째 줄'), '금요일 점심은 김치찌개로');
    assert.equal(snippet('가'.repeat(70), 10), `${'가'.repeat(9)}…`);
    assert.equal(snippet('🍜'.repeat(12), 10), `${'🍜'.repeat(9)}…`, 'never half an emoji');
  });
});

function setup(me: User, role: string | null = 'member') {
  const chans = new Channels();
  const ch = chans.ensure('점심팀');
  const sent: ClientFrame[] = [];
  let connected = true;
  const conv = new Conversation({
    channel: (name) => chans.map.get(name),
    pending: () => [],
    send: (f) => (connected ? (sent.push(f), true) : false),
    me: () => me,
    role: () => role,
    changed: () => undefined,
  });
  return { chans, ch, conv, sent, offline: () => (connected = false) };
}

function hold(ch: ChannelState, ...events: Envelope[]) {
  ch.events = [...ch.events, ...events];
}

describe('edit and delete in the browser', () => {
  it('offers edit only on my own messages and delete to the author or an admin', () => {
    const mine = ev({ user: 민수, text: '제가 예약할게요' });
    const theirs = ev({ user: 지영, text: '저는 늦어요' });
    const member = setup(민수).conv;
    assert.equal(member.mayEdit(mine), true);
    assert.equal(member.mayDelete(mine), true);
    assert.equal(member.mayEdit(theirs), false);
    assert.equal(member.mayDelete(theirs), false);
    const admin = setup(민수, 'admin').conv;
    assert.equal(admin.mayEdit(theirs), false, 'an admin does not edit others');
    assert.equal(admin.mayDelete(theirs), true, 'an admin deletes anyone’s message');
    const gone = { ...mine, text: '', meta: { deleted: { ts: mine.ts + 1, by: 민수 } } };
    assert.equal(member.mayEdit(gone), false, 'a deleted message is not changed again');
    assert.equal(member.mayEdit({ ...mine, type: 'join' }), false, 'a notice is not a message');
    assert.equal(member.mayEdit({ ...mine, delivery: 'sending' } as Envelope), false, 'not before the server confirmed it');
  });
  it('↑ edits my last message in the channel, not someone else’s or a deleted one', () => {
    const { ch, conv } = setup(민수);
    const first = ev({ user: 민수, text: '첫 메시지' });
    const second = ev({ user: 민수, text: '둘째 메시지' });
    const deleted = ev({ user: 민수, text: '', meta: { deleted: { ts: 1, by: 민수 } } });
    hold(ch, first, second, deleted, ev({ user: 지영, text: '지영의 메시지' }));
    assert.equal(conv.editLast('점심팀'), true);
    assert.equal(conv.editing?.id, second.id);
    const empty = setup(민수);
    hold(empty.ch, ev({ user: 지영 }));
    assert.equal(empty.conv.editLast('점심팀'), false, 'nothing of mine: ↑ does nothing');
  });
  it('sends edit and delete frames with a ref; a refusal lands on the message in Korean with the server’s words', () => {
    const { ch, conv, sent } = setup(지영);
    const theirs = ev({ user: 민수, text: '회의는 3시' });
    hold(ch, theirs);
    conv.saveEdit(theirs, '회의는 4시');
    const frame = sent[0] as Extract<ClientFrame, { type: 'edit' }>;
    assert.deepEqual({ type: frame.type, id: frame.id, text: frame.text }, { type: 'edit', id: theirs.id, text: '회의는 4시' });
    assert.ok(frame.ref);
    assert.equal(conv.onError({ type: 'error', code: 'forbidden', message: '자기 메시지만 고칠 수 있습니다 (only the author may edit a message)', ref: frame.ref }), true);
    assert.deepEqual(conv.problems.get(theirs.id), { text: '수정하지 못했습니다: 이 채널이나 동작에 대한 권한이 없습니다.', detail: '자기 메시지만 고칠 수 있습니다 (only the author may edit a message)' });
    assert.equal(conv.onError({ type: 'error', code: 'forbidden', message: 'x', ref: 'someone-else' }), false, 'other errors are not ours');
    // an unchanged text sends nothing
    conv.saveEdit(theirs, '회의는 3시');
    assert.equal(sent.length, 1);
  });
  it('a live edit and delete change the message held; a refused change (not the author) changes nothing', () => {
    const { chans, ch } = setup(민수);
    const m = ev({ user: 민수, text: '오늘 점심은 12시' });
    hold(ch, m);
    const forged = chans.applyEvent(ev({ user: 지영, type: 'edit', text: '가짜', meta: { target: m.id } }));
    assert.equal(forged?.change?.updated, null);
    assert.equal(ch.events[0].text, '오늘 점심은 12시');
    chans.applyEvent(ev({ user: 민수, type: 'edit', text: '오늘 점심은 12시 반', meta: { target: m.id } }));
    assert.equal(ch.events[0].text, '오늘 점심은 12시 반');
    assert.equal(typeof ch.events[0].meta.edited, 'number');
    chans.applyEvent(ev({ user: 민수, type: 'delete', text: '', meta: { target: m.id } }));
    assert.equal(ch.events.length, 1, 'changes are not events of their own');
    assert.equal(ch.events[0].text, '', 'a deleted message keeps no text');
    assert.ok(ch.events[0].meta.deleted);
  });
  it('offline: the change is not sent and the message says why', () => {
    const { ch, conv, offline } = setup(민수);
    const m = ev({ user: 민수 });
    hold(ch, m);
    offline();
    conv.remove(m);
    assert.match(conv.problems.get(m.id)?.text ?? '', /연결이 끊겨 삭제하지 못했습니다/);
  });

  it("the thread view joins the server's thread page (older replies) with the live ones; counts follow new replies", () => {
    const { chans, ch, conv, sent } = setup(민수);
    const parent = ev({ user: 지영, text: '지난주 회의록입니다', meta: { replies: 2 } });
    const old1 = ev({ user: 민수, text: '확인했습니다', reply_to: parent.id });
    const old2 = ev({ user: 봇, type: 'bot', text: '`회의록` 요약: 배포 금요일 금지', reply_to: parent.id });
    hold(ch, parent); // a history page: the parent with the server's count, its replies older than the page
    conv.openThread(parent);
    assert.deepEqual(sent.map((f) => f.type), ['thread'], 'opening a thread asks the server for it');
    assert.deepEqual(conv.threadView().replies, []);
    conv.onThread({ type: 'thread', id: parent.id, channel: '점심팀', parent, replies: [old1, old2], more: false });
    const live = ev({ user: 지영, text: '감사합니다', reply_to: parent.id });
    chans.applyEvent(live);
    assert.deepEqual(conv.threadView().replies.map((e) => e.text), ['확인했습니다', '`회의록` 요약: 배포 금요일 금지', '감사합니다']);
    assert.equal(replyCounts(ch.events).get(parent.id), 3, "the server's 2 and the live one");
    // a reply edited live is shown edited in the thread too
    chans.applyEvent(ev({ user: 민수, type: 'edit', text: '확인했습니다 👍', meta: { target: old1.id } }));
    conv.onChange(ev({ user: 민수, type: 'edit', text: '확인했습니다 👍', meta: { target: old1.id } }));
    assert.equal(conv.threadView().replies[0].text, '확인했습니다 👍');
    // answering a reply answers its thread
    conv.replyTo(old2);
    assert.deepEqual(conv.replying, { channel: '점심팀', id: parent.id });
    assert.equal(conv.takeReply('점심팀'), parent.id);
    assert.equal(conv.replying, null);
  });
});
