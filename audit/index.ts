// The audit room's entry for the search/statistics side (the SQL sandbox and
// notebooks have their own entries under audit/sql and audit/notebook).
export { AUDIT_LOG_SCHEMA, requireAdmin, requireAuditor, requireRole, type AuditEnv } from './access.ts';
export { auditUnavailable, finishAudit, listAuditLog, recordAudit, type AuditEntry, type AuditLogEntry, type AuditQuery } from './trail.ts';
export { auditBotCommands } from './bot.ts';
export { SearchIndex, QueryError, parseQuery, runSearch, MAX_LIMIT, type SearchResult } from './search/index.ts';
export { StatsError, VOLUME_BY, botUsage, period, topics, topicsScan, volume, type VolumeBy } from './stats.ts';
export { TOPICS_SCHEMA, catchUpTopics } from './topics.ts';
