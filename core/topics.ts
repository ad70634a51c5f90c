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
/** One account or channel record is a few hundred bytes; anything near this is not ours. */
export const STATE_MAX_MESSAGE_BYTES = 64 * 1024;

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

/** A compacted topic rolling a segment every `segmentMs` (only closed segments are compacted); tombstones kept a day. */
function compacted(minInsyncReplicas: number, segmentMs: number): Record<string, string> {
  return {
    'cleanup.policy': 'compact',
    'min.insync.replicas': String(minInsyncReplicas),
    'segment.ms': String(segmentMs),
    'delete.retention.ms': String(24 * 3600_000),
    'min.cleanable.dirty.ratio': '0.5',
  };
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
    // Accounts and channels (accounts/, docs/accounts.md): ordered logs every node replays at start.
    // One partition each = one order in which "the first claim of a nick (or a channel name) wins"
    // is decided the same way everywhere; kept forever, not compacted, because compaction keeps only
    // the last record of a key and would lose which claim came first. They stay small: a record per
    // claim, password change, join or leave (a team of 1,000 writes a few MB a year).
    { name: names.topics.accounts, partitions: 1, replicationFactor, configs: { ...common, ...forever, 'max.message.bytes': String(STATE_MAX_MESSAGE_BYTES) } },
    { name: names.topics.channels, partitions: 1, replicationFactor, configs: { ...common, ...forever, 'max.message.bytes': String(STATE_MAX_MESSAGE_BYTES) } },
    // Latest-wins state, compacted: a read position per (account, channel), an online record per (gateway, account).
    { name: names.topics.reads, partitions: 1, replicationFactor, configs: { ...compacted(minInsyncReplicas, 6 * 3600_000), 'max.message.bytes': String(STATE_MAX_MESSAGE_BYTES) } },
    { name: names.topics.presence, partitions: 1, replicationFactor, configs: { ...compacted(minInsyncReplicas, 3600_000), 'max.message.bytes': String(STATE_MAX_MESSAGE_BYTES) } },
  ];
}
