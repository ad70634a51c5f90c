// A server killed right after it started (its schema changes still only in
// DuckDB's WAL) starts again on the same data: every part's start-up DDL must
// be replayable from the WAL. An ALTER of a table with a DEFAULT now() is not
// (DuckDB: "no default database set"), which kept the server down for good.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer } from './helpers/server.ts';

const skip = process.env.KAFKA_BROKERS ? false : 'KAFKA_BROKERS is not set: run through `npm test` (it starts a broker)';

test('a server SIGKILLed after start-up starts again on its data', { skip, timeout: 180_000 }, async () => {
  const first = await startServer();
  assert.ok((await fetch(`${first.url}/openapi.json`)).ok);
  await first.kill();
  const again = await startServer({ dataDir: first.dataDir, prefix: first.prefix });
  try {
    assert.ok((await fetch(`${again.url}/openapi.json`)).ok);
  } finally {
    await again.stop();
  }
});
