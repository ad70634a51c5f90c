// The one place that names Kafka things. Every topic and consumer group is
// derived here from the config, with the same prefix (KCHAT_TOPIC_PREFIX), so
// side-by-side installs and tests never share a topic or a group, and no
// other file spells or slices a name.
import type { Config } from './config.ts';

export interface KafkaNames {
  topics: {
    /** the chat log, key = channel; the system of record (kept forever) */
    events: string;
    /** records ingest could not take, with the reason in headers */
    dlq: string;
    /** who fires each scheduled reminder / watcher alert (one partition = one agreed order) */
    claims: string;
    /** accounts: claims of nicks, passwords, renames, disables (one partition, kept forever; accounts/) */
    accounts: string;
    /** channels: private channels, DMs and every membership change (one partition, kept forever; accounts/) */
    channels: string;
    /** read positions per account and channel (compacted: the latest per key) */
    reads: string;
    /** who is online on which gateway (compacted; a gateway's records go when it does) */
    presence: string;
  };
  groups: {
    /** ingest → DuckDB (KCHAT_INGEST_GROUP; one per audit node) */
    ingest: string;
    /** bots answering questions: one group, so each question is answered once */
    bots: string;
    /** every bots process follows the whole log for its own state (schedules) */
    botsSync(instance: string): string;
    /** every bots process reads all claims */
    claims(owner: string): string;
    /** each gateway fans out every event to its own sockets */
    gateway(gatewayId: string): string;
    /** the search service's indexer (one per audit node, like ingest) */
    search: string;
    /** every process that holds accounts and channels reads the state topics in a group of its own */
    state(instance: string): string;
  };
}

export function kafkaNames(config: Pick<Config, 'topicPrefix' | 'ingestGroup'>): KafkaNames {
  const p = config.topicPrefix;
  return {
    topics: {
      events: `${p}chat.events`,
      dlq: `${p}chat.dlq`,
      claims: `${p}bots.claims`,
      accounts: `${p}chat.accounts`,
      channels: `${p}chat.channels`,
      reads: `${p}chat.reads`,
      presence: `${p}chat.presence`,
    },
    groups: {
      ingest: `${p}${config.ingestGroup}`,
      bots: `${p}bots`,
      botsSync: (instance) => `${p}bots.sync.${instance}`,
      claims: (owner) => `${p}bots.claims.${owner}`,
      gateway: (id) => `${p}chat.events.gateway.${id}`,
      search: `${p}${config.ingestGroup}.search`,
      state: (instance) => `${p}chat.state.${instance}`,
    },
  };
}
