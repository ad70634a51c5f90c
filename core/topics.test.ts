// The topic table and the naming rule: replication follows the cluster size,
// chat.events is kept forever, and no product file outside core/ and kafka/
// spells or slices a topic name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config.ts';
import { kafkaNames } from './names.ts';
import { EVENTS_PARTITIONS, replicationFor, topicSpecs } from './topics.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

test('replication factor is min(3, brokers); min.insync.replicas is 2 from three copies on', () => {
  assert.deepEqual(replicationFor(1), { replicationFactor: 1, minInsyncReplicas: 1 });
  assert.deepEqual(replicationFor(2), { replicationFactor: 2, minInsyncReplicas: 1 });
  assert.deepEqual(replicationFor(3), { replicationFactor: 3, minInsyncReplicas: 2 });
  assert.deepEqual(replicationFor(7), { replicationFactor: 3, minInsyncReplicas: 2 });
});

test('one table: chat.events kept forever with its partitions, the DLQ larger than the events, claims on one partition', () => {
  const names = kafkaNames(loadConfig({ KCHAT_TOPIC_PREFIX: 'p1.' }));
  const specs = topicSpecs(names, 3);
  const byName = new Map(specs.map((s) => [s.name, s]));
  assert.deepEqual([...byName.keys()], ['p1.chat.events', 'p1.chat.dlq', 'p1.bots.claims', 'p1.chat.accounts', 'p1.chat.channels', 'p1.chat.reads', 'p1.chat.presence']);
  const events = byName.get('p1.chat.events')!;
  assert.equal(events.partitions, EVENTS_PARTITIONS);
  assert.equal(events.replicationFactor, 3);
  assert.equal(events.configs['retention.ms'], '-1');
  assert.equal(events.configs['min.insync.replicas'], '2');
  const dlq = byName.get('p1.chat.dlq')!;
  assert.ok(Number(dlq.configs['max.message.bytes']) > Number(events.configs['max.message.bytes']), 'a rejected record plus its reason headers fits the DLQ');
  assert.equal(byName.get('p1.bots.claims')!.partitions, 1);
  assert.equal(topicSpecs(names, 1)[0].replicationFactor, 1);
});

test('every group carries the prefix (bots included)', () => {
  const names = kafkaNames(loadConfig({ KCHAT_TOPIC_PREFIX: 'p2.', KCHAT_INGEST_GROUP: 'audit-a' }));
  const groups = [names.groups.ingest, names.groups.bots, names.groups.botsSync('x'), names.groups.claims('o'), names.groups.gateway('g'), names.groups.search];
  for (const g of groups) assert.ok(g.startsWith('p2.'), g);
  assert.equal(names.groups.ingest, 'p2.audit-a');
  // config.topics is the same names, derived once
  const config = loadConfig({ KCHAT_TOPIC_PREFIX: 'p2.' });
  assert.deepEqual(config.topics, { events: names.topics.events, dlq: names.topics.dlq });
});

function productFiles(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!['node_modules', 'dist', 'libs'].includes(entry.name)) productFiles(full, out);
    } else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

test('no product file outside core/ and kafka/ spells or slices a topic name', () => {
  // a topic name inside a string literal (comments may mention topics by name)
  const spelled = /['"`][^'"`\n]*\b(chat\.events|chat\.dlq|bots\.claims)\b/;
  const offenders: string[] = [];
  for (const room of ['server', 'ingest', 'bots', 'audit', 'cli', 'web']) {
    const dir = path.join(root, room);
    if (!fs.existsSync(dir)) continue;
    for (const file of productFiles(dir)) {
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (/^\s*(\/\/|\/?\*)/.test(line) || /\blogger\(/.test(line)) return;
        if (spelled.test(line)) offenders.push(`${path.relative(root, file)}:${i + 1}: ${line.trim()}`);
      });
    }
  }
  assert.deepEqual(offenders, [], 'topic names come from kafkaNames(config) (core/names.ts)');
});
