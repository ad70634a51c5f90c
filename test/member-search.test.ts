// Private conversations stay private (issue #12, "done when"): on a real
// server and broker, a private channel and a DM never show up in another
// member's search or channel list; members search the channels they belong
// to (same query language, Korean particles included); an auditor finds
// everything, and each search of theirs that shows a private conversation is
// in audit_log as `private.read`. Scheduled notebook reports may only go to a
// channel whose members are all auditors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { login, searchReady, startServer, wsClient, type Frame, type TestServer, type WsClient } from './helpers/server.ts';

const skip = process.env.KAFKA_BROKERS ? false : 'KAFKA_BROKERS is not set: run through `npm test` (it starts a broker)';

let srv: TestServer;
let admin: string;
const tokens = new Map<string, string>();
before(async () => {
  if (skip) return;
  srv = await startServer({ env: { KCHAT_SEARCH: 'on' } }); // search is the search service (a JVM)
  admin = fs.readFileSync(path.join(srv.dataDir, 'admin-token'), 'utf8').trim();
  await searchReady(srv);
});
after(async () => {
  await srv?.stop();
});

async function connect(nick: string): Promise<WsClient> {
  tokens.set(nick, (await login(srv.url, nick)).token);
  const ws = await wsClient(srv.url, tokens.get(nick)!);
  await ws.next((f) => f.type === 'channels');
  return ws;
}

const get = async (url: string, token: string) => {
  const res = await fetch(`${srv.url}${url}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Frame };
};
const search = async (q: string, token: string) => {
  const r = await get(`/api/search?${new URLSearchParams({ q })}`, token);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as { hits: { id: string; channel: string; text: string }[]; total: number };
};

test('private channels and DMs: only their members find them, in search and in the channel list; auditors find them, and it is logged', { skip, timeout: 180_000 }, async () => {
  const [minsu, jiyoung, cheolsu] = [await connect('민수'), await connect('지영'), await connect('철수')];
  for (const [ws, nick] of [[minsu, '민수'], [jiyoung, '지영'], [cheolsu, '철수']] as const) {
    ws.send({ type: 'join', channel: '공개' });
    await ws.next((f) => f.v === 1 && f.type === 'join' && f.channel === '공개' && f.user.nick === nick);
  }
  minsu.send({ type: 'create', channel: '기밀', private: true, members: ['지영'] });
  minsu.send({ type: 'message', channel: '기밀', text: '회의록 초안은 우리 둘만 봅시다', ref: 'secret' });
  minsu.send({ type: 'dm', nick: '지영', ref: 'dm' });
  const dm = await minsu.next((f) => f.type === 'dm' && f.ref === 'dm');
  minsu.send({ type: 'message', channel: dm.channel, text: '회의록은 따로 메일로 보낼게요', ref: 'direct' });
  minsu.send({ type: 'message', channel: '공개', text: '회의록을 모두에게 공유합니다', ref: 'public' });
  for (const ref of ['secret', 'direct', 'public']) await jiyoung.next((f) => f.meta?.ref === ref);
  assert.ok(!cheolsu.frames.some((f) => f.meta?.ref === 'secret' || f.meta?.ref === 'direct'), 'the private messages never reached 철수');

  // ingest stores them; the auditor (admin token) sees all three once it has (each try is a real round trip)
  let all = await search('회의록', admin);
  for (let i = 0; i < 300 && all.total < 3; i++) all = await search('회의록', admin);
  assert.deepEqual(all.hits.map((h) => h.channel).sort(), [dm.channel, '공개', '기밀'].sort());

  // 철수 belongs to #공개 only: the same query (with a particle, and aimed at the private channel) finds nothing private
  const outsider = await search('회의록을', tokens.get('철수')!);
  assert.deepEqual(outsider.hits.map((h) => h.text), ['회의록을 모두에게 공유합니다']);
  assert.equal(outsider.total, 1);
  assert.equal((await search('회의록 in:#기밀', tokens.get('철수')!)).total, 0);
  assert.equal((await search(`초안 in:#${dm.channel}`, tokens.get('철수')!)).total, 0);
  // 지영 is in all three: her own channels are searchable
  const member = await search('회의록', tokens.get('지영')!);
  assert.deepEqual(member.hits.map((h) => h.channel).sort(), [dm.channel, '공개', '기밀'].sort());
  assert.equal((await search('초안 in:#기밀', tokens.get('지영')!)).total, 1);

  // the directory: 철수 sees neither the private channel nor the DM; 지영 sees both
  const names = async (nick: string) => ((await get('/api/channels', tokens.get(nick)!)).body.channels as Frame[]).map((c) => c.name);
  assert.deepEqual(await names('철수'), ['공개']);
  assert.deepEqual((await names('지영')).sort(), [dm.channel, '공개', '기밀'].sort());

  // the auditor's reads of the private conversations are in audit_log, naming them
  const log = await get('/api/audit-log?action=private.read', admin);
  assert.equal(log.status, 200);
  const reads = log.body.entries as Frame[];
  assert.ok(reads.length >= 1, 'a private.read row');
  const detail = reads[0].detail as { via: string; channels: { channel: string; dm: boolean; messages: string[] }[] };
  assert.equal(detail.via, 'search');
  assert.deepEqual(detail.channels.map((c) => c.channel).sort(), [dm.channel, '기밀'].sort());
  assert.equal(detail.channels.find((c) => c.channel === dm.channel)?.dm, true);
  // members' searches read nothing private: no such row names them
  assert.ok(reads.every((r) => r.actor.role === 'admin' || r.actor.role === 'auditor'));
  for (const ws of [minsu, jiyoung, cheolsu]) await ws.close();
});

test('after edits and deletes: members find only the latest text and never a deleted message; auditors find every version, flagged', { skip, timeout: 120_000 }, async () => {
  const [author, reader] = [await connect('고치는사람'), await connect('찾는사람')];
  for (const [ws, nick] of [[author, '고치는사람'], [reader, '찾는사람']] as const) {
    ws.send({ type: 'join', channel: '수정방' });
    await ws.next((f) => f.v === 1 && f.type === 'join' && f.channel === '수정방' && f.user.nick === nick);
  }
  author.send({ type: 'message', channel: '수정방', text: '서버 점검은 화요일 새벽에 합니다', ref: 'plan' });
  const plan = await reader.next((f) => f.meta?.ref === 'plan');
  author.send({ type: 'edit', id: plan.id, text: '서버 점검은 수요일 새벽에 합니다', ref: 'plan-edit' });
  await reader.next((f) => f.type === 'edit' && f.meta?.ref === 'plan-edit');
  author.send({ type: 'message', channel: '수정방', text: '임시 비밀번호는 봄날2024 입니다', ref: 'oops' });
  const oops = await reader.next((f) => f.meta?.ref === 'oops');
  author.send({ type: 'delete', id: oops.id, ref: 'oops-del' });
  await reader.next((f) => f.type === 'delete' && f.meta?.ref === 'oops-del');

  // the auditor: the word edited away still finds the message (now showing its latest text), flagged; the deleted one too
  type Hit = { id: string; text: string; edited?: boolean; deleted?: boolean };
  const auditorHit = async (q: string, id: string, ready: (h: Hit) => boolean) => {
    for (let i = 0; i < 300; i++) {
      const h = ((await search(q, admin)).hits as Hit[]).find((x) => x.id === id);
      if (h && ready(h)) return h;
    }
    assert.fail(`the auditor's search for ${q} did not show ${id} as expected`);
  };
  const edited = await auditorHit('화요일에', plan.id, (h) => h.edited === true);
  assert.equal(edited.text, '서버 점검은 수요일 새벽에 합니다');
  assert.equal(edited.deleted, false);
  const deleted = await auditorHit('임시 비밀번호', oops.id, (h) => h.deleted === true);
  assert.equal(deleted.text, '임시 비밀번호는 봄날2024 입니다');

  // the member: only the latest text matches; the deleted message never does
  const mine = tokens.get('찾는사람')!;
  assert.equal((await search('화요일', mine)).total, 0, 'a word edited away is not found by members');
  assert.deepEqual((await search('수요일에', mine)).hits.map((h) => h.id), [plan.id]);
  assert.equal((await search('비밀번호', mine)).total, 0, 'a deleted message is not found by members');
  assert.equal((await search('봄날2024', mine)).total, 0);
  await Promise.all([author.close(), reader.close()]);
});

test('scheduled notebook reports go only to channels whose members are all auditors', { skip, timeout: 60_000 }, async () => {
  const put = (channel: string) =>
    fetch(`${srv.url}/api/notebooks/report-target-check`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: `---\ntitle: 대상 확인\nschedule: 0 9 * * *\nchannel: ${channel}\n---\n\n\`\`\`sql name=n\nSELECT 1 AS n\n\`\`\`\n` }),
    });
  // a public channel: any member could join and read
  const open = await put('공개');
  assert.equal(open.status, 400);
  const body = (await open.json()) as { code: string; error: string };
  assert.equal(body.code, 'bad_channel');
  assert.match(body.error, /공개 채널/);
  // a private channel with members who are not auditors
  const secret = await put('기밀');
  assert.equal(secret.status, 400);
  assert.match(((await secret.json()) as { error: string }).error, /감사 권한이 없는 멤버\(.*민수/);
  // #audit: private to auditors and admins
  assert.equal((await put('audit')).status, 200);
});
