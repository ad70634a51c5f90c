// /openapi.json is generated from the zod schemas the code validates with, so
// it cannot drift from them: the envelope's limits are the protocol's, every
// $ref resolves, and the second-edition endpoints are described.
import assert from 'node:assert/strict';
import test from 'node:test';
import { CLIENT_FRAME_TYPES, EVENT_TYPES, MAX_CHANNEL, MAX_ID } from '../core/protocol.ts';
import { openApiDocument } from './openapi.ts';

type Json = Record<string, unknown>;
const doc = openApiDocument() as { paths: Record<string, Record<string, Json>>; components: { schemas: Record<string, Json> } };

test('the Envelope schema is the zod schema, with the protocol limits', () => {
  const env = doc.components.schemas.Envelope as { properties: Record<string, Json>; required: string[] };
  assert.deepEqual(env.properties.type.enum, [...EVENT_TYPES]);
  assert.equal(env.properties.channel.maxLength, MAX_CHANNEL);
  assert.equal(env.properties.id.maxLength, MAX_ID);
  assert.deepEqual(env.properties.user, { $ref: '#/components/schemas/User' });
  assert.ok(['v', 'id', 'type', 'channel', 'user', 'text', 'ts'].every((f) => env.required.includes(f)));
});

test('every $ref points at a component; new endpoints are described', () => {
  const refs: string[] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref') refs.push(String(x));
        else visit(x);
      }
    }
  };
  visit(doc);
  assert.ok(refs.length > 20);
  for (const r of refs) assert.ok(doc.components.schemas[r.replace('#/components/schemas/', '')], r);
  assert.deepEqual(doc.paths['/api/audit-log'].get.security, [{ admin: [] }]);
  assert.ok(doc.paths['/api/admin/cli'].post);
  assert.deepEqual(doc.paths['/api/messages/{id}'].get.security, [{ auditor: [] }]);
  assert.ok(doc.paths['/api/messages/{id}/context'].get);
  const sql = doc.components.schemas.SqlRequest as { required: string[] };
  assert.deepEqual(sql.required, ['sql']);
  const ws = String(doc.paths['/ws'].get.description);
  for (const t of CLIENT_FRAME_TYPES) assert.ok(ws.includes(t), t);
});
