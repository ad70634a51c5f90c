// Builds the search service on first use, like the Kafka jars: Maven fetches
// the jars pinned in search/pom.xml into search/libs (cached on the pom's
// hash), javac compiles search/src into search/build/classes (cached on a hash
// of the sources, the pom and the JDK build). Run by hand (or from .ci/run) as
// `npx tsx search/build.ts`.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { logger } from '../core/log.ts';
import { fetchMavenJars, jarsReady, type JarSet } from '../kafka/fetch.ts';
import { javaBuildId, javacBin, requireJava, requireJavac } from '../kafka/jvm.ts';

const log = logger('search.build');

export const SEARCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const SEARCH_LIBS = path.join(SEARCH_DIR, 'libs');
const SOURCES = path.join(SEARCH_DIR, 'src', 'main', 'java');
const BUILD = path.join(SEARCH_DIR, 'build');
export const SEARCH_CLASSES = path.join(BUILD, 'classes');
const STAMP = path.join(SEARCH_CLASSES, '.build-sha256');
export const MAIN_CLASS = 'dev.kchat.search.Main';

export const SEARCH_JARS: JarSet = {
  pom: path.join(SEARCH_DIR, 'pom.xml'),
  libs: SEARCH_LIBS,
  marker: 'lucene-core-',
  what: 'search service jars (Lucene, Kafka client)',
  size: '~30 MB',
  orElse: 'or point KCHAT_SEARCH_URL at a search service running elsewhere (docs/search.md).',
};

function javaFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) javaFiles(full, out);
    else if (e.name.endsWith('.java')) out.push(full);
  }
  return out.sort();
}

function sourceHash(files: string[]): string {
  const h = createHash('sha256');
  h.update(fs.readFileSync(SEARCH_JARS.pom));
  h.update(javaBuildId());
  for (const f of files) h.update(path.relative(SOURCES, f)).update('\0').update(fs.readFileSync(f));
  return h.digest('hex');
}

/** True when search/libs and search/build/classes match the pom, the sources and this JDK. */
export function searchBuilt(): boolean {
  try {
    return jarsReady(SEARCH_JARS) && fs.readFileSync(STAMP, 'utf8').trim() === sourceHash(javaFiles(SOURCES));
  } catch {
    return false;
  }
}

let building: Promise<void> | null = null;

/** Fetch and compile what the search service needs, unless already done. */
export function buildSearch(): Promise<void> {
  building ??= build().finally(() => {
    building = null;
  });
  return building;
}

async function build(): Promise<void> {
  requireJava(SEARCH_JARS.orElse);
  await fetchMavenJars(SEARCH_JARS);
  const files = javaFiles(SOURCES);
  const hash = sourceHash(files);
  try {
    if (fs.readFileSync(STAMP, 'utf8').trim() === hash) return;
  } catch {
    // not built yet
  }
  requireJavac('the search service (search/src)');
  // Compile beside the classes and swap in at the end (a half-compiled tree never runs).
  const partial = path.join(BUILD, `classes.partial-${process.pid}`);
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  const started = Date.now();
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const javac = spawn(javacBin(), ['--release', '17', '-encoding', 'UTF-8', '-Xlint:all', '-Xlint:-serial', '-d', partial, '-cp', path.join(SEARCH_LIBS, '*'), ...files], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const s of [javac.stdout, javac.stderr]) s.on('data', (d: Buffer) => output.push(d.toString()));
    javac.on('error', reject);
    javac.on('exit', resolve);
  });
  if (code !== 0) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw new Error(`javac could not compile the search service (exit ${code}):\n${output.join('').trim().split('\n').slice(-20).join('\n')}`);
  }
  fs.writeFileSync(path.join(partial, '.build-sha256'), hash + '\n');
  fs.rmSync(SEARCH_CLASSES, { recursive: true, force: true });
  try {
    fs.renameSync(partial, SEARCH_CLASSES);
  } catch (err) {
    fs.rmSync(partial, { recursive: true, force: true });
    if (!searchBuilt()) throw err; // another process finished the same build first: keep theirs
  }
  log.info({ files: files.length, ms: Date.now() - started, dir: SEARCH_CLASSES }, 'search service compiled');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(
      'Usage: npx tsx search/build.ts\n\nFetch the search service jars pinned in search/pom.xml into search/libs (Maven) and compile\n' +
        'search/src into search/build/classes (javac). Skips what is already up to date.\n',
    );
  } else {
    try {
      const cached = searchBuilt();
      await buildSearch();
      process.stdout.write(`${cached ? 'cached' : 'built'}: ${SEARCH_CLASSES}\n`);
    } catch (err) {
      process.stderr.write(`search/build: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  }
}
