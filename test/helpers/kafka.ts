// The tests' Kafka: one KafkaClient (the product's seam, core/kafka.ts) on the
// test broker, for a test's own config (its own topic prefix), with kchat's
// topics created from the one topic table (core/topics.ts).
import type { Config } from '../../core/config.ts';
import type { Database } from '../../core/db.ts';
import { startIngest } from '../../ingest/index.ts';
import { KafkaClient } from '../../core/kafka.ts';
import { testBrokers } from './server.ts';

export async function testKafka(config: Config, clientId: string): Promise<KafkaClient> {
  const kafka = new KafkaClient({ config, brokers: testBrokers().split(','), clientId });
  await kafka.ensureTopics();
  return kafka;
}

/**
 * Run ingest (ingest/consumer.ts) for a node's config and database until it has
 * stored everything on the topic (a clear error after 60 s); what it stored in this run.
 */
export async function ingestUntilCaughtUp(config: Config, db: Database): Promise<number> {
  const kafka = await testKafka(config, 'test-ingest-until-caught-up');
  try {
    const handle = await startIngest({ config, db, kafka, sessionTimeout: 6000 });
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`ingest did not catch up: ${JSON.stringify(handle.health().partitions)}`)), 60_000).unref());
    await Promise.race([handle.caughtUp(), timeout]);
    const stored = handle.health().stored;
    await handle.stop();
    return stored;
  } finally {
    await kafka.disconnect();
  }
}
