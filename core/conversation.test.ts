// The one rule for edits and deletes, and how a message's events fold into
// versions and its latest state (core/conversation.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChange, changeRefusal, foldChanges, latestEnvelope, targetState, type ChangeTargetState } from './conversation.ts';
import { createEnvelope, parse, serialize, type Envelope } from './envelope.ts';

const T0 = Date.UTC(2024, 7, 27, 2, 0, 0);
const 민수 = { id: 'u_minsu', nick: '민수' };
const 지영 = { id: 'u_jiyoung', nick: '지영' };
const 관리자 = { id: 'admin', nick: '관리자' };

const msg = (text: string, user = 민수, extra: Partial<Envelope> = {}) => createEnvelope({ type: 'message', channel: '개발', user, text, ts: T0, meta: { role: 'member', gateway: 'g1' }, ...extra });
const edit = (target: string, text: string, user = 민수, ts = T0 + 60_000, role = 'member') =>
  createEnvelope({ type: 'edit', channel: '개발', user, text, ts, meta: { role, target } });
const del = (target: string, user = 민수, ts = T0 + 120_000, role = 'member') => createEnvelope({ type: 'delete', channel: '개발', user, text: '', ts, meta: { role, target } });

test('the rule: the author edits; the author or an admin deletes; nobody changes a deleted message or a join', () => {
  const m = msg('배포는 3시에 합니다');
  const state = targetState(m);
  assert.equal(changeRefusal({ kind: 'edit', by: 민수 }, state), null);
  assert.equal(changeRefusal({ kind: 'edit', by: { ...지영, role: 'member' } }, state)?.code, 'forbidden');
  assert.equal(changeRefusal({ kind: 'edit', by: { ...관리자, role: 'admin' } }, state)?.code, 'forbidden', 'an admin may delete, not edit, what others wrote');
  assert.equal(changeRefusal({ kind: 'delete', by: { ...지영, role: 'auditor' } }, state)?.code, 'forbidden');
  assert.equal(changeRefusal({ kind: 'delete', by: { ...관리자, role: 'admin' } }, state), null);
  assert.equal(changeRefusal({ kind: 'delete', by: 민수 }, state), null);
  assert.equal(changeRefusal({ kind: 'edit', by: 민수 }, { ...state, deleted: true })?.code, 'message_deleted');
  assert.equal(changeRefusal({ kind: 'delete', by: 민수 }, { ...state, deleted: true })?.code, 'message_deleted');
  assert.equal(changeRefusal({ kind: 'edit', by: 민수 }, undefined)?.code, 'unknown_message');
  assert.equal(changeRefusal({ kind: 'edit', by: 민수, channel: 'random' }, state)?.code, 'unknown_message', 'a change sent to another channel names nothing there');
  const join: ChangeTargetState = { ...state, type: 'join' };
  assert.equal(changeRefusal({ kind: 'delete', by: { ...관리자, role: 'admin' } }, join)?.code, 'not_editable');
  // every refusal is Korean first
  assert.match(changeRefusal({ kind: 'edit', by: 지영 }, state)!.message, /^자기 메시지만 고칠 수 있습니다/);
});

test('the members’ window is the gateway’s alone: checked only with a clock, never for admins', () => {
  const state = targetState(msg('회의록 올렸어요'));
  const window = { editMs: 15 * 60_000, deleteMs: 0 };
  assert.equal(changeRefusal({ kind: 'edit', by: 민수 }, state, window, T0 + 10 * 60_000), null);
  const late = changeRefusal({ kind: 'edit', by: 민수 }, state, window, T0 + 16 * 60_000);
  assert.equal(late?.code, 'edit_window_closed');
  assert.match(late!.message, /15분/);
  assert.equal(changeRefusal({ kind: 'delete', by: 민수 }, state, window, T0 + 10 * 86_400_000), null, 'delete unlimited');
  assert.equal(changeRefusal({ kind: 'delete', by: { ...관리자, role: 'admin' } }, state, { editMs: 1, deleteMs: 1 }, T0 + 86_400_000), null);
  // consumers pass no clock: an edit the gateway let through is never undone on replay
  assert.equal(changeRefusal({ kind: 'edit', by: 민수 }, state, window), null);
});

test('fold: versions in log order, forged and late changes refused but kept, repeats counted once', () => {
  const m = msg('점심은 김치찌개 어때요?');
  const e1 = edit(m.id, '점심은 된장찌개 어때요?');
  const forged = edit(m.id, '점심은 굶자', 지영, T0 + 70_000);
  const e2 = edit(m.id, '점심은 된장찌개 어때요? (12시)', 민수, T0 + 80_000);
  const d = del(m.id, { ...관리자 }, T0 + 90_000, 'admin');
  const afterDelete = edit(m.id, '되살리기', 민수, T0 + 100_000);
  const v = foldChanges(m, [e1, forged, e1, e2, d, afterDelete, edit('other', '남의 것')]);
  assert.deepEqual(
    v.versions.map((x) => [x.text, x.ts, x.by.nick]),
    [
      ['점심은 김치찌개 어때요?', T0, '민수'],
      ['점심은 된장찌개 어때요?', T0 + 60_000, '민수'],
      ['점심은 된장찌개 어때요? (12시)', T0 + 80_000, '민수'],
    ],
  );
  assert.deepEqual(v.deleted, { ts: T0 + 90_000, by: 관리자, event: d.id });
  assert.deepEqual(
    v.refused.map((r) => [r.event, r.code, r.text]),
    [
      [forged.id, 'forbidden', '점심은 굶자'],
      [afterDelete.id, 'message_deleted', '되살리기'],
    ],
  );
  const now = latestEnvelope(v);
  assert.equal(now.text, '', 'members never get a deleted text');
  assert.deepEqual(now.meta.deleted, { ts: T0 + 90_000, by: 관리자 });
  assert.ok(!JSON.stringify(now).includes('찌개'), 'no version of the words survives in the tombstone');
});

test('latest state: edited text with meta.edited; a deleted bot answer keeps no data; applyChange agrees with the fold', () => {
  const m = msg('배포 끝났나요');
  const e = edit(m.id, '배포 끝났나요?');
  const edited = latestEnvelope(foldChanges(m, [e]));
  assert.equal(edited.text, '배포 끝났나요?');
  assert.equal(edited.meta.edited, e.ts);
  assert.equal(latestEnvelope(foldChanges(m, [])), m, 'an unchanged message is itself');

  const bot = createEnvelope({ type: 'bot', channel: '개발', user: { id: 'bot', nick: 'bot' }, text: '파묘: 장재현 감독', ts: T0, meta: { role: 'bot', movie: { title: '파묘' } } });
  const gone = applyChange(bot, del(bot.id, 관리자, T0 + 1, 'admin'))!;
  assert.equal(gone.text, '');
  assert.equal(gone.meta.movie, undefined);
  assert.equal(applyChange(gone, edit(bot.id, '살아남', bot.user)), null, 'no edit after a delete');

  // step by step (the gateway's ring) = all at once (ingest's readers), whatever the order of good and bad changes
  const changes = [edit(m.id, '하나'), edit(m.id, '남의', 지영), edit(m.id, '둘'), del(m.id, 지영), del(m.id), edit(m.id, '셋')];
  let state: Envelope = m;
  for (const c of changes) state = applyChange(state, c) ?? state;
  assert.deepEqual(state, latestEnvelope(foldChanges(m, changes)));
});

test('an edit or delete on the wire must name its target; one that does not is refused by the one parser', () => {
  const ok = parse(serialize(edit('m-1', '고친 글')));
  assert.equal(ok.ok, true);
  const raw = JSON.parse(serialize(edit('m-1', '고친 글'))) as Envelope;
  delete raw.meta.target;
  const bad = parse(JSON.stringify(raw));
  assert.equal(bad.ok, false);
  assert.match((bad as { reason: string }).reason, /meta\.target/);
  const long = parse(JSON.stringify({ ...raw, type: 'delete', meta: { target: 'x'.repeat(500) } }));
  assert.equal(long.ok, false);
});
