// The tests' Kafka: one KafkaClient (the product's seam, core/kafka.ts) on the
// test broker, for a test's own config (its own topic prefix), with kchat's
// topics created from the one topic table (core/topics.ts).
import type { Config } from '../../core/config.ts';
import { KafkaClient } from '../../core/kafka.ts';
import { testBrokers } from './server.ts';

export async function testKafka(config: Config, clientId: string): Promise<KafkaClient> {
  const kafka = new KafkaClient({ config, brokers: testBrokers().split(','), clientId });
  await kafka.ensureTopics();
  return kafka;
}
