// The audit room's one entry: access and the audit trail, search, statistics,
// topics, the SQL sandbox, notebooks and the Zeppelin importer.
export { AUDIT_LOG_SCHEMA, requireAdmin, requireAuditor, requireRole, type AuditEnv } from './access.ts';
export { auditUnavailable, auditWritten, finishAudit, listAuditLog, recordAudit, type AuditEntry, type AuditLogEntry, type AuditQuery } from './trail.ts';
export { auditBotCommands } from './bot.ts';
export { SearchClient, parseQuery, QueryError, runSearch, searchCsv, MAX_LIMIT, type SearchBackend, type SearchResult, type SearchView } from './search/index.ts';
export { POS, StatsError, VOLUME_BY, botUsage, lastDayWithData, period, topics, topicsScan, volume, type Pos, type VolumeBy } from './stats.ts';
export { TOPICS_SCHEMA, catchUpTopics } from './topics.ts';
export * from './notebook/index.ts';
export { importZeppelin, ZeppelinImportError, type ImportReport } from './zeppelin/import.ts';
export { inBulk, KIWI_BULK_QUIET_MS, newPace, noteCommit, noteCount, untilNextCount, yieldsToBulk, type TopicsPace } from './topics-pace.ts';
export { maintainTopics, rebuildTopics, type RebuildProgress, type RebuildResult } from './topics-rebuild.ts';
export { exportChunks, exportOrder, exportRange, exportSource, mboxSeparator, newSummary, rangeFile, EXPORT_FORMATS, MAX_EXPORT_DAYS, type ExportChunk, type ExportEvent, type ExportFormat, type ExportRange, type ExportSource, type ExportSummary } from './export/index.ts';
