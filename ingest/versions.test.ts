// Messages as edits and deletes left them, read from the message log
// (ingest/versions.ts through messageLog): every version for auditors, the
// latest state for members' pages, the context around a message, threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Database } from '../core/db.ts';
import { createEnvelope, type Envelope } from '../core/envelope.ts';
import { messageLog } from './log.ts';
import { envelopeRow } from './store.ts';

const T0 = Date.UTC(2024, 7, 27, 0, 0, 0);
const 민수 = { id: 'u_minsu', nick: '민수' };
const 지영 = { id: 'u_jiyoung', nick: '지영' };
const 관리자 = { id: 'admin', nick: '관리자' };
let clock = 0;
const at = () => T0 + ++clock * 1000;

const message = (text: string, user = 민수, extra: { reply_to?: string; meta?: Record<string, unknown>; channel?: string } = {}) =>
  createEnvelope({ type: 'message', channel: extra.channel ?? '개발', user, text, ts: at(), reply_to: extra.reply_to, meta: { role: 'member', ...extra.meta } });
const change = (type: 'edit' | 'delete', target: string, user = 민수, text = '', role = 'member', channel = '개발') =>
  createEnvelope({ type, channel, user, text, ts: at(), meta: { role, target } });

async function logWith(events: Envelope[]) {
  const db = await Database.open(':memory:');
  const log = messageLog(db);
  await log.append(events.map((e, i) => envelopeRow(e, 'chat.events', 0, BigInt(i))));
  return { db, log };
}

test('a message with every version, its deletion and the refused changes; repeats and other channels change nothing', async () => {
  const m = message('오늘 배포는 세 시에 합니다');
  const other = message('다른 이야기', 지영);
  const e1 = change('edit', m.id, 민수, '오늘 배포는 네 시에 합니다');
  const forged = change('edit', m.id, 지영, '배포 취소');
  const elsewhere = change('edit', m.id, 민수, '엉뚱한 채널', 'member', 'random');
  const e2 = change('edit', m.id, 민수, '오늘 배포는 네 시 반에 합니다');
  const d = change('delete', m.id, 관리자, '', 'admin');
  const reply = message('네 알겠습니다', 지영, { reply_to: m.id });
  const { db, log } = await logWith([m, other, e1, forged, elsewhere, e1, e2, reply, d]);

  const rec = (await log.message(m.id))!;
  assert.equal(rec.message.id, m.id);
  assert.equal(rec.message.text, '오늘 배포는 세 시에 합니다', 'the message as it was sent');
  assert.deepEqual(
    rec.versions.map((v) => v.text),
    ['오늘 배포는 세 시에 합니다', '오늘 배포는 네 시에 합니다', '오늘 배포는 네 시 반에 합니다'],
  );
  assert.deepEqual(rec.versions.map((v) => v.ts), [m.ts, e1.ts, e2.ts]);
  assert.deepEqual(rec.deleted, { ts: d.ts, by: 관리자, event: d.id });
  assert.deepEqual(rec.refused.map((r) => [r.event, r.code]), [[forged.id, 'forbidden']]);
  assert.deepEqual(rec.kafka, { partition: 0, offset: 0 });
  assert.equal(rec.replies, 1);
  assert.equal(await log.message('없는-아이디'), null);

  const untouched = (await log.message(other.id))!;
  assert.equal(untouched.versions.length, 1);
  assert.equal(untouched.deleted, null);
  await db.close();
});

test('members’ pages show the latest state: edited text, no deleted text, no edit/delete events, reply counts', async () => {
  const a = message('첫 번째 메시지');
  const b = message('오타가 있는 메세지');
  const c = message('실수로 보낸 비밀번호 hunter2', 지영);
  const eb = change('edit', b.id, 민수, '오타를 고친 메시지');
  const dc = change('delete', c.id, 지영);
  const r1 = message('답글입니다', 지영, { reply_to: a.id });
  const r2 = message('나만 보는 답', 지영, { reply_to: a.id, meta: { visible_to: [지영.id] } });
  const last = message('마지막');
  const { db, log } = await logWith([a, b, c, eb, dc, r1, r2, last]);

  const page = await log.channelPage('개발', { before: last.ts + 1, limit: 50, viewer: 민수.id });
  assert.deepEqual(page.map((e) => e.id), [a.id, b.id, c.id, r1.id, last.id], 'no edit/delete events, no answer meant for someone else');
  const byId = new Map(page.map((e) => [e.id, e]));
  assert.equal(byId.get(b.id)!.text, '오타를 고친 메시지');
  assert.equal(byId.get(b.id)!.meta.edited, eb.ts);
  assert.equal(byId.get(c.id)!.text, '');
  assert.deepEqual(byId.get(c.id)!.meta.deleted, { ts: dc.ts, by: 지영 });
  assert.ok(!JSON.stringify(page).includes('hunter2'));
  assert.equal(byId.get(a.id)!.meta.replies, 1, 'an answer meant for one person is not counted for everyone');

  // the limit counts what is shown: edits/deletes do not eat page slots
  const two = await log.channelPage('개발', { before: last.ts + 1, limit: 2, viewer: 민수.id });
  assert.deepEqual(two.map((e) => e.id), [r1.id, last.id]);
  await db.close();
});

test('context: the events around a message in its channel, as sent, flagged; bounded on both sides', async () => {
  const events: Envelope[] = [];
  for (let i = 0; i < 6; i++) events.push(message(`메시지 ${i}번`));
  const elsewhere = message('다른 채널', 민수, { channel: 'random' });
  const target = events[5];
  const edit = change('edit', target.id, 민수, '메시지 5번 (고침)');
  const forged = change('delete', events[0].id, 지영);
  for (let i = 6; i < 10; i++) events.push(message(`메시지 ${i}번`));
  const { db, log } = await logWith([...events.slice(0, 6), elsewhere, edit, forged, ...events.slice(6)]);

  const ctx = (await log.context(target.id, { before: 2, after: 3 }))!;
  assert.equal(ctx.channel, '개발');
  assert.deepEqual(
    ctx.events.map((e) => e.text),
    ['메시지 3번', '메시지 4번', '메시지 5번', '메시지 5번 (고침)', '', '메시지 6번'],
    'every type in order, the message as sent in the middle',
  );
  assert.equal(ctx.events[2].edited, true);
  assert.equal(ctx.events[2].deleted, false);
  assert.equal(ctx.events[3].type, 'edit');
  assert.equal(ctx.events[3].refused, undefined);
  assert.equal(ctx.events[4].type, 'delete');
  assert.match(ctx.events[4].refused!, /지울 수 있습니다/, 'a forged delete is shown refused (its target lies outside the window)');
  assert.equal(ctx.more_before, true);
  assert.equal(ctx.more_after, true);
  const all = (await log.context(target.id, { before: 100, after: 100 }))!;
  assert.equal(all.events.length, 12);
  assert.equal(all.more_before, false);
  assert.equal(all.more_after, false);
  assert.equal(all.events[0].deleted, false, 'the forged delete changed nothing');
  assert.equal(await log.context('없음', { before: 1, after: 1 }), null);
  await db.close();
});

test('a thread: the message and its replies in their latest state, as the viewer may see them', async () => {
  const q = message('@bot 파묘 감독은 누구야?');
  const a = createEnvelope({ type: 'bot', channel: '개발', user: { id: 'bot', nick: 'bot' }, text: '파묘의 감독은 `장재현`입니다.', ts: at(), reply_to: q.id, meta: { role: 'bot' } });
  const r = message('고마워요', 민수, { reply_to: q.id });
  const secret = message('너만 봐', 지영, { reply_to: q.id, meta: { visible_to: [지영.id] } });
  const dr = change('delete', r.id);
  const { db, log } = await logWith([q, a, r, secret, dr, message('스레드 밖')]);
  const t = (await log.thread(q.id, { viewer: 민수.id }))!;
  assert.equal(t.parent.id, q.id);
  assert.equal(t.parent.meta.replies, 2);
  assert.deepEqual(t.replies.map((e) => [e.type, e.text]), [['bot', '파묘의 감독은 `장재현`입니다.'], ['message', '']]);
  assert.equal(t.more, false);
  const seenByJiyoung = (await log.thread(q.id, { viewer: 지영.id }))!;
  assert.equal(seenByJiyoung.replies.length, 3);
  assert.equal(await log.thread(secret.id, { viewer: 민수.id }), null, 'not yours to see');
  assert.equal(await log.thread(dr.id), null, 'a delete event has no thread');
  await db.close();
});
