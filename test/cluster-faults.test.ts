// kchat beyond one machine, as issue #16's "done when" tries it from outside:
// a 3-broker KRaft cluster (kafka/cluster.ts), three product nodes sharing it
// — A everything, B gateway only (no DuckDB), C a second audit node with its
// own ingest group — and haproxy (deploy/haproxy.cfg, the file Docker users
// run) in front of A and B. Six people chat through haproxy while the broker
// leading their channel is SIGKILLed; every send is delivered or refused with
// its ref, everyone sees every delivered message once, and both audit nodes
// hold each once, compared to the log itself. Then a gateway, an audit node's
// ingest and a whole audit node are lost, and a node comes back in another role.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { logLevel } from 'kafkajs';
import { createKafka } from '../core/kafka.ts';
import { kafkaNames } from '../core/names.ts';
import type { LocalCluster } from '../kafka/cluster.ts';
import { gatewayHealth, haproxyMissing, readLog, sql, startHaproxy, testCluster, until, type Haproxy } from './helpers/cluster.ts';
import { login, startServer, uniquePrefix, wsClient, type Frame, type TestServer, type WsClient } from './helpers/server.ts';

const skip = haproxyMissing() ?? false;
const CHANNEL = '장애훈련';
const PEOPLE = ['민수', '지은', '서연', '도윤', '하준', '수아'];
/** messages each person sends during the broker kill */
const PER_PERSON = 40;

interface Person {
  nick: string;
  token: string;
  userId: string;
  ws: WsClient;
  /** gateway id its current connection is on (from the connection's `self` frame) */
  gateway: string;
}

const ADMIN = crypto.randomBytes(24).toString('base64url');
const env = (extra: Record<string, string>): Record<string, string> => ({
  ADMIN_TOKEN: ADMIN,
  KCHAT_SESSION_SECRET: crypto.randomBytes(32).toString('base64url'),
  ...extra,
});

const isMine = (p: Person, ref: string) => (f: Frame) => f.type === 'message' && f.channel === CHANNEL && f.user?.id === p.userId && f.meta?.ref === ref;
const isRefusal = (ref: string) => (f: Frame) => f.type === 'error' && f.ref === ref;
/** Why sends were refused, with how many each (printed beside the counts: a refusal's reason is the first clue). */
const reasons = new Map<string, number>();

/** Message envelopes of the channel a person received, by id → how many times. */
function received(p: Person): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of p.ws.frames) if (f.v === 1 && f.type === 'message' && f.channel === CHANNEL) counts.set(f.id, (counts.get(f.id) ?? 0) + 1);
  return counts;
}

async function connect(lb: string, nick: string, token: string, userId: string): Promise<Person> {
  // the load balancer may still send a first attempt to a gateway that just died: retry until a gateway takes us
  const ws = await until(() => wsClient(lb, token).catch(() => null), `a websocket for ${nick} through haproxy`, 60_000);
  const self = await ws.next((f) => f.type === 'self');
  // membership is the account's: a reconnect gets the channel back without joining (and posts nothing)
  const { channels } = await ws.next((f) => f.type === 'channels');
  if (!channels.some((c: Frame) => c.name === CHANNEL)) {
    ws.send({ type: 'join', channel: CHANNEL });
    await ws.next((f) => f.v === 1 && f.type === 'join' && f.channel === CHANNEL && f.user.id === userId, 60_000);
  }
  await ws.next((f) => f.type === 'history' && f.channel === CHANNEL);
  return { nick, token, userId, ws, gateway: self.gateway };
}

/** Every send of `people` answered: its own copy back (delivered) or an error with its ref (refused). */
async function chat(people: Person[], count: number, tag: string, during?: (acked: number) => Promise<void> | void): Promise<{ delivered: Map<string, string>; refused: string[] }> {
  const delivered = new Map<string, string>(); // ref → envelope id
  const refused: string[] = [];
  let acked = 0;
  let fired = false;
  await Promise.all(
    people.map(async (p, pi) => {
      const answers: Promise<void>[] = [];
      for (let i = 0; i < count; i++) {
        const ref = `${tag}-${pi}-${i}`;
        p.ws.send({ type: 'message', channel: CHANNEL, text: `${p.nick}의 ${i + 1}번째 메시지예요 (${tag}) — 브로커가 죽어도 괜찮아요`, ref });
        const echo = p.ws.next(isMine(p, ref), 120_000).then((f) => void delivered.set(ref, f.id));
        const refusal = p.ws.next(isRefusal(ref), 120_000).then((f) => {
          refused.push(ref);
          reasons.set(`${f.code}: ${f.message}`, (reasons.get(`${f.code}: ${f.message}`) ?? 0) + 1);
        });
        // only one of the two comes: the other waiter times out later, quietly
        echo.catch(() => undefined);
        refusal.catch(() => undefined);
        const dropped = p.ws.closed.then((c) => Promise.reject(new Error(`${p.nick}'s connection closed (${c.code} ${c.reason}) while waiting for ${ref}`)));
        dropped.catch(() => undefined);
        answers.push(
          Promise.race([echo, refusal, dropped]).then(() => {
            acked++;
            if (during && !fired && acked >= (people.length * count) / 3) {
              fired = true;
              return during(acked);
            }
          }),
        );
        // ~8 a second per person: under the gateway's rate limit, a steady burst for several seconds
        await new Promise((r) => setTimeout(r, 120));
      }
      await Promise.all(answers);
    }),
  );
  return { delivered, refused };
}

describe('kchat on a 3-broker cluster with two gateways, two audit nodes and haproxy', { skip }, () => {
  let cluster: LocalCluster;
  let a: TestServer; // everything: gateway, ingest (group "ingest"), bots, scheduler, audit API
  let b: TestServer; // gateway only
  let c: TestServer; // second audit node: ingest group "audit2", no gateway
  let lb: Haproxy;
  const people: Person[] = [];
  let base: Record<string, string>;
  const prefix = uniquePrefix('cluster');
  const logIds = async (): Promise<string[]> =>
    (await readLog(cluster.brokers, kafkaNames({ topicPrefix: prefix, ingestGroup: 'ingest' }).topics.events))
      .filter((r) => r.envelope?.type === 'message' && r.envelope.channel === CHANNEL)
      .map((r) => r.envelope!.id);
  /** the audit node's stored message ids of the channel, once it holds as many as the log */
  const storedIds = async (url: string, want: number): Promise<string[]> => {
    await until(async () => Number((await sql(url, ADMIN, 'SELECT count(*) FROM messages WHERE channel = ? AND type = ?', [CHANNEL, 'message']))[0][0]) >= want, `${url} to store ${want} messages`, 180_000);
    return (await sql(url, ADMIN, 'SELECT id FROM messages WHERE channel = ? AND type = ?', [CHANNEL, 'message'])).map((r) => String(r[0]));
  };

  before(async () => {
    cluster = await testCluster(3);
    base = env({ KAFKA_BROKERS: cluster.brokers.join(',') });
    const off = { KCHAT_INGEST: '0', KCHAT_BOTS: '0', KCHAT_SCHEDULER: '0' };
    [a, b, c] = await Promise.all([
      startServer({ prefix, env: base }),
      startServer({ prefix, env: { ...base, ...off } }),
      startServer({ prefix, env: { ...base, KCHAT_GATEWAY: '0', KCHAT_BOTS: '0', KCHAT_SCHEDULER: '0', KCHAT_INGEST_GROUP: 'audit2' } }),
    ]);
    // the gateways consume before they count as healthy (a fresh cluster's group coordinator takes a moment)
    for (const s of [a, b]) await until(async () => (await fetch(`${s.url}/healthz`)).status === 200, `${s.url} healthy`, 60_000);
    lb = await startHaproxy({ gateways: [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`], audit: `127.0.0.1:${a.port}` });
  });

  after(async () => {
    // KCHAT_TEST_LOGS=DIR keeps every node's log (and haproxy's) for a look after a failure
    if (process.env.KCHAT_TEST_LOGS) {
      fs.mkdirSync(process.env.KCHAT_TEST_LOGS, { recursive: true });
      for (const [name, text] of Object.entries({ a: a?.stderr(), b: b?.stderr(), c: c?.stderr(), haproxy: lb?.output() })) {
        fs.writeFileSync(path.join(process.env.KCHAT_TEST_LOGS, `${name}.log`), text ?? '');
      }
    }
    for (const p of people) await p.ws.close().catch(() => undefined);
    await lb?.stop();
    await Promise.all([a, b, c].map((s) => s?.stop()));
    await cluster?.stop();
  });

  test('roles by configuration: the gateway-only node has no DuckDB, each audit node has its own', async () => {
    assert.equal(fs.existsSync(path.join(b.dataDir, 'kchat.duckdb')), false, 'no DuckDB file on the gateway-only node');
    assert.ok(fs.existsSync(path.join(a.dataDir, 'kchat.duckdb')));
    assert.ok(fs.existsSync(path.join(c.dataDir, 'kchat.duckdb')));
    const health = async (s: TestServer) => (await (await fetch(`${s.url}/healthz`)).json()) as { status: string; roles: string[] };
    assert.deepEqual((await health(b)).roles, ['gateway']);
    assert.deepEqual((await health(c)).roles, ['ingest', 'audit']);
    assert.equal((await health(a)).status, 'ok');
    // the audit API is not served by the gateway-only node; through haproxy it reaches the audit node
    assert.equal((await fetch(`${b.url}/api/sql`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` }, body: '{"sql":"SELECT 1"}' })).status, 404);
    assert.deepEqual(await sql(lb.url, ADMIN, 'SELECT 1 + 1'), [[2]]);
  });

  test('six people on two gateways chat while the broker leading their channel is SIGKILLed', async (t) => {
    for (const nick of PEOPLE) {
      const { token, user } = await login(lb.url, nick);
      people.push(await connect(lb.url, nick, token, user.id));
    }
    const [ga, gb] = await Promise.all([gatewayHealth(a.url), gatewayHealth(b.url)]);
    const on = (id: string) => people.filter((p) => p.gateway === id).length;
    assert.ok(on(ga.id) >= 1 && on(gb.id) >= 1, `people on both gateways (A ${on(ga.id)}, B ${on(gb.id)})`);
    assert.equal(on(ga.id) + on(gb.id), 6);
    await Promise.all(people.map((p) => p.ws.next((f) => f.type === 'presence' && f.channel === CHANNEL && f.users.length === 6, 60_000)));

    // which partition holds the channel, and which broker leads it
    const first = await chat(people.slice(0, 1), 1, 'first');
    const [firstId] = first.delivered.values();
    const [[partition]] = await until(async () => {
      const rows = await sql(a.url, ADMIN, 'SELECT kafka_partition FROM messages WHERE id = ?', [firstId]);
      return rows.length ? rows : null;
    }, 'the first message on the audit node');
    const admin = createKafka(cluster.brokers, 'cluster-test-admin', { logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const topic = kafkaNames({ topicPrefix: prefix, ingestGroup: 'ingest' }).topics.events;
    const leaderOf = async () => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions.find((p) => p.partitionId === partition)!.leader;
    const victim = await leaderOf();

    const { delivered, refused } = await chat(people, PER_PERSON, 'burst', () => cluster.killNode(victim));
    const total = people.length * PER_PERSON;
    assert.equal(delivered.size + refused.filter((r) => !delivered.has(r)).length, total, 'every send delivered or refused with its ref');
    t.diagnostic(`broker ${victim} (leader of partition ${partition}) SIGKILLed: ${delivered.size} of ${total} delivered, ${refused.length} refused; people on A ${on(ga.id)}, on B ${on(gb.id)}`);
    assert.ok(refused.length <= total * 0.01, `at most 1 % refused: ${refused.length} of ${total} (${[...reasons].map(([r, n]) => `${n}× ${r}`).join('; ')})`);
    const newLeader = await leaderOf();
    assert.notEqual(newLeader, victim, 'the leadership moved off the dead broker');

    // the broker returns; the chat goes on
    await cluster.startNode(victim);
    const later = await chat(people, 2, 'returned');
    for (const [ref, id] of later.delivered) delivered.set(ref, id);
    await admin.disconnect();

    // the log is the truth: every delivered message once, nothing else of ours
    const expected = new Set([firstId, ...delivered.values()]);
    const log = await logIds();
    assert.equal(new Set(log).size, log.length, 'no message twice in the log');
    for (const id of expected) assert.ok(log.includes(id), `delivered ${id} is in the log`);
    assert.ok(log.length - expected.size <= refused.length, 'only refused sends that "may still be delivered" are in the log besides the delivered ones');

    // each person sees every message in the log exactly once
    for (const p of people) {
      await until(async () => log.every((id) => received(p).has(id)), `${p.nick} to receive all ${log.length} messages`, 120_000);
      const dup = [...received(p)].filter(([, n]) => n > 1);
      assert.deepEqual(dup, [], `${p.nick} saw no message twice`);
    }
    // both audit nodes hold every message of the log exactly once
    for (const node of [a, c]) {
      const ids = await storedIds(node.url, log.length);
      assert.equal(ids.length, log.length, `${node.url} holds each message once`);
      assert.deepEqual([...ids].sort(), [...log].sort());
    }
  });

  test('a gateway SIGKILLed: its people reconnect through haproxy and carry on on the other gateway', async () => {
    const { id: deadId } = await gatewayHealth(b.url);
    const { id: liveId } = await gatewayHealth(a.url);
    const orphans = people.filter((p) => p.gateway === deadId);
    assert.ok(orphans.length >= 1);
    await b.kill();
    await Promise.all(orphans.map((p) => p.ws.closed));
    for (const p of orphans) {
      const again = await connect(lb.url, p.nick, p.token, p.userId);
      Object.assign(p, { ws: again.ws, gateway: again.gateway });
      assert.equal(p.gateway, liveId, `${p.nick} is now on the live gateway`);
    }
    const { delivered, refused } = await chat(people, 3, 'after-gateway-loss');
    assert.deepEqual(refused, []);
    for (const p of people) {
      await until(async () => [...delivered.values()].every((id) => received(p).has(id)), `${p.nick} to receive the messages after the gateway loss`, 60_000);
      assert.deepEqual([...received(p)].filter(([, n]) => n > 1), []);
    }
  });

  test("an audit node's ingest SIGKILLed during a burst resumes without losing or doubling a row", async () => {
    const burst = chat(people.slice(0, 3), 10, 'ingest-kill');
    await until(async () => Number((await sql(c.url, ADMIN, "SELECT count(*) FROM messages WHERE text LIKE '%(ingest-kill)%'"))[0][0]) > 0, 'the burst to reach the second audit node');
    await c.kill();
    await burst;
    c = await startServer({ prefix, dataDir: c.dataDir, env: { ...base, KCHAT_GATEWAY: '0', KCHAT_BOTS: '0', KCHAT_SCHEDULER: '0', KCHAT_INGEST_GROUP: 'audit2' } });
    const log = await logIds();
    const ids = await storedIds(c.url, log.length);
    assert.equal(ids.length, log.length);
    assert.deepEqual([...ids].sort(), [...log].sort());
  });

  test('an audit node lost with its disk is rebuilt from the log under the same ingest group', async () => {
    await c.kill();
    const fresh = { ...base, KCHAT_GATEWAY: '0', KCHAT_BOTS: '0', KCHAT_SCHEDULER: '0', KCHAT_INGEST_GROUP: 'audit2' };
    c = await startServer({ prefix, env: fresh }); // a new, empty DATA_DIR
    const log = await logIds();
    const ids = await storedIds(c.url, log.length);
    assert.deepEqual([...ids].sort(), [...log].sort());
  });

  test('a node restarted in another role: the gateway-only node comes back as a third audit node', async () => {
    const asAudit = await startServer({ prefix, dataDir: b.dataDir, env: { ...base, KCHAT_GATEWAY: '0', KCHAT_BOTS: '0', KCHAT_SCHEDULER: '0', KCHAT_INGEST_GROUP: 'audit3' } });
    try {
      assert.ok(fs.existsSync(path.join(b.dataDir, 'kchat.duckdb')), 'it has a DuckDB file now');
      const log = await logIds();
      const ids = await storedIds(asAudit.url, log.length);
      assert.deepEqual([...ids].sort(), [...log].sort());
    } finally {
      await asAudit.stop();
    }
  });
});
