// Where the Kafka jars live and how to run a Java class from them. Shared by
// the managed broker (broker.ts), the jar fetcher (fetch.ts) and Kafka's own
// tools (tools.ts), so all three use the same JVM and the same classpath.
// The search service (search/) runs its own JVM with the same helpers:
// requireJava/requireJavac/requireMaven, classDataArchive(name, dir).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const KAFKA_DIR = path.dirname(fileURLToPath(import.meta.url));
export const LIBS_DIR = path.join(KAFKA_DIR, 'libs');
export const POM_FILE = path.join(KAFKA_DIR, 'pom.xml');
export const LOG4J_CONFIG = path.join(KAFKA_DIR, 'log4j2.xml');

/** Kafka 4.x brokers and tools are compiled for Java 17. */
export const MIN_JAVA = 17;

/** `java` from JAVA_HOME when set (what Kafka's own scripts do), else from PATH. */
export function javaBin(env: NodeJS.ProcessEnv = process.env): string {
  return env.JAVA_HOME ? path.join(env.JAVA_HOME, 'bin', 'java') : 'java';
}

const JAVA_INSTALL = 'Install a JDK/JRE 17 or newer (Debian/Ubuntu: `sudo apt-get install openjdk-17-jre-headless`; macOS: `brew install openjdk@17`)';
const BROKER_ELSE = 'or set KAFKA_BROKERS=host:port to use a broker you run yourself.';

let javaChecked: number | null = null;
let javaBuild = '';

/** Throws a clear error when Java is missing or older than 17 (`orElse`: what the user can do instead); returns the major version. */
export function requireJava(orElse = BROKER_ELSE): number {
  if (javaChecked !== null) return javaChecked;
  const install = `${JAVA_INSTALL} ${orElse}`;
  const bin = javaBin();
  const r = spawnSync(bin, ['-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`Java is missing: \`${bin} -version\` failed (${r.error?.message ?? `exit ${r.status}`}). ` + install);
  }
  // `java -version` prints e.g. `openjdk version "17.0.15"` or `"1.8.0_392"` on stderr.
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr + r.stdout);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  if (!Number.isFinite(major)) throw new Error(`Could not read the Java version from \`${bin} -version\`. ` + install);
  if (major < MIN_JAVA) throw new Error(`Java ${major} is too old: kchat needs Java ${MIN_JAVA}+ (Kafka 4.x, Lucene 9.12). ` + install);
  javaChecked = major;
  // e.g. `(build 17.0.15+6-Debian-1deb12u1, mixed mode, sharing)` of the VM line: names the exact JVM build
  javaBuild = /\(build ([^,)]+)/.exec(r.stderr.split('\n').slice(-2).join('\n'))?.[1] ?? String(major);
  return major;
}

/** Throws a clear error when Maven is missing (only needed to fetch jars once); `what` names them. */
export function requireMaven(what = 'the Kafka jars into kafka/libs', orElse = 'or set KAFKA_BROKERS=host:port to use a broker you run yourself.'): void {
  const r = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(
      `Maven is missing: \`mvn -v\` failed (${r.error?.message ?? `exit ${r.status}`}). It is needed once, to fetch ${what}. ` +
        `Install it (Debian/Ubuntu: \`sudo apt-get install maven\`; macOS: \`brew install maven\`) ${orElse}`,
    );
  }
}

/** `javac` beside the `java` in use (JAVA_HOME or PATH). */
export function javacBin(env: NodeJS.ProcessEnv = process.env): string {
  return env.JAVA_HOME ? path.join(env.JAVA_HOME, 'bin', 'javac') : 'javac';
}

/** Throws a clear error when there is no JDK compiler (the search service is compiled on first use). */
export function requireJavac(what: string): void {
  const bin = javacBin();
  const r = spawnSync(bin, ['-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(
      `javac is missing: \`${bin} -version\` failed (${r.error?.message ?? `exit ${r.status}`}). It is needed once, to compile ${what}. ` +
        'Install a JDK 17 or newer (Debian/Ubuntu: `sudo apt-get install openjdk-17-jdk-headless`; macOS: `brew install openjdk@17`).',
    );
  }
}

/** The exact JVM build (e.g. `17.0.15+6-Debian-1deb12u1`), after requireJava(). */
export function javaBuildId(): string {
  requireJava();
  return javaBuild;
}

export interface ClassDataArchive {
  jvmArgs: string[];
  /** call once the JVM has exited; `clean` = it ended by itself or by SIGTERM (not SIGKILL, not a crash) */
  done(clean: boolean): void;
}

/**
 * Class-data sharing for a JVM we start often (the broker, the search service): the first clean
 * run dumps the classes it loaded into <dir>/<name>-<jvm build>.jsa (dir: kafka/libs by default) and
 * later runs map that archive, which cuts broker start-up roughly in half on a
 * busy machine. The archive lives beside the jars, so a new fetch drops it,
 * and its name carries the exact JVM build, which must match.
 */
export function classDataArchive(name: string, dir = LIBS_DIR): ClassDataArchive {
  requireJava();
  const archive = path.join(dir, `${name}-${javaBuild.replace(/[^\w.+-]/g, '_')}.jsa`);
  if (fs.existsSync(archive)) return { jvmArgs: [`-XX:SharedArchiveFile=${archive}`], done: () => undefined };
  const tmp = `${archive}.${process.pid}-${Date.now()}.tmp`;
  return {
    jvmArgs: [`-XX:ArchiveClassesAtExit=${tmp}`],
    done(clean) {
      try {
        // a JVM killed while dumping leaves a partial file: only a clean exit's archive is kept
        if (clean && fs.statSync(tmp).size > 0 && !fs.existsSync(archive)) fs.renameSync(tmp, archive);
      } catch {
        // no archive this time; the next start tries again
      }
      fs.rmSync(tmp, { force: true });
    },
  };
}

export interface JavaOptions {
  /** max heap, e.g. '512m' */
  heap?: string;
  /** root log level of Kafka's log4j2 (broker: INFO, tools: WARN) */
  logLevel?: 'INFO' | 'WARN' | 'ERROR';
  /** extra -D / -X options */
  jvmArgs?: string[];
}

/** argv (without the `java` binary) to run `mainClass args…` from kafka/libs. */
export function javaArgs(mainClass: string, args: string[], opts: JavaOptions = {}): string[] {
  return [
    `-Xmx${opts.heap ?? '256m'}`,
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`,
    `-Dkchat.kafka.log.level=${opts.logLevel ?? 'WARN'}`,
    ...(opts.jvmArgs ?? []),
    '-cp',
    path.join(LIBS_DIR, '*'),
    mainClass,
    ...args,
  ];
}
