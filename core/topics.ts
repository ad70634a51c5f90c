// Every topic kchat uses, with its one set of settings. Topics are created
// from this table, in one place (KafkaClient.ensureTopics, called once at
// start by whichever process comes first: `npm start`, the CLI, the test
// runner); no part creates a topic of its own. Names come from core/names.ts.
import type { KafkaNames } from './names.ts';

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** topic-level configs (Kafka's names), applied when the topic is created */
  configs: Record<string, string>;
}

/** chat.events partitions: channels (the key) spread over them, order kept per channel. */
export const EVENTS_PARTITIONS = 6;
/** Largest record batch chat.events accepts (Kafka's default, spelled out). A chat envelope is at most a few KiB. */
export const EVENTS_MAX_MESSAGE_BYTES = 1024 * 1024;
/** chat.dlq takes any record chat.events took plus the reason headers, so it is larger. */
export const DLQ_MAX_MESSAGE_BYTES = 2 * 1024 * 1024;
/** A week of claims is plenty to decide late claimers (bots/runtime/claims.ts). */
export const CLAIMS_RETENTION_MS = 7 * 24 * 3600_000;

/**
 * Replication derived from the cluster size: RF = min(3, brokers); with three
 * or more copies a write needs two of them (min.insync.replicas=2, so one
 * broker may fail without losing an acknowledged message); below that every
 * copy must be in sync.
 */
export function replicationFor(brokers: number): { replicationFactor: number; minInsyncReplicas: number } {
  const replicationFactor = Math.max(1, Math.min(3, Math.floor(brokers)));
  return { replicationFactor, minInsyncReplicas: replicationFactor >= 3 ? 2 : 1 };
}

/** The topic table for a cluster of `brokers` nodes. */
export function topicSpecs(names: KafkaNames, brokers: number): TopicSpec[] {
  const { replicationFactor, minInsyncReplicas } = replicationFor(brokers);
  const common = { 'cleanup.policy': 'delete', 'min.insync.replicas': String(minInsyncReplicas) };
  const forever = { 'retention.ms': '-1', 'retention.bytes': '-1' };
  return [
    // the chat log, the system of record: kept forever
    {
      name: names.topics.events,
      partitions: EVENTS_PARTITIONS,
      replicationFactor,
      configs: { ...common, ...forever, 'max.message.bytes': String(EVENTS_MAX_MESSAGE_BYTES) },
    },
    // records ingest could not take, with the reason in headers: kept forever (they are evidence)
    { name: names.topics.dlq, partitions: 1, replicationFactor, configs: { ...common, ...forever, 'max.message.bytes': String(DLQ_MAX_MESSAGE_BYTES) } },
    // one partition = one order of claims every bots process agrees on
    {
      name: names.topics.claims,
      partitions: 1,
      replicationFactor,
      configs: { ...common, 'retention.ms': String(CLAIMS_RETENTION_MS), 'max.message.bytes': String(EVENTS_MAX_MESSAGE_BYTES) },
    },
  ];
}
