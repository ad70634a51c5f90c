// The HTTP API's bodies as zod schemas: the one description that the routes
// validate with (where they take a JSON body) and that /openapi.json is
// generated from (server/openapi.ts, z.toJSONSchema). The envelope's schema is
// core/envelope.ts's; the Airflow hook's is bots/system/airflow.ts's.
import { z } from 'zod';
import { airflowHookSchema } from '../bots/index.ts';
import { envelopeSchema, userSchema } from '../core/envelope.ts';
import { MAX_NICK } from '../core/protocol.ts';

const instant = z.number().int().describe('epoch milliseconds');

export const errorSchema = z
  .object({
    error: z.string().describe('what was wrong, naming the field or value (Korean where a person reads it)'),
    code: z.string().describe('stable snake_case code to branch on (bad_query, bad_sql, sql_timeout, unauthorized, forbidden, not_found, audit_unavailable, internal…)'),
  })
  .catchall(z.unknown())
  .describe('every 4xx/5xx answer; extra fields (e.g. max_bytes) depend on the code');

export const loginRequestSchema = z.object({
  nick: z.string().min(1).max(MAX_NICK).meta({ example: '민수' }),
  password: z.string().describe('the first login of a nick sets it (at least 6 characters); later logins need it. Auditors and admins may give their bearer token').meta({ example: '점심은 12시!' }),
});
export const loginResponseSchema = z.object({
  token: z.string(),
  user: userSchema.extend({ role: z.enum(['member', 'auditor', 'admin']) }),
  created: z.boolean().describe('this login claimed the nick (a new account)'),
  expires: instant.describe('when the token stops working'),
});
export const passwordChangeSchema = z.object({ password: z.string(), new_password: z.string().describe('at least 6 characters') });

export const channelInfoSchema = z.object({
  name: z.string(),
  private: z.boolean(),
  members: z.number().int().describe('number of members'),
  last_ts: instant.nullable().describe('time of the last event or membership change'),
  joined: z.boolean().describe('you are a member'),
  dm: z.boolean().optional().describe('a direct conversation'),
  with: z.array(z.string()).optional().describe('a direct conversation: the other people in it (nicks)'),
});
export const channelsResponseSchema = z.object({ channels: z.array(channelInfoSchema) });

export const hitSchema = z.object({
  id: z.string(),
  channel: z.string(),
  nick: z.string(),
  text: z.string(),
  ts: instant,
  type: z.string(),
  kafka: z.object({ partition: z.number().int().nullable(), offset: z.number().int().nullable() }),
  highlights: z.array(z.tuple([z.number().int(), z.number().int()])).optional().describe('[start, end) UTF-16 code-unit ranges into text'),
  user_id: z.string().optional(),
  edited: z.boolean().optional().describe('the message was edited (text is the latest version)'),
  deleted: z.boolean().optional().describe('the message was deleted (only auditors ever see deleted messages)'),
  versions: z.array(z.object({ text: z.string(), ts: instant })).optional().describe('earlier texts of an edited message (auditors)'),
  visible_to: z.array(z.string()).optional().describe('user ids an ephemeral answer was for (auditors)'),
});
const facetSchema = z.object({ value: z.string(), count: z.number().int() });
export const searchResponseSchema = z.object({
  hits: z.array(hitSchema),
  next_cursor: z.string().nullable(),
  total: z.number().int().describe('every match of the whole query (not just the page), counted exactly'),
  total_exact: z.boolean().optional().describe('always true (kept for clients of the earlier index, which could estimate)'),
  facets: z.object({ channels: z.array(facetSchema), users: z.array(facetSchema) }).partial().optional().describe('top 20 channels and users among all matches, counted exactly'),
  facets_exact: z.boolean().optional().describe('always true'),
});

export const keywordSchema = z.object({
  term: z.string(),
  count: z.number().int(),
  messages: z.number().int().optional(),
  score: z.number().optional().describe('signed log-likelihood vs the previous period of equal length'),
  previous: z.number().int().optional(),
});
export const topicsResponseSchema = z.object({
  keywords: z.array(keywordSchema),
  rising: z.array(keywordSchema).optional(),
  period: z.unknown().optional(),
  reference: z.unknown().optional(),
  pos: z.enum(['nouns', 'verbs', 'all']).optional().describe('nouns (and English words), verbs (verb/adjective lemmas such as 죽다), or all'),
  coverage: z
    .object({ analyzer: z.string(), complete: z.boolean(), pending_messages: z.number().int(), days_by_analyzer: z.record(z.string(), z.number().int()) })
    .optional()
    .describe('which analyser counted the period (kiwi-0.23.0, or rule while the model loads) and whether every stored message is counted yet'),
});
export const volumeResponseSchema = z.object({
  by: z.string(),
  buckets: z.array(
    z.object({
      key: z.string().describe('by=hour|day: the local (TZ_REPORTS) label, e.g. "2024-08-27 14:00"; by=channel|user: the channel or nick'),
      ts: z.number().int().optional().describe('by=hour|day: the bucket start as an instant (epoch ms)'),
      count: z.number().int(),
    }),
  ),
  total: z.number().int(),
});

export const sqlRequestSchema = z.object({
  sql: z.string().max(100_000).meta({ example: "SELECT channel, count(*) AS n FROM messages WHERE text LIKE '%' || $word || '%' GROUP BY 1" }),
  params: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).nullable().optional().describe('$name → value, or a list for $1/?'),
});
export const sqlResponseSchema = z.object({
  columns: z.array(z.string()),
  types: z.array(z.string()).describe('DuckDB type names'),
  rows: z.array(z.array(z.unknown())),
  truncated: z.boolean().describe('true when the row cap cut the result'),
});

export const auditLogEntrySchema = z.object({
  id: z.string().nullable(),
  ts: instant,
  time: z.string().describe('the same instant, ISO 8601 with the TZ_REPORTS offset (2024-08-29T11:30:00.000+09:00)'),
  actor: z.object({ id: z.string().nullable(), nick: z.string().nullable(), role: z.string().nullable() }),
  action: z.string().describe('search, stats.*, sql, notebooks.*, cli, audit_log.read, refused'),
  method: z.string(),
  path: z.string(),
  params: z.record(z.string(), z.unknown()).describe('the query string'),
  detail: z.unknown().describe('SQL text and params, the CLI command line and the files sent (name, bytes, sha256), the search query…'),
  status: z.number().int().nullable().describe('null while the action runs'),
  duration_ms: z.number().nullable(),
});
export const auditLogResponseSchema = z.object({ entries: z.array(auditLogEntrySchema), limit: z.number().int() });

export const cliRequestSchema = z.object({
  argv: z.array(z.string()).min(1).meta({ example: ['notebook', 'run', 'daily.md', '--html', 'out.html', '--json'] }),
  files: z.record(z.string(), z.string()).optional().describe('content (base64) of each input file the command reads, by the name used in argv'),
});
export const cliResponseSchema = z.object({
  stdout: z.string(),
  stderr: z.string(),
  code: z.number().int().describe('exit code: 0 ok, 1 failed, 2 a usage error'),
  files: z.record(z.string(), z.string()).describe('content (base64) of each output file the command wrote, by the name used in argv'),
});

const versionSchema = z.object({ text: z.string(), ts: instant, by: userSchema, id: z.string().describe('the message id (first version) or the edit event id') });
export const messageRecordSchema = z.object({
  message: envelopeSchema.describe('the message as it was sent (its text is versions[0].text)'),
  versions: z.array(versionSchema).describe('every version, oldest first: the message itself, then each accepted edit'),
  deleted: z.object({ ts: instant, by: userSchema, id: z.string().describe('the delete event id') }).nullable(),
  edited: z.boolean(),
  text: z.string().describe('the latest version (auditors read it also when the message was deleted; members get no text then)'),
  refused: z
    .array(z.object({ id: z.string(), type: z.enum(['edit', 'delete']), by: userSchema, ts: instant, code: z.string(), reason: z.string(), text: z.string().optional() }))
    .describe('edit/delete events that broke the rule (not the author, after a delete…): kept, applied to nothing'),
  replies: z.number().int(),
  kafka: z.object({ partition: z.number().int(), offset: z.number().int() }).nullable(),
});
export const messageContextSchema = z.object({
  id: z.string(),
  channel: z.string(),
  events: z
    .array(envelopeSchema.and(z.object({ edited: z.boolean().optional(), deleted: z.boolean().optional(), refused: z.string().optional() })))
    .describe('every event type as sent, in channel order (time, then arrival); messages flagged edited/deleted, refused edits/deletes with the reason'),
  more_before: z.boolean(),
  more_after: z.boolean(),
});

/** Every schema /openapi.json lists under components.schemas, by name. */
export const API_SCHEMAS = {
  Error: errorSchema,
  User: userSchema,
  Envelope: envelopeSchema,
  LoginRequest: loginRequestSchema,
  LoginResponse: loginResponseSchema,
  PasswordChange: passwordChangeSchema,
  ChannelInfo: channelInfoSchema,
  ChannelsResponse: channelsResponseSchema,
  Hit: hitSchema,
  SearchResponse: searchResponseSchema,
  Keyword: keywordSchema,
  TopicsResponse: topicsResponseSchema,
  VolumeResponse: volumeResponseSchema,
  SqlRequest: sqlRequestSchema,
  SqlResponse: sqlResponseSchema,
  AuditLogEntry: auditLogEntrySchema,
  AuditLogResponse: auditLogResponseSchema,
  MessageRecord: messageRecordSchema,
  MessageContext: messageContextSchema,
  CliRequest: cliRequestSchema,
  CliResponse: cliResponseSchema,
  AirflowHook: airflowHookSchema,
} as const;
