// `kchat kafka cluster --nodes 3 --dir DIR` from outside, as the contract
// describes it: three brokers from the project's jars, DIR/cluster.json,
// kchat's topics replicated three times with min.insync.replicas=2, a node
// killed with SIGKILL comes back, SIGTERM stops everything; and clear errors
// for bad options, taken ports and a missing Java.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import kafkajs from 'kafkajs';
import { loadConfig } from '../core/config.ts';
import { createEnvelope } from '../core/envelope.ts';
import { createKafka, KafkaClient } from '../core/kafka.ts';
import type { ClusterFile } from '../kafka/cluster.ts';
import { freePort } from '../kafka/probe.ts';
import { until } from './helpers/cluster.ts';
import { repoRoot, tempDir, uniquePrefix } from './helpers/server.ts';

const { ConfigResourceTypes } = kafkajs;

interface Cli {
  proc: ChildProcess;
  stderr(): string;
  exited: Promise<number | null>;
}

function kchat(args: string[], env: Record<string, string> = {}): Cli {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli', 'main.ts'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'test', DATA_DIR: tempDir('kchat-cli-'), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  proc.stdout!.resume();
  return { proc, stderr: () => err, exited: new Promise((resolve) => proc.once('exit', (code) => resolve(code))) };
}

const alive = (pid: number | null): boolean => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const readClusterFile = (dir: string): ClusterFile | null => {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'cluster.json'), 'utf8')) as ClusterFile;
  } catch {
    return null;
  }
};

describe('kchat kafka cluster --nodes 3', () => {
  const dir = tempDir('kchat-kcluster-');
  let cli: Cli;
  let info: ClusterFile;

  before(async () => {
    cli = kchat(['kafka', 'cluster', '--nodes', '3', '--dir', dir]);
    info = await until(async () => {
      if (cli.proc.exitCode !== null) throw new Error(`kchat kafka cluster exited early:\n${cli.stderr()}`);
      return /Kafka cluster ready/.test(cli.stderr()) && readClusterFile(dir);
    }, 'the cluster to be ready', 180_000);
  });

  after(async () => {
    if (cli.proc.exitCode === null) {
      cli.proc.kill('SIGTERM');
      await cli.exited;
    }
  });

  test('writes cluster.json: three nodes with live pids, their ports in the bootstrap list, three controllers', () => {
    assert.equal(info.nodes.length, 3);
    assert.deepEqual(info.nodes.map((n) => n.id), [1, 2, 3]);
    assert.deepEqual(info.bootstrap.split(','), info.nodes.map((n) => `127.0.0.1:${n.port}`));
    for (const n of info.nodes) {
      assert.ok(alive(n.pid), `node ${n.id}'s pid ${n.pid} runs`);
      assert.equal(n.controller, true);
    }
    assert.equal(new Set(info.nodes.map((n) => n.port)).size, 3);
  });

  test("kchat's topics on it: replication factor 3, min.insync.replicas 2; a write survives one broker down", async () => {
    const brokers = info.bootstrap.split(',');
    const config = loadConfig({ KAFKA_BROKERS: info.bootstrap, KCHAT_TOPIC_PREFIX: uniquePrefix('kcluster'), DATA_DIR: tempDir() });
    const kafka = new KafkaClient({ config, brokers, clientId: 'kcluster-test' });
    await kafka.ensureTopics();
    const admin = createKafka(brokers, 'kcluster-test-admin').admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [kafka.names.topics.events, kafka.names.topics.dlq, kafka.names.topics.claims] });
      for (const t of meta.topics) for (const p of t.partitions) assert.equal(p.replicas.length, 3, `${t.name}/${p.partitionId} has three replicas`);
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: kafka.names.topics.events, configNames: ['min.insync.replicas', 'retention.ms'] }],
      });
      const cfg = Object.fromEntries(resources[0].configEntries.map((c) => [c.configName, c.configValue]));
      assert.equal(cfg['min.insync.replicas'], '2');
      assert.equal(cfg['retention.ms'], '-1', 'the chat log is kept forever');

      // one node SIGKILLed: acks=all writes still succeed (two in-sync copies left), and the launcher brings it back
      const victim = info.nodes[1];
      process.kill(victim.pid!, 'SIGKILL');
      await kafka.publish(createEnvelope({ type: 'message', channel: '장애', user: { id: 'u_t', nick: '테스터' }, text: '브로커 하나가 죽어도 보낼 수 있어요' }));
      const back = await until(async () => {
        const now = readClusterFile(dir);
        const n = now?.nodes.find((x) => x.id === victim.id);
        return n && n.pid && n.pid !== victim.pid && alive(n.pid) ? now : null;
      }, 'the killed node to be restarted', 120_000);
      assert.match(cli.stderr(), new RegExp(`node ${victim.id} \\(pid ${victim.pid}\\) exited: SIGKILL; restarting it`));
      await until(async () => (await admin.describeCluster()).brokers.length === 3, 'three brokers registered again', 120_000);
      assert.equal(back.nodes.length, 3);
    } finally {
      await admin.disconnect();
      await kafka.disconnect();
    }
  });

  test('a second launcher on the same folder is refused, naming the running one', async () => {
    const second = kchat(['kafka', 'cluster', '--nodes', '3', '--dir', dir]);
    assert.equal(await second.exited, 2);
    assert.match(second.stderr(), /a Kafka cluster already runs in .* \(launcher pid \d+\)/);
  });

  test('SIGTERM stops every node and removes cluster.json', async () => {
    const pids = readClusterFile(dir)!.nodes.map((n) => n.pid);
    cli.proc.kill('SIGTERM');
    assert.equal(await cli.exited, 0);
    assert.match(cli.stderr(), /Kafka cluster stopped/);
    for (const pid of pids) assert.equal(alive(pid), false, `node pid ${pid} is gone`);
    assert.equal(fs.existsSync(path.join(dir, 'cluster.json')), false);
  });
});

test('bad options, a taken port and a missing Java get clear errors', async () => {
  const dir = tempDir('kchat-kcluster-bad-');
  const zero = kchat(['kafka', 'cluster', '--nodes', '0', '--dir', dir]);
  assert.equal(await zero.exited, 2);
  assert.match(zero.stderr(), /--nodes must be a whole number from 1 to 9, got "0"/);

  const missing = kchat(['kafka', 'cluster', '--nodes', '3']);
  assert.notEqual(await missing.exited, 0);
  assert.match(missing.stderr(), /--dir/);

  // something already listens where node 1 would
  const port = await freePort();
  const squatter = net.createServer().listen(port, '127.0.0.1');
  await new Promise((r) => squatter.once('listening', r));
  try {
    const taken = kchat(['kafka', 'cluster', '--nodes', '3', '--dir', dir, '--base-port', String(port)]);
    assert.equal(await taken.exited, 2);
    assert.match(taken.stderr(), new RegExp(`port ${port} \\(node 1's client port\\) is in use by another process`));
  } finally {
    squatter.close();
  }

  const noJava = kchat(['kafka', 'cluster', '--nodes', '1', '--dir', dir], { JAVA_HOME: path.join(dir, 'no-such-jdk') });
  assert.equal(await noJava.exited, 1);
  assert.match(noJava.stderr(), /Java is missing: .* Install a JDK\/JRE 17 or newer/);
  assert.equal(fs.existsSync(path.join(dir, 'cluster.json')), false);
});
