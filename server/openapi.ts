// OpenAPI 3.1 description of kchat's public HTTP contract (../shared/design.md):
// health, login, websocket, audit search/statistics, SQL, notebooks, the audit
// log, the remote CLI, hooks. Served at /openapi.json and rendered at /docs.
// Every body schema is generated from the zod schemas the code validates with
// (server/schemas.ts, core/envelope.ts): nothing here re-states a field.
import { z } from 'zod';
import { CLIENT_FRAME_TYPES, ERROR_CODES } from '../core/protocol.ts';
import { API_SCHEMAS } from './schemas.ts';

type SchemaName = keyof typeof API_SCHEMAS;
const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ 'application/json': { schema } });
const body = (name: SchemaName) => ({ required: true, content: json(ref(name)) });
const ok = (description: string, name: SchemaName) => ({ description, content: json(ref(name)) });
const err = (description: string) => ({ description, content: json(ref('Error')) });
const auditErrors = { '400': err('bad parameter; the message names it'), '401': err('missing or invalid token'), '403': err('the token is not an auditor or admin'), '503': err('the audit record could not be written: nothing ran') };
const dateParam = (name: string, description: string) => ({ name, in: 'query', required: false, description, schema: { type: 'string', format: 'date', example: '2024-08-27' } });

/** components.schemas from the zod schemas, with $refs between them. */
function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(API_SCHEMAS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' });
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]));
}

let cached: Record<string, unknown> | null = null;

export function openApiDocument(): Record<string, unknown> {
  cached ??= build();
  return cached;
}

function build(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'kchat',
      version: '0.1.0',
      description:
        'Team chat on Apache Kafka with bots and a Korean-first audit side. Auditor endpoints take `Authorization: Bearer <ADMIN_TOKEN or an auditor token>`; every call is recorded in the `audit_log` table before it runs (503 when it cannot be). Errors are `{"error","code",…}`.',
    },
    servers: [{ url: '/' }],
    tags: [{ name: 'chat' }, { name: 'audit' }, { name: 'notebooks' }, { name: 'hooks' }, { name: 'ops' }],
    components: {
      securitySchemes: {
        auditor: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN or a token from `kchat users add NAME --role auditor`' },
        admin: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN (or a user added with --role admin)' },
        hook: { type: 'http', scheme: 'bearer', description: 'HOOK_TOKEN' },
        member: { type: 'http', scheme: 'bearer', description: 'a session token from POST /api/login (or any auditor/admin token)' },
      },
      schemas: componentSchemas(),
    },
    paths: {
      '/healthz': {
        get: {
          tags: ['ops'],
          summary: 'Readiness: 200 once Kafka, DuckDB and ingest are up',
          responses: {
            '200': { description: 'ready', content: json({ type: 'object', required: ['status'], properties: { status: { const: 'ok' } } }) },
            '503': { description: 'not ready yet', content: json({ type: 'object', properties: { status: { type: 'string' } } }) },
          },
        },
      },
      '/api/login': {
        post: {
          tags: ['chat'],
          summary: 'Log in with a nick and its password; the first login of a nick claims it (an account with a stable user.id)',
          requestBody: body('LoginRequest'),
          responses: {
            '200': ok('a session token (valid 30 days, until the password is reset or the account disabled)', 'LoginResponse'),
            '400': err('nick not allowed, or a new nick without a password of at least 6 characters (password_required, bad_password)'),
            '401': err('wrong or missing password for an existing account (wrong_password, password_required)'),
            '403': err('the account is disabled (account_disabled)'),
            '409': err('the nick was claimed a moment before by someone else'),
            '429': err('too many failed logins for this account or address: Retry-After header and details.retry_after (seconds)'),
          },
        },
      },
      '/api/account/password': {
        post: {
          tags: ['chat'],
          summary: 'Change your own password; older tokens stop working; answers a fresh token',
          security: [{ member: [] }],
          requestBody: body('PasswordChange'),
          responses: { '200': ok('a fresh token', 'LoginResponse'), '400': err('new password too short'), '401': err('wrong password or token'), '429': err('too many failures') },
        },
      },
      '/api/channels': {
        get: {
          tags: ['chat'],
          summary: 'The channel directory: every public channel and the private ones (and DMs) you belong to, most recently active first',
          security: [{ member: [] }],
          responses: { '200': ok('channels', 'ChannelsResponse'), '401': err('missing or invalid token') },
        },
      },
      '/ws': {
        get: {
          tags: ['chat'],
          summary: 'Chat websocket',
          description: `Upgrade to a websocket. Client frames (type ∈ ${CLIENT_FRAME_TYPES.join(', ')}): {"type":"join","channel"}, {"type":"leave","channel"}, {"type":"message","channel","text","reply_to"?}, {"type":"nick","nick"}, {"type":"history","channel","before"?,"limit"?}, {"type":"create","channel","private":true,"members":[nick…]}, {"type":"invite","channel","nick"}, {"type":"dm","nick"}, {"type":"read","channel","ts"?}, {"type":"edit","id","text"}, {"type":"delete","id"} (the author edits; the author or an admin deletes; answered by an edit/delete envelope with meta.target, or an error), {"type":"thread","id"} (answered {"type":"thread","id","channel","parent","replies","more"}); any frame may carry "ref", echoed on its error. join makes you a member until leave; on connect you get your channels without joining. Server frames: envelopes (components.schemas.Envelope; meta.mentions = user ids of @mentioned people), {"type":"channels","channels":[…]} (yours, with unread counts), {"type":"presence","channel","users","members"}, {"type":"history","channel","events"}, {"type":"dm","channel","with"}, {"type":"read","channel","ts"}, {"type":"error","code","message","ref"?} with code ∈ ${ERROR_CODES.join(', ')}.`,
          parameters: [{ name: 'token', in: 'query', required: true, schema: { type: 'string' } }],
          responses: { '101': { description: 'switching protocols' }, '401': err('invalid token') },
        },
      },
      '/api/search': {
        get: {
          tags: ['audit'],
          summary: 'Search the history (Korean first): auditors and admins everything, members the channels they belong to',
          description:
            'Words must all match (Korean: any substring of one or more syllables; a particle is stripped so 장애가 finds 장애를), "phrases", -exclusions, from:nick, in:#channel, before:/after:/on:YYYY-MM-DD (TZ_REPORTS, default Asia/Seoul; after: is exclusive), type:message|bot|join|leave|nick|system, has:link. Newest first; page with next_cursor. Percent-encode q (Korean, spaces): curl -G --data-urlencode "q=점심 in:#general" -H "Authorization: Bearer $TOKEN" URL/api/search — raw bytes in the URL are a 400 that says so.',
          security: [{ auditor: [] }, { member: [] }],
          parameters: [
            { name: 'q', in: 'query', required: true, schema: { type: 'string', maxLength: 500 }, example: '장애 in:#ops after:2024-08-26' },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'next_cursor of the previous page' },
          ],
          responses: {
            '200': ok('hits, newest first', 'SearchResponse'),
            ...auditErrors,
            '503': err('the audit record could not be written (nothing ran), or the search service is down (restarting, not started, KCHAT_SEARCH=off) or still building its index: code search_unavailable, the message says which (in Korean)'),
          },
        },
      },
      '/api/search/export': {
        get: {
          tags: ['audit'],
          summary: 'Every hit of a search as CSV (auditors and admins; one search.export row in the audit log)',
          description:
            'Same query language as /api/search; newest first, at most 20 000 rows (a last line says when there were more). Columns: time (ISO 8601 with the TZ_REPORTS offset), ts_ms, channel, nick, user_id, type, text, edited, deleted, id, kafka_partition, kafka_offset. UTF-8 with a BOM; a text or nick starting with = + - @ gets a leading apostrophe (CSV injection). curl: curl -G --data-urlencode "q=배포 in:#dev" -H "Authorization: Bearer $TOKEN" URL/api/search/export',
          security: [{ auditor: [] }],
          parameters: [{ name: 'q', in: 'query', required: true, schema: { type: 'string', maxLength: 500 } }],
          responses: { '200': { description: 'CSV', content: { 'text/csv': { schema: { type: 'string' } } } }, ...auditErrors },
        },
      },
      '/api/audit/me': {
        get: {
          tags: ['audit'],
          summary: 'Who a token is, for the /audit page: auditors and admins (a member is 403)',
          security: [{ auditor: [] }],
          responses: { '200': { description: 'the signed-in auditor or admin', content: json({ type: 'object', properties: { user: { type: 'object', properties: { id: { type: 'string' }, nick: { type: 'string' }, role: { enum: ['auditor', 'admin'] } } } } }) }, ...auditErrors },
        },
      },
      '/api/stats/topics': {
        get: {
          tags: ['audit'],
          summary: 'Keywords and rising topics of a period',
          security: [{ auditor: [] }],
          parameters: [
            dateParam('from', 'first local day (default today)'),
            dateParam('to', 'last local day, inclusive (default = from)'),
            { name: 'channel', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 20 } },
            { name: 'pos', in: 'query', description: 'nouns (default: nouns and English words), verbs (verb/adjective lemmas such as 죽다), or all', schema: { enum: ['nouns', 'verbs', 'all'], default: 'nouns' } },
          ],
          responses: {
            '200': ok('keywords', 'TopicsResponse'),
            ...auditErrors,
          },
        },
      },
      '/api/stats/volume': {
        get: {
          tags: ['audit'],
          summary: 'Message counts by hour, day, channel or user',
          security: [{ auditor: [] }],
          parameters: [
            { name: 'by', in: 'query', schema: { enum: ['hour', 'day', 'channel', 'user'], default: 'day' } },
            dateParam('from', 'first local day'),
            dateParam('to', 'last local day, inclusive'),
            { name: 'channel', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            '200': ok('buckets', 'VolumeResponse'),
            ...auditErrors,
          },
        },
      },
      '/api/stats/bots': {
        get: {
          tags: ['audit'],
          summary: 'Bot command usage (from bot_commands)',
          security: [{ auditor: [] }],
          parameters: [dateParam('from', 'first local day'), dateParam('to', 'last local day, inclusive')],
          responses: { '200': { description: 'usage per bot and command', content: json({ type: 'object', properties: { commands: { type: 'array', items: { type: 'object' } }, total: { type: 'integer' } } }) }, ...auditErrors },
        },
      },
      '/api/sql': {
        post: {
          tags: ['audit'],
          summary: 'Sandboxed read-only SQL over the audit tables',
          security: [{ auditor: [] }],
          requestBody: body('SqlRequest'),
          responses: {
            '200': ok('result', 'SqlResponse'),
            '408': err('the statement ran past the timeout and was stopped'),
            ...auditErrors,
          },
        },
      },
      '/api/notebooks': {
        get: {
          tags: ['notebooks'],
          summary: 'Audit notebooks (see docs of the notebooks part for the full set of notebook endpoints)',
          security: [{ auditor: [] }],
          responses: { '200': { description: 'notebooks', content: json({ type: 'object' }) }, '401': err('missing or invalid token'), '403': err('not an auditor') },
        },
      },
      '/api/messages/{id}': {
        get: {
          tags: ['audit'],
          summary: 'A message with every version, its delete record and the refused changes',
          security: [{ auditor: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', maxLength: 128 } }],
          responses: { '200': ok('the message', 'MessageRecord'), ...auditErrors, '404': err('no event has this id (code not_found)') },
        },
      },
      '/api/messages/{id}/context': {
        get: {
          tags: ['audit'],
          summary: 'The events around a message in its channel (every type, as sent)',
          security: [{ auditor: [] }],
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string', maxLength: 128 } },
            { name: 'before', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 200, default: 20 } },
            { name: 'after', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 200, default: 20 } },
          ],
          responses: { '200': ok('events', 'MessageContext'), ...auditErrors, '404': err('no event has this id (code not_found)') },
        },
      },
      '/api/audit-log': {
        get: {
          tags: ['audit'],
          summary: 'Every privileged action with its detail (SQL text, CLI command line, searches…), newest first',
          security: [{ admin: [] }],
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
            { name: 'actor', in: 'query', schema: { type: 'string' }, description: 'user id or name' },
            { name: 'action', in: 'query', schema: { type: 'string' }, description: 'an action or its prefix: sql, search, stats, notebooks, cli, audit_log.read, refused' },
            { name: 'from', in: 'query', schema: { type: 'string' }, description: 'epoch ms, ISO 8601, or YYYY-MM-DD (TZ_REPORTS)' },
            { name: 'to', in: 'query', schema: { type: 'string' }, description: 'epoch ms, ISO 8601, or YYYY-MM-DD (inclusive day)' },
          ],
          responses: { '200': ok('entries', 'AuditLogResponse'), ...auditErrors, '403': err('not an admin') },
        },
      },
      '/api/admin/export': {
        get: {
          tags: ['audit'],
          summary: 'Compliance export of a date range: every event (messages, edits, deletes, joins, leaves) as JSON Lines, CSV or EML (an mbox)',
          description: 'Days in TZ_REPORTS, from–to inclusive, at most 366 days. `eml` answers an mbox holding one RFC 5322 message per channel and day. Recorded in audit_log before it runs. The same as `kchat export` (docs/export.md).',
          security: [{ admin: [] }],
          parameters: [
            { name: 'from', in: 'query', required: true, schema: { type: 'string', format: 'date' } },
            { name: 'to', in: 'query', required: true, schema: { type: 'string', format: 'date' }, description: 'inclusive' },
            { name: 'channel', in: 'query', schema: { type: 'string' } },
            { name: 'format', in: 'query', schema: { type: 'string', enum: ['jsonl', 'csv', 'eml'], default: 'jsonl' } },
            { name: 'order', in: 'query', schema: { type: 'string', enum: ['time', 'channel'] }, description: 'JSON Lines only: by time (default) or by channel then time' },
          ],
          responses: {
            '200': {
              description: 'the export, streamed; header X-Kchat-Export-Events = how many events',
              content: { 'application/x-ndjson': { schema: { type: 'string' } }, 'text/csv': { schema: { type: 'string' } }, 'application/mbox': { schema: { type: 'string' } } },
            },
            ...auditErrors,
            '400': err('a reversed, too wide or unreadable range, an unknown format or channel name'),
            '403': err('not an admin'),
          },
        },
      },
      '/api/admin/cli': {
        post: {
          tags: ['ops'],
          summary: 'Run a kchat command in the server that owns the database (what the CLI does by itself)',
          description: 'The server never opens a path named in argv: input files travel as content in `files`, output files come back as content. Commands that need no database (notebook inspect, zeppelin import) or must be their own process (ingest) are refused.',
          security: [{ admin: [] }],
          requestBody: body('CliRequest'),
          responses: { '200': ok('the command ran (see code)', 'CliResponse'), '400': err('bad argv or files'), '401': err('missing or invalid token'), '403': err('not an admin'), '413': err('files too large'), '503': err('the audit record could not be written: nothing ran') },
        },
      },
      '/hooks/airflow': {
        post: {
          tags: ['hooks'],
          summary: 'Airflow DAG result → the system bot posts to #ops',
          security: [{ hook: [] }],
          requestBody: body('AirflowHook'),
          responses: { '200': { description: 'accepted' }, '400': err('bad body'), '401': err('bad hook token') },
        },
      },
      '/openapi.json': { get: { tags: ['ops'], summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
      '/docs': { get: { tags: ['ops'], summary: 'Swagger UI for this document (assets served locally)', responses: { '200': { description: 'HTML' } } } },
    },
  };
}
