// The shared producer recovers from the broker answers kafkajs' idempotent
// producer cannot survive (a lost sequence after a leader change): the send
// that met it is refused, the next one goes out on a new producer. Other
// errors keep the producer (kafkajs retries them itself).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Producer } from 'kafkajs';
import { fatalProducerError, KafkaClient } from './kafka.ts';

const protocolError = (type: string) => Object.assign(new Error(`broker said ${type}`), { name: 'KafkaJSProtocolError', type, retriable: false });

test('fatalProducerError: sequence and producer-id losses, also wrapped by kafkajs retries; nothing else', () => {
  assert.equal(fatalProducerError(protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER')), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
  assert.equal(fatalProducerError(Object.assign(new Error('retries exceeded'), { originalError: protocolError('UNKNOWN_PRODUCER_ID') })), 'UNKNOWN_PRODUCER_ID');
  assert.equal(fatalProducerError(protocolError('NOT_LEADER_FOR_PARTITION')), null);
  assert.equal(fatalProducerError(new Error('Connection error: ECONNREFUSED')), null);
  assert.equal(fatalProducerError(undefined), null);
});

test('after a fatal producer error the next send goes out on a new producer; after any other error the producer stays', async () => {
  const client = new KafkaClient({ config: { topicPrefix: 'unit.', ingestGroup: 'ingest' }, brokers: ['127.0.0.1:1'], clientId: 'unit' });
  const made: { id: number; sends: number; disconnected: boolean }[] = [];
  const failures = [protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER'), null, new Error('Connection error'), null];
  (client as unknown as { kafka: { producer(): Producer } }).kafka.producer = () => {
    const me = { id: made.length, sends: 0, disconnected: false };
    made.push(me);
    return {
      connect: async () => undefined,
      disconnect: async () => void (me.disconnected = true),
      send: async () => {
        me.sends++;
        const failure = failures.shift();
        if (failure) throw failure;
        return [];
      },
    } as unknown as Producer;
  };
  await assert.rejects(client.send('t', [{ value: 'a' }]), /OUT_OF_ORDER_SEQUENCE_NUMBER/);
  await client.send('t', [{ value: 'b' }]);
  assert.deepEqual(made.map((p) => [p.id, p.sends, p.disconnected]), [[0, 1, true], [1, 1, false]]);
  await assert.rejects(client.send('t', [{ value: 'c' }]), /Connection error/);
  await client.send('t', [{ value: 'd' }]);
  assert.equal(made.length, 2, 'a connection error keeps the producer');
  assert.equal(made[1].sends, 3);
  await client.disconnect();
});
