// Auditors' view of a message over HTTP, on a real server, broker and DuckDB:
// GET /api/messages/{id} (every version, the delete record, refused changes)
// and GET /api/messages/{id}/context (the events around it). The events come
// from an outside producer, as any Kafka client may write them — a forged
// edit included, which must never change the stored versions.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createEnvelope, type Envelope } from '../core/envelope.ts';
import { createKafka, createProducer, envelopeMessage } from '../core/kafka.ts';
import { login, startServer, testBrokers, type TestServer } from './helpers/server.ts';
import { until } from './helpers/ingest.ts';

let srv: TestServer;
let admin: string;
let auditor: string;
let member: string;
before(async () => {
  srv = await startServer();
  admin = fs.readFileSync(path.join(srv.dataDir, 'admin-token'), 'utf8').trim();
  const made = await call('/api/admin/cli', admin, { argv: ['users', 'add', '감사팀', '--role', 'auditor'] });
  auditor = ((await made.json()) as { stdout: string }).stdout.trim().split('\n').pop()!.trim();
  member = (await login(srv.url, '하준')).token;
});
after(async () => {
  await srv?.stop();
});

function call(p: string, token?: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (body === undefined) return fetch(srv.url + p, { headers });
  return fetch(srv.url + p, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

const T0 = Date.UTC(2024, 7, 27, 1, 0, 0);
const 민수 = { id: 'u_minsu', nick: '민수' };
const 지영 = { id: 'u_jiyoung', nick: '지영' };
let n = 0;
const ev = (type: Envelope['type'], user: typeof 민수, text: string, meta: Record<string, unknown> = {}, reply_to: string | null = null) =>
  createEnvelope({ type, channel: '회의', user, text, ts: T0 + ++n * 1000, reply_to, meta: { role: 'member', ...meta } });

const stored = async (): Promise<{ stored: number; lag: number | undefined }> => {
  const h = (await (await fetch(`${srv.url}/healthz`)).json()) as { parts?: { ingest?: { stored?: number; lag?: number } } };
  return { stored: h.parts?.ingest?.stored ?? 0, lag: h.parts?.ingest?.lag };
};

async function produce(events: Envelope[]): Promise<void> {
  const already = (await stored()).stored;
  const producer = createProducer(createKafka(testBrokers().split(','), 'test-messages-api'));
  await producer.connect();
  try {
    await producer.send({ topic: `${srv.prefix}chat.events`, messages: events.map(envelopeMessage) });
  } finally {
    await producer.disconnect();
  }
  await until(async () => {
    const now = await stored();
    return now.stored >= already + events.length && now.lag === 0;
  }, 'ingest stored the events');
}

test('every version, the delete record and the refused changes of a message; its context; auditors only, recorded', async () => {
  const before1 = ev('message', 지영, '회의 시작할게요');
  const m = ev('message', 민수, '회의록은 내일 올리겠습니다');
  const e1 = ev('edit', 민수, '회의록은 오늘 저녁에 올리겠습니다', { target: m.id });
  const forged = ev('edit', 지영, '회의록은 없습니다', { target: m.id });
  const reply = ev('message', 지영, '감사합니다', {}, m.id);
  const d = ev('delete', 민수, '', { target: m.id });
  const late = ev('edit', 민수, '되살린 회의록', { target: m.id });
  const after1 = ev('message', 지영, '다음 안건은요?');
  await produce([before1, m, e1, forged, reply, d, late, after1]);

  for (const token of [auditor, admin]) {
    const res = await call(`/api/messages/${encodeURIComponent(m.id)}`, token);
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(body.message.id, m.id);
    assert.equal(body.message.text, '회의록은 내일 올리겠습니다', 'the message as sent');
    assert.deepEqual(
      body.versions.map((v: { text: string; ts: number; by: { nick: string } }) => [v.text, v.ts, v.by.nick]),
      [
        ['회의록은 내일 올리겠습니다', m.ts, '민수'],
        ['회의록은 오늘 저녁에 올리겠습니다', e1.ts, '민수'],
      ],
    );
    assert.deepEqual(body.deleted, { ts: d.ts, by: 민수, id: d.id });
    assert.equal(body.edited, true);
    assert.equal(body.text, '회의록은 오늘 저녁에 올리겠습니다', 'auditors still read the last words of a deleted message');
    assert.deepEqual(
      body.refused.map((r: { id: string; code: string }) => [r.id, r.code]),
      [
        [forged.id, 'forbidden'],
        [late.id, 'message_deleted'],
      ],
    );
    assert.equal(body.replies, 1);
    assert.equal(typeof body.kafka.offset, 'number');
  }

  const ctx = (await (await call(`/api/messages/${m.id}/context?before=1&after=2`, auditor)).json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(ctx.channel, '회의');
  assert.deepEqual(
    ctx.events.map((e: Envelope) => e.id),
    [before1.id, m.id, e1.id, forged.id],
  );
  assert.equal(ctx.events[1].edited, true);
  assert.equal(ctx.events[1].deleted, true);
  assert.match(ctx.events[3].refused, /자기 메시지만 고칠 수 있습니다/);
  assert.equal(ctx.more_before, false);
  assert.equal(ctx.more_after, true);

  // who may ask, and what a wrong question gets
  assert.equal((await call(`/api/messages/${m.id}`)).status, 401);
  const refused = await call(`/api/messages/${m.id}`, member);
  assert.equal(refused.status, 403);
  const unknown = await call('/api/messages/no-such-id', auditor);
  assert.equal(unknown.status, 404);
  assert.match(((await unknown.json()) as { error: string }).error, /메시지를 찾을 수 없습니다/);
  const badRange = await call(`/api/messages/${m.id}/context?before=-1`, auditor);
  assert.equal(badRange.status, 400);
  assert.equal(((await badRange.json()) as { code: string }).code, 'bad_param');
  assert.equal((await call(`/api/messages/${'x'.repeat(300)}`, auditor)).status, 400);

  // each request is in the audit log, with the id asked for
  const trail = (await (await call('/api/audit-log?action=messages&limit=50', admin)).json()) as { entries: { action: string; detail: { id: string }; status: number }[] };
  const reads = trail.entries.filter((e) => e.detail?.id === m.id);
  assert.ok(reads.some((e) => e.action === 'messages.read' && e.status === 200));
  assert.ok(reads.some((e) => e.action === 'messages.context' && e.status === 200));
});

test('a replay from an empty DuckDB (another ingest group on the same topic) yields the same versions', async () => {
  const m = ev('message', 지영, '배포 일정 공유드려요: 목요일');
  const e1 = ev('edit', 지영, '배포 일정 공유드려요: 금요일', { target: m.id });
  const e2 = ev('edit', 지영, '배포 일정 공유드려요: 다음 주 월요일', { target: m.id });
  const forged = ev('delete', 민수, '', { target: m.id });
  await produce([m, e1, forged, e2]);
  const first = await (await call(`/api/messages/${m.id}`, admin)).json();

  // a second audit node: empty data directory, its own ingest group, the same topic from the beginning
  const replay = await startServer({ prefix: srv.prefix, env: { KCHAT_INGEST_GROUP: 'ingest-replay', KCHAT_BOTS: '0' } });
  try {
    const token = fs.readFileSync(path.join(replay.dataDir, 'admin-token'), 'utf8').trim();
    const again = await until(async () => {
      const res = await fetch(`${replay.url}/api/messages/${m.id}`, { headers: { authorization: `Bearer ${token}` } });
      if (res.status !== 200) return null;
      const body = (await res.json()) as { versions: unknown[]; refused: unknown[] };
      return body.versions.length === 3 && body.refused.length === 1 ? body : null;
    }, 'the replay stored the edits');
    assert.deepEqual(again, first);
  } finally {
    await replay.stop();
  }
});
