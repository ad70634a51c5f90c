// The scaled-out layout as files: docker-compose.cluster.yml and
// deploy/haproxy.cfg. There is no Docker engine where the tests run, so this
// checks what can be checked without one: the compose file parses into the
// documented shape (three KRaft brokers of the pom's Kafka version, two
// gateways without DuckDB, one audit node, haproxy with the repo's config),
// no secret is written in it, haproxy accepts its config, and every HTTP path
// of the API is routed to a node that serves it. test/cluster-faults.test.ts
// runs the same haproxy.cfg in front of real gateways.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { openApiDocument } from '../server/openapi.ts';
import { haproxyBin } from '../test/helpers/cluster.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cfgFile = path.join(root, 'deploy', 'haproxy.cfg');
const cfg = fs.readFileSync(cfgFile, 'utf8');
type Service = { image?: string; build?: string; environment: Record<string, string | number>; volumes?: string[] };
const compose = YAML.parse(fs.readFileSync(path.join(root, 'docker-compose.cluster.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const s = compose.services;
const env = (name: string) => Object.fromEntries(Object.entries(s[name].environment).map(([k, v]) => [k, String(v)]));

test('three KRaft brokers of the pom\'s Kafka version, one cluster id, a quorum of three, three copies of everything', () => {
  const version = /<kafka\.version>([^<]+)</.exec(fs.readFileSync(path.join(root, 'kafka', 'pom.xml'), 'utf8'))![1];
  const brokers = ['kafka1', 'kafka2', 'kafka3'];
  for (const b of brokers) assert.equal(s[b].image, `apache/kafka:${version}`);
  assert.equal(new Set(brokers.map((b) => env(b).CLUSTER_ID)).size, 1);
  assert.deepEqual(brokers.map((b) => env(b).KAFKA_NODE_ID), ['1', '2', '3']);
  for (const [i, b] of brokers.entries()) {
    const e = env(b);
    assert.equal(e.KAFKA_CONTROLLER_QUORUM_VOTERS, '1@kafka1:9093,2@kafka2:9093,3@kafka3:9093');
    assert.equal(e.KAFKA_ADVERTISED_LISTENERS, `PLAINTEXT://kafka${i + 1}:9092`);
    assert.equal(e.KAFKA_MIN_INSYNC_REPLICAS, '2');
    assert.equal(e.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR, '3');
    assert.equal(e.KAFKA_AUTO_CREATE_TOPICS_ENABLE, 'false');
  }
});

test('two gateways without DuckDB, one audit node, every node on all brokers with the shared secrets from .env', () => {
  for (const g of ['gateway1', 'gateway2']) {
    const e = env(g);
    assert.deepEqual([e.KCHAT_INGEST, e.KCHAT_BOTS, e.KCHAT_SCHEDULER], ['0', '0', '0'], `${g} runs the chat only`);
    assert.equal(s[g].volumes, undefined, `${g} keeps nothing on disk`);
  }
  assert.equal(env('audit1').KCHAT_GATEWAY, '0');
  assert.ok(s.audit1.volumes?.some((v) => v.endsWith(':/app/data')), 'the audit node keeps its data on a volume');
  for (const n of ['gateway1', 'gateway2', 'audit1']) {
    const e = env(n);
    assert.equal(e.KAFKA_BROKERS, 'kafka1:9092,kafka2:9092,kafka3:9092');
    // secrets are never written here: compose takes them from .env and refuses to start without them
    for (const secret of ['KCHAT_SESSION_SECRET', 'ADMIN_TOKEN', 'HOOK_TOKEN']) assert.match(e[secret], new RegExp(`^\\$\\{${secret}:\\?`), `${n} ${secret}`);
  }
  assert.ok(fs.readFileSync(path.join(root, '.gitignore'), 'utf8').split('\n').includes('.env'), '.env is git-ignored');
});

test('haproxy runs the repo\'s own config, with every variable it reads set for the compose services', () => {
  assert.ok(s.haproxy.volumes?.includes('./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro'));
  const read = [...cfg.matchAll(/"\$\{(\w+)-([^}]*)\}"/g)].map((m) => ({ name: m[1], fallback: m[2] }));
  assert.ok(read.length >= 4);
  for (const v of read.filter((r) => r.name !== 'KCHAT_LB_STATS')) assert.equal(env('haproxy')[v.name], v.fallback, `${v.name}: compose and the config's default agree`);
  for (const server of ['gateway1', 'gateway2', 'audit1']) assert.ok(s[server], `haproxy's ${server} is a compose service`);
});

test('haproxy -c accepts deploy/haproxy.cfg', (t) => {
  // -c only parses and checks (binds nothing): the compose defaults in the file are what it checks
  const r = spawnSync(haproxyBin(), ['-c', '-f', cfgFile], { encoding: 'utf8' });
  if (r.error) {
    if (process.env.CI) throw new Error('haproxy is not installed (.ci/run installs it)');
    return t.skip('haproxy is not installed (Debian: sudo apt-get install haproxy)');
  }
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout + r.stderr, /Configuration file is valid/);
});

test('every API path goes to a node that serves it: the audit side to the audit node, the chat to the gateways', () => {
  const prefixes = [...cfg.matchAll(/^\s*acl audit_path path_beg (.+)$/gm)].flatMap((m) => m[1].trim().split(/\s+/));
  // what haproxy's path_beg does: a plain prefix match
  const toAudit = (p: string) => prefixes.some((x) => p.startsWith(x));
  // served by every gateway (a gateway-only node has these and nothing of the audit side)
  const GATEWAY = new Set(['/healthz', '/api/login', '/ws', '/api/channels', '/api/account/password']);
  const paths = Object.keys((openApiDocument() as { paths: Record<string, unknown> }).paths);
  assert.ok(paths.length >= 10);
  for (const p of paths) {
    if (GATEWAY.has(p)) assert.equal(toAudit(p), false, `${p} stays on the gateways`);
    else assert.equal(toAudit(p), true, `${p} is routed to the audit node (add its prefix to "acl audit_path" in deploy/haproxy.cfg, or to GATEWAY here if gateways serve it)`);
  }
  for (const page of ['/audit', '/audit/search', '/notebooks', '/docs', '/openapi.json']) assert.ok(toAudit(page), `${page} (a page of the audit side)`);
  for (const page of ['/', '/index.html', '/assets/app.js']) assert.equal(toAudit(page), false, `${page} is the chat UI`);
});
