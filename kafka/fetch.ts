// Fetches the Kafka jars pinned in kafka/pom.xml into kafka/libs with Maven,
// once: a stamp file holds the pom's hash, so later calls are a file read.
// Run by hand (or from .ci/run) as `npx tsx kafka/fetch.ts`. The same
// fetcher (fetchMavenJars) brings the search service's jars (search/build.ts).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { logger } from '../core/log.ts';
import { LIBS_DIR, POM_FILE, requireMaven } from './jvm.ts';

const log = logger('kafka.fetch');
/** A set of jars pinned by a pom and where they go. */
export interface JarSet {
  pom: string;
  libs: string;
  /** a jar name prefix that must be there once fetched */
  marker: string;
  /** what the jars are for, in log lines and errors */
  what: string;
  /** approximate download size for the log line */
  size: string;
  /** what the user can do instead of installing Maven */
  orElse?: string;
}

export const KAFKA_JARS: JarSet = { pom: POM_FILE, libs: LIBS_DIR, marker: 'kafka_2.13-', what: 'Kafka jars', size: '~45 MB' };

function pomHash(pom: string): string {
  return createHash('sha256').update(fs.readFileSync(pom)).digest('hex');
}

/** True when the set's libs folder holds the jars of its current pom. */
export function jarsReady(set: JarSet = KAFKA_JARS): boolean {
  try {
    return fs.readFileSync(path.join(set.libs, '.pom-sha256'), 'utf8').trim() === pomHash(set.pom) && fs.readdirSync(set.libs).some((f) => f.startsWith(set.marker));
  } catch {
    return false;
  }
}

const fetching = new Map<string, Promise<void>>();

/** Make sure kafka/libs matches kafka/pom.xml; downloads with Maven only when it does not. */
export function fetchJars(): Promise<void> {
  return fetchMavenJars(KAFKA_JARS);
}

/** Make sure set.libs matches set.pom; downloads with Maven only when it does not (one download per set at a time). */
export function fetchMavenJars(set: JarSet): Promise<void> {
  if (jarsReady(set)) return Promise.resolve();
  let p = fetching.get(set.libs);
  if (!p) {
    p = download(set).finally(() => fetching.delete(set.libs));
    fetching.set(set.libs, p);
  }
  return p;
}

async function download(set: JarSet): Promise<void> {
  requireMaven(`the ${set.what} into ${path.relative(process.cwd(), set.libs) || set.libs}`, set.orElse);
  const hash = pomHash(set.pom);
  // Download beside libs and swap in at the end, so an interrupted fetch never
  // leaves a half-filled libs (and jars of an older pom never mix with new ones).
  const partial = `${set.libs}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  log.info({ pom: set.pom }, `fetching ${set.what} with Maven (first run only, ${set.size})`);
  const started = Date.now();
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const mvn = spawn(
      'mvn',
      ['-B', '-q', '-f', set.pom, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${partial}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    for (const s of [mvn.stdout, mvn.stderr]) s.on('data', (d: Buffer) => output.push(d.toString()));
    mvn.on('error', reject);
    mvn.on('exit', resolve);
  });
  if (code !== 0) {
    fs.rmSync(partial, { recursive: true, force: true });
    const tail = output.join('').trim().split('\n').slice(-15).join('\n');
    throw new Error(`Maven could not fetch the ${set.what} (exit ${code}); is Maven Central reachable?\n${tail}`);
  }
  fs.writeFileSync(path.join(partial, '.pom-sha256'), hash + '\n');
  if (!jarsReady(set)) {
    fs.rmSync(set.libs, { recursive: true, force: true });
    try {
      fs.renameSync(partial, set.libs);
    } catch (err) {
      // Another process finished the same fetch first: keep theirs.
      fs.rmSync(partial, { recursive: true, force: true });
      if (!jarsReady(set)) throw err;
    }
  } else {
    fs.rmSync(partial, { recursive: true, force: true });
  }
  const jars = fs.readdirSync(set.libs).filter((f) => f.endsWith('.jar')).length;
  log.info({ jars, ms: Date.now() - started, dir: set.libs }, `${set.what} ready`);
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
