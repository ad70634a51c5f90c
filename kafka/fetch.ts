// Fetches the Kafka jars pinned in kafka/pom.xml into kafka/libs with Maven,
// once: a stamp file holds the pom's hash, so later calls are a file read.
// Run by hand (or from .ci/run) as `npx tsx kafka/fetch.ts`.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { logger } from '../core/log.ts';
import { KAFKA_DIR, LIBS_DIR, POM_FILE, requireMaven } from './jvm.ts';

const log = logger('kafka.fetch');
const STAMP = path.join(LIBS_DIR, '.pom-sha256');

function pomHash(): string {
  return createHash('sha256').update(fs.readFileSync(POM_FILE)).digest('hex');
}

/** True when kafka/libs holds the jars of the current pom. */
export function jarsReady(): boolean {
  try {
    return fs.readFileSync(STAMP, 'utf8').trim() === pomHash() && fs.readdirSync(LIBS_DIR).some((f) => f.startsWith('kafka_2.13-'));
  } catch {
    return false;
  }
}

let fetching: Promise<void> | null = null;

/** Make sure kafka/libs matches kafka/pom.xml; downloads with Maven only when it does not. */
export function fetchJars(): Promise<void> {
  if (jarsReady()) return Promise.resolve();
  fetching ??= download().finally(() => {
    fetching = null;
  });
  return fetching;
}

async function download(): Promise<void> {
  requireMaven();
  const hash = pomHash();
  // Download beside libs and swap in at the end, so an interrupted fetch never
  // leaves a half-filled libs (and jars of an older pom never mix with new ones).
  const partial = path.join(KAFKA_DIR, `libs.partial-${process.pid}`);
  fs.rmSync(partial, { recursive: true, force: true });
  log.info({ pom: POM_FILE }, 'fetching Kafka jars with Maven (first run only, ~45 MB)');
  const started = Date.now();
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const mvn = spawn(
      'mvn',
      ['-B', '-q', '-f', POM_FILE, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${partial}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    for (const s of [mvn.stdout, mvn.stderr]) s.on('data', (d: Buffer) => output.push(d.toString()));
    mvn.on('error', reject);
    mvn.on('exit', resolve);
  });
  if (code !== 0) {
    fs.rmSync(partial, { recursive: true, force: true });
    const tail = output.join('').trim().split('\n').slice(-15).join('\n');
    throw new Error(`Maven could not fetch the Kafka jars (exit ${code}); is Maven Central reachable?\n${tail}`);
  }
  fs.writeFileSync(path.join(partial, '.pom-sha256'), hash + '\n');
  if (!jarsReady()) {
    fs.rmSync(LIBS_DIR, { recursive: true, force: true });
    try {
      fs.renameSync(partial, LIBS_DIR);
    } catch (err) {
      // Another process finished the same fetch first: keep theirs.
      fs.rmSync(partial, { recursive: true, force: true });
      if (!jarsReady()) throw err;
    }
  } else {
    fs.rmSync(partial, { recursive: true, force: true });
  }
  const jars = fs.readdirSync(LIBS_DIR).filter((f) => f.endsWith('.jar')).length;
  log.info({ jars, ms: Date.now() - started, dir: LIBS_DIR }, 'Kafka jars ready');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(
      'Usage: npx tsx kafka/fetch.ts\n\nFetch the Apache Kafka jars pinned in kafka/pom.xml into kafka/libs with Maven.\n' +
        'Skips the download when kafka/libs already matches the pom (stamp: kafka/libs/.pom-sha256).\n',
    );
  } else {
    try {
      const cached = jarsReady();
      await fetchJars();
      process.stdout.write(`${cached ? 'cached' : 'fetched'}: ${LIBS_DIR}\n`);
    } catch (err) {
      process.stderr.write(`kafka/fetch: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  }
}
