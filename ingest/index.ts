// The ingest room's public entry: what server/main.ts and the CLI use.
import type { Config } from '../core/config.ts';
import type { Database } from '../core/db.ts';
import type { KafkaClient } from '../core/kafka.ts';
import { startIngest, type IngestHandle } from './consumer.ts';
import { startPipelineSchedule } from './schedule.ts';

export { startIngest, type IngestHandle, type IngestHealth } from './consumer.ts';
export { runPipeline, runBackfill, recoverParquetDir, dayDir, parquetRoot, type PipelineResult } from './pipeline.ts';
export { startPipelineSchedule, NIGHTLY_CRON } from './schedule.ts';
export { checkImportArgs, importLegacy, sourceOf, type FileSummary, type ImportProgress } from './legacy/import.ts';
export { storedIds } from './legacy/stored.ts';
export { opsNotifier, pipelineEnvelope } from './ops.ts';
export { INGEST_SCHEMA, ensureIngestSchema } from './schema.ts';
export { MessageLog, messageLog, type LogPosition, type LogField, type LogBatch, type CommitNotice, type PageOptions } from './log.ts';
export { envelopeRow, type MessageRow } from './store.ts';
export { INGEST_FETCH, INGEST_PARTITIONS_CONCURRENTLY } from './fetch-settings.ts';
export type { MessageRecord, MessageContext, ContextEvent, Thread } from './versions.ts';

/**
 * The `npm start` part (matches server/part.ts's Part): the consumer plus the
 * nightly pipeline; health carries the ingest lag for /healthz.
 */
export function createIngest(ctx: { config: Config; db: Database; kafka: KafkaClient }) {
  let handle: IngestHandle | null = null;
  let nightly: { stop(): Promise<void> } | null = null;
  return {
    name: 'ingest',
    async start() {
      handle = await startIngest({ config: ctx.config, db: ctx.db, kafka: ctx.kafka });
      // every audit node writes its own daily Parquet (its snapshot); only the scheduler node posts results to #ops
      nightly = startPipelineSchedule({ config: ctx.config, db: ctx.db, publish: ctx.config.run.scheduler ? (e) => ctx.kafka.publish(e) : undefined });
    },
    async stop() {
      await nightly?.stop();
      await handle?.stop();
    },
    health(): { ok: boolean; [detail: string]: unknown } {
      if (!handle) return { ok: false, state: 'starting' };
      return { ...handle.health() };
    },
  };
}
