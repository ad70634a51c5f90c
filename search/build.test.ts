// The search service's pom pins the Kafka client of the broker's version, and
// Lucene 9.12 (the last line that runs on Java 17).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const property = (pom: string, name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(fs.readFileSync(path.join(root, pom), 'utf8'))?.[1];

test('search/pom.xml uses the Kafka client of the broker jars (kafka/pom.xml) and Lucene 9.12', () => {
  const broker = property('kafka/pom.xml', 'kafka.version');
  assert.ok(broker, 'kafka/pom.xml names kafka.version');
  assert.equal(property('search/pom.xml', 'kafka.version'), broker);
  assert.match(property('search/pom.xml', 'lucene.version') ?? '', /^9\.12\./);
  assert.equal(property('search/pom.xml', 'maven.compiler.release'), '17');
});
