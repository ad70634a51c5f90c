// OpenAPI 3.1 description of kchat's public HTTP contract (../shared/design.md):
// health, login, websocket, audit search/statistics, SQL, notebooks, hooks.
// Served at /openapi.json and rendered at /docs.

const json = (schema: object) => ({ 'application/json': { schema } });
const err = (description: string) => ({ description, content: json({ $ref: '#/components/schemas/Error' }) });
const auditErrors = { '400': err('bad parameter; the message names it'), '401': err('missing or invalid token'), '403': err('the token is not an auditor or admin') };
const dateParam = (name: string, description: string) => ({ name, in: 'query', required: false, description, schema: { type: 'string', format: 'date', example: '2024-08-27' } });

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'kchat',
      version: '0.1.0',
      description:
        'Team chat on Apache Kafka with bots and a Korean-first audit side. Auditor endpoints take `Authorization: Bearer <ADMIN_TOKEN or an auditor token>` and every call is recorded in the `audit_log` table.',
    },
    servers: [{ url: '/' }],
    tags: [{ name: 'chat' }, { name: 'audit' }, { name: 'notebooks' }, { name: 'hooks' }, { name: 'ops' }],
    components: {
      securitySchemes: {
        auditor: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN or a token from `kchat users add NAME --role auditor`' },
        hook: { type: 'http', scheme: 'bearer', description: 'HOOK_TOKEN' },
      },
      schemas: {
        Error: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
        User: { type: 'object', required: ['id', 'nick'], properties: { id: { type: 'string' }, nick: { type: 'string' } } },
        Envelope: {
          type: 'object',
          required: ['v', 'id', 'type', 'channel', 'user', 'text', 'ts'],
          properties: {
            v: { const: 1 },
            id: { type: 'string' },
            type: { enum: ['message', 'join', 'leave', 'nick', 'bot', 'system'] },
            channel: { type: 'string', example: 'general' },
            user: { $ref: '#/components/schemas/User' },
            text: { type: 'string', description: 'NFC, lone surrogates as U+FFFD, control characters removed, length capped' },
            ts: { type: 'integer', description: 'milliseconds since the epoch' },
            reply_to: { type: ['string', 'null'] },
            meta: { type: 'object' },
          },
        },
        Hit: {
          type: 'object',
          required: ['id', 'channel', 'nick', 'text', 'ts', 'type', 'kafka'],
          properties: {
            id: { type: 'string' },
            channel: { type: 'string' },
            nick: { type: 'string' },
            text: { type: 'string' },
            ts: { type: 'integer', description: 'ms since the epoch' },
            type: { type: 'string' },
            kafka: { type: 'object', properties: { partition: { type: ['integer', 'null'] }, offset: { type: ['integer', 'null'] } } },
            highlights: { type: 'array', description: '[start, end) UTF-16 code-unit ranges into text', items: { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2 } },
          },
        },
        Facet: { type: 'object', properties: { value: { type: 'string' }, count: { type: 'integer' } } },
        Keyword: {
          type: 'object',
          required: ['term', 'count'],
          properties: {
            term: { type: 'string' },
            count: { type: 'integer' },
            messages: { type: 'integer' },
            score: { type: 'number', description: 'signed log-likelihood vs the previous period of equal length' },
            previous: { type: 'integer' },
          },
        },
      },
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
          summary: 'Open login with a nickname; returns a member token',
          requestBody: { required: true, content: json({ type: 'object', required: ['nick'], properties: { nick: { type: 'string', example: '민수' } } }) },
          responses: {
            '200': { description: 'token', content: json({ type: 'object', properties: { token: { type: 'string' }, user: { $ref: '#/components/schemas/User' } } }) },
            '400': err('nick not allowed'),
          },
        },
      },
      '/ws': {
        get: {
          tags: ['chat'],
          summary: 'Chat websocket',
          description:
            'Upgrade to a websocket. Client frames: {"type":"join","channel"}, {"type":"leave","channel"}, {"type":"message","channel","text","reply_to"?}, {"type":"nick","nick"}. Server frames: envelopes, {"type":"presence","channel","users"}, {"type":"history","channel","events"}, {"type":"error","code","message"}.',
          parameters: [{ name: 'token', in: 'query', required: true, schema: { type: 'string' } }],
          responses: { '101': { description: 'switching protocols' }, '401': err('invalid token') },
        },
      },
      '/api/search': {
        get: {
          tags: ['audit'],
          summary: 'Search the whole history (Korean first)',
          description:
            'Words must all match (Korean: any substring of one or more syllables; a particle is stripped so 장애가 finds 장애를), "phrases", -exclusions, from:nick, in:#channel, before:/after:/on:YYYY-MM-DD (TZ_REPORTS, default Asia/Seoul; after: is exclusive), type:message|bot|join|leave|nick|system, has:link. Newest first; page with next_cursor.',
          security: [{ auditor: [] }],
          parameters: [
            { name: 'q', in: 'query', required: true, schema: { type: 'string', maxLength: 500 }, example: '장애 in:#ops after:2024-08-26' },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'next_cursor of the previous page' },
          ],
          responses: {
            '200': {
              description: 'hits',
              content: json({
                type: 'object',
                required: ['hits', 'next_cursor', 'total'],
                properties: {
                  hits: { type: 'array', items: { $ref: '#/components/schemas/Hit' } },
                  next_cursor: { type: ['string', 'null'] },
                  total: { type: 'integer', description: 'matches of the whole query; an estimate (from a fully checked sample of the candidates) when total_exact is false' },
                  total_exact: { type: 'boolean', description: 'false when total is an estimate: only for very large candidate sets (the newest 50,000 candidates needing a text check, or 100,000 decided by postings, are counted exactly; the rest is sampled)' },
                  facets: { type: 'object', properties: { channels: { type: 'array', items: { $ref: '#/components/schemas/Facet' } }, users: { type: 'array', items: { $ref: '#/components/schemas/Facet' } } } },
                  facets_exact: { type: 'boolean', description: 'false when the facet counts are scaled up from the same sample' },
                },
              }),
            },
            ...auditErrors,
          },
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
          ],
          responses: {
            '200': {
              description: 'keywords',
              content: json({
                type: 'object',
                required: ['keywords'],
                properties: { keywords: { type: 'array', items: { $ref: '#/components/schemas/Keyword' } }, rising: { type: 'array', items: { $ref: '#/components/schemas/Keyword' } }, period: { type: 'object' }, reference: { type: 'object' } },
              }),
            },
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
            '200': { description: 'buckets', content: json({ type: 'object', properties: { by: { type: 'string' }, buckets: { type: 'array', items: { type: 'object', properties: { key: { type: 'string' }, count: { type: 'integer' } } } }, total: { type: 'integer' } } }) },
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
          requestBody: { required: true, content: json({ type: 'object', required: ['sql'], properties: { sql: { type: 'string', example: 'SELECT channel, count(*) FROM messages GROUP BY 1' }, params: { type: ['array', 'object'] } } }) },
          responses: {
            '200': { description: 'result', content: json({ type: 'object', required: ['columns', 'rows'], properties: { columns: { type: 'array', items: {} }, rows: { type: 'array', items: { type: 'array', items: {} } } } }) },
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
      '/hooks/airflow': {
        post: {
          tags: ['hooks'],
          summary: 'Airflow DAG result → the system bot posts to #ops',
          security: [{ hook: [] }],
          requestBody: {
            required: true,
            content: json({
              type: 'object',
              required: ['dag_id', 'run_id', 'state'],
              properties: { dag_id: { type: 'string' }, run_id: { type: 'string' }, state: { enum: ['success', 'failed'] }, task_id: { type: 'string' }, logical_date: { type: 'string' }, log_url: { type: 'string' }, exception: { type: 'string' } },
            }),
          },
          responses: { '200': { description: 'accepted' }, '400': err('bad body'), '401': err('bad hook token') },
        },
      },
      '/openapi.json': { get: { tags: ['ops'], summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
      '/docs': { get: { tags: ['ops'], summary: 'Swagger UI for this document (assets served locally)', responses: { '200': { description: 'HTML' } } } },
    },
  };
}
