// Older history pages beyond the gateway's in-memory ring come from ingest's
// message log: they are the very envelopes that were on Kafka (meta
// included, not rebuilt from columns), and an answer meant for one person
// (meta.visible_to) never shows up in anyone else's history.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createEnvelope, type Envelope } from '../core/envelope.ts';
import { createKafka, createProducer, envelopeMessage } from '../core/kafka.ts';
import { login, startServer, testBrokers, wsClient, type TestServer } from './helpers/server.ts';
import { until } from './helpers/ingest.ts';

let srv: TestServer;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv?.stop();
});

const CHANNEL = '기록';
const T0 = Date.UTC(2024, 7, 27, 0, 0, 0);

test('a page older than the ring is read from the message log with each envelope whole', async () => {
  // 1,030 events from an outside producer: the ring (1,000 per channel) loses the first 30
  const events: Envelope[] = Array.from({ length: 1030 }, (_, i) =>
    createEnvelope({
      type: 'message',
      channel: CHANNEL,
      user: { id: `u_ext${i % 4}`, nick: ['민수', '지영', '철수', 'Alice'][i % 4] },
      text: `오래된 메시지 ${i}번: 회의는 3시에요`,
      ts: T0 + i * 1000,
      reply_to: i > 0 && i % 10 === 0 ? `prev-${i - 1}` : null,
      meta: { source: 'importer', 순번: i, tags: ['가', 'b'] },
    }),
  );
  // an answer for one auditor only, among the old events
  const ephemeral = createEnvelope({
    type: 'bot',
    channel: CHANNEL,
    user: { id: 'bot', nick: 'kchat봇' },
    text: '검색 결과 2건 (감사팀만 보임)',
    ts: T0 + 15_500,
    meta: { visible_to: ['u_auditor_only'] },
  });
  const kafka = createKafka(testBrokers().split(','), 'test-gateway-history');
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    await producer.send({ topic: `${srv.prefix}chat.events`, messages: [...events.slice(0, 16), ephemeral, ...events.slice(16)].map(envelopeMessage) });
  } finally {
    await producer.disconnect();
  }
  await until(async () => {
    const h = (await (await fetch(`${srv.url}/healthz`)).json()) as { parts?: { ingest?: { stored?: number; lag?: number } } };
    return (h.parts?.ingest?.stored ?? 0) >= 1031 && h.parts?.ingest?.lag === 0;
  }, 'ingest stored the events');

  const { token } = await login(srv.url, '하준');
  const ws = await wsClient(srv.url, token);
  ws.send({ type: 'join', channel: CHANNEL });
  const first = await ws.next((f) => f.type === 'history' && f.channel === CHANNEL);
  assert.deepEqual(first.events.slice(-3), events.slice(-3), 'the join page comes from the ring');

  ws.send({ type: 'history', channel: CHANNEL, before: events[21].ts, limit: 12, ref: 'old' });
  const page = await ws.next((f) => f.type === 'history' && f.ref === 'old');
  assert.deepEqual(page.events, events.slice(9, 21), 'the stored envelopes, meta and reply_to included, oldest first; the ephemeral answer left out');

  ws.send({ type: 'history', channel: CHANNEL, before: events[3].id, limit: 50, ref: 'oldest' });
  const oldest = await ws.next((f) => f.type === 'history' && f.ref === 'oldest');
  assert.deepEqual(oldest.events, events.slice(0, 3), 'before an event id');
  await ws.close();
});
