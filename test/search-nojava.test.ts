// Without Java the search service cannot start: the supervisor says so in
// /healthz details and in the 503 a search gets (naming Java and what to do),
// and it does not throw at the product. Run in a child process, because the
// Java check is remembered per process once it has passed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot, tempEnv } from './helpers/ingest.ts';

const SCRIPT = `
import { loadConfig } from './core/config.ts';
import { SearchService } from './search/index.ts';
import { SearchClient } from './audit/search/index.ts';
const service = new SearchService(loadConfig(process.env), ['127.0.0.1:9']);
await service.start();
const health = await service.health();
let search;
try {
  await new SearchClient(service).search({ must: ['장애'], not: [], highlight: ['장애'], nicks: [], channels: [], types: [], from: null, to: null, hasLink: false }, { limit: 5 });
  search = { ok: true };
} catch (err) {
  search = { code: err.code, status: err.status, message: err.message };
}
await service.stop();
process.stdout.write(JSON.stringify({ health, search }));
`;

test('no Java: the service is "failed" with a message naming Java, and search answers 503 saying so', () => {
  const t = tempEnv('search-nojava');
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
      cwd: repoRoot,
      env: { ...t.env, JAVA_HOME: path.join(t.dataDir, 'no-such-jdk'), LOG_LEVEL: 'fatal' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { health: Record<string, unknown>; search: { code?: string; status?: number; message?: string } };
    assert.equal(out.health.state, 'failed');
    assert.equal(out.health.ok, true, 'a missing JDK does not hold up the rest of kchat');
    assert.match(String(out.health.error), /Java is missing: .*no-such-jdk\/bin\/java -version` failed/);
    assert.match(String(out.health.error), /Install a JDK\/JRE 17 or newer.*KCHAT_SEARCH_URL/, 'says what to do (install, or a service elsewhere)');
    assert.equal(out.search.code, 'search_unavailable');
    assert.equal(out.search.status, 503);
    assert.match(String(out.search.message), /^검색 서비스를 시작하지 못했어요 \(search service failed: Java is missing/);
  } finally {
    t.cleanup();
  }
});
