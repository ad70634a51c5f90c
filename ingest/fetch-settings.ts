// How ingest's consumer reads chat.events: for throughput, large fetches and a
// broker that waits a moment for a fuller one (each group of batches costs a
// DuckDB commit, which fuller fetches amortise), all partitions at once.
// One place, so that the ingest benchmark's baselines read the topic the same way.
import { EVENTS_PARTITIONS } from '../core/topics.ts';

/** kafkajs consumer fetch settings of ingest's fetcher */
export const INGEST_FETCH = {
  maxBytesPerPartition: 16 * 1024 * 1024,
  maxBytes: 64 * 1024 * 1024,
  minBytes: 64 * 1024,
  maxWaitTimeInMs: 250,
} as const;

/** partitions whose batches the fetcher handles concurrently: all of the events topic's */
export const INGEST_PARTITIONS_CONCURRENTLY = EVENTS_PARTITIONS;
