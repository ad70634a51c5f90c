// Auditors' view of one message (../shared/design.md, "Contract, second
// edition", #11): every version, the delete record and the refused changes,
// and the events around it in its channel. Both behind the auditor guard
// (401/403, one audit_log row before the route runs). The data comes from
// ingest's message log (ingest/versions.ts folds the edit/delete events).
import { requireAuditor, type AuditEnv } from '../../audit/index.ts';
import { InputError } from '../../core/errors.ts';
import { MAX_ID } from '../../core/protocol.ts';
import { messageLog, type MessageRecord } from '../../ingest/index.ts';
import { router } from '../http.ts';
import type { Part, PartContext } from '../part.ts';

/** Events on each side of a message in a context answer: default and most. */
export const CONTEXT_DEFAULT = 20;
export const CONTEXT_MAX = 200;

/** The id from the path (Hono has decoded it). */
function messageId(id: string): string {
  if (id.length === 0 || id.length > MAX_ID) throw new InputError('bad_id', `message id must be 1–${MAX_ID} characters, got ${id.length}`);
  return id;
}

function notFound(id: string): InputError {
  return new InputError('not_found', `메시지를 찾을 수 없습니다: ${id} (no event has this id; it may not be ingested yet)`, { status: 404 });
}

function count(value: string | undefined, name: string): number {
  if (value === undefined || value === '') return CONTEXT_DEFAULT;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > CONTEXT_MAX) throw new InputError('bad_param', `${name} must be an integer from 0 to ${CONTEXT_MAX}, got "${value}"`, { details: { field: name } });
  return n;
}

/** The answer of GET /api/messages/{id}: the contract's fields first. */
function recordAnswer(r: MessageRecord) {
  const last = r.versions[r.versions.length - 1];
  return {
    message: r.message,
    versions: r.versions.map((v) => ({ text: v.text, ts: v.ts, by: v.by, id: v.event })),
    deleted: r.deleted && { ts: r.deleted.ts, by: r.deleted.by, id: r.deleted.event },
    edited: r.versions.length > 1,
    /** the text now (auditors: also of a deleted message, whose members see none) */
    text: last.text,
    refused: r.refused.map((c) => ({ id: c.event, type: c.type, by: c.by, ts: c.ts, code: c.code, reason: c.reason, ...(c.text !== undefined ? { text: c.text } : {}) })),
    replies: r.replies,
    kafka: r.kafka,
  };
}

export function messageRoutes(ctx: Pick<PartContext, 'db' | 'auth'>) {
  const app = router<AuditEnv>();
  const log = messageLog(ctx.db);
  app.use('/api/messages/*', requireAuditor(ctx.auth, ctx.db));

  app.get('/api/messages/:id', async (c) => {
    const id = messageId(c.req.param('id'));
    const record = await log.message(id);
    if (!record) throw notFound(id);
    return c.json(recordAnswer(record));
  });

  app.get('/api/messages/:id/context', async (c) => {
    const id = messageId(c.req.param('id'));
    const before = count(c.req.query('before'), 'before');
    const after = count(c.req.query('after'), 'after');
    const context = await log.context(id, { before, after });
    if (!context) throw notFound(id);
    return c.json(context);
  });
  return app;
}

/** The `npm start` part: routes only (the data is ingest's). */
export function messagesPart(ctx: PartContext): Part {
  return { name: 'messages', routes: (app) => void app.route('/', messageRoutes(ctx) as never) };
}
