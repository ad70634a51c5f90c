// The Kiwi model files (kiwi-nlp ships the analyser as WebAssembly, no model
// inside). They come from PyPI's `kiwipiepy_model` source archive, fetched
// once — the pinned file straight from PyPI's file host, or with pip (which
// follows the machine's pip settings, e.g. a mirror) when that fails — into a
// gitignored folder —
// core/korean/kiwi/model/ unless KCHAT_KIWI_MODEL_DIR says otherwise — like
// the Kafka jars: a stamp names the archive's SHA-256, an interrupted fetch
// never leaves a half-filled folder. Run by hand or from .ci/run:
//   npx tsx core/korean/kiwi/model.ts
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadConfig, type Config } from '../../config.ts';
import { logger } from '../../log.ts';

const log = logger('korean.kiwi');

/** kiwi-nlp and the model must be the same release (the model format changes between releases). */
export const KIWI_MODEL_VERSION = '0.23.0';
/** Where the model's archive comes from, and the SHA-256 it must have (a different archive is refused). */
export interface ModelArchive {
  url: string;
  sha256: string;
}

/**
 * kiwipiepy_model-0.23.0.tar.gz where PyPI's index (https://pypi.org/simple/kiwipiepy-model/) points for it.
 * Fetched directly because `pip download --no-binary :all:` first builds setuptools from source for the sdist's
 * metadata: on a new machine two python processes held a third to two thirds of a core each through a whole 30 s
 * benchmark warm-up, against ~3 s for the 88 MB file itself.
 */
export const PYPI_ARCHIVE: ModelArchive = {
  url: 'https://files.pythonhosted.org/packages/77/59/28403890c5f757254bf2068ff321fb3e656fb2e5658a3de8bfc092e4fd83/kiwipiepy_model-0.23.0.tar.gz',
  sha256: '498a22f5585e6c4a162423d7557eb3ee3f71cddc6e0aeb2650c50467e85933e2',
};
/** What the analyser loads (multi.dict — WikiData proper nouns, 12 MB — is left out: it costs memory, not topic quality). */
export const MODEL_FILES = ['combiningRule.txt', 'cong.mdl', 'default.dict', 'dialect.dict', 'extract.mdl', 'nounchr.mdl', 'sj.morph', 'typo.dict'] as const;

export const DEFAULT_MODEL_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'model');
const STAMP = '.archive-sha256';

/** The folder holding the model: KCHAT_KIWI_MODEL_DIR, else core/korean/kiwi/model. */
export function modelDir(config: Pick<Config, 'kiwi'> = loadConfig()): string {
  return config.kiwi.modelDir ?? DEFAULT_MODEL_DIR;
}

/** True when every model file is in `dir`. */
export function modelReady(dir: string = modelDir()): boolean {
  return MODEL_FILES.every((f) => {
    try {
      return fs.statSync(path.join(dir, f)).size > 0;
    } catch {
      return false;
    }
  });
}

const fetching = new Map<string, Promise<string>>();

/** Make sure the model is in `dir` (download once); resolves to the folder. `source`: tests serve their own archive. */
export function ensureModel(dir: string = modelDir(), source: ModelArchive = PYPI_ARCHIVE): Promise<string> {
  if (modelReady(dir)) return Promise.resolve(dir);
  let p = fetching.get(dir);
  if (!p) {
    p = download(dir, source).finally(() => fetching.delete(dir));
    fetching.set(dir, p);
  }
  return p;
}

function run(cmd: string, args: string[], cwd?: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const out: string[] = [];
    let child;
    try {
      child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ code: null, output: (err as Error).message });
      return;
    }
    for (const s of [child.stdout, child.stderr]) s.on('data', (d: Buffer) => out.push(d.toString()));
    child.on('error', (err) => resolve({ code: null, output: err.message }));
    child.on('exit', (code) => resolve({ code, output: out.join('') }));
  });
}

const tail = (s: string) => s.trim().split('\n').slice(-8).join('\n');

/** The archive at `url`, streamed to `file`; never throws (pip is the fallback). */
async function fetchArchive(url: string, file: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10 * 60_000) });
    if (!res.ok || !res.body) {
      await res.body?.cancel(); // an unread error page would hold the connection until collected
      return { ok: false, reason: `HTTP ${res.status}` };
    }
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), fs.createWriteStream(file, { mode: 0o600 }));
    return { ok: true };
  } catch (err) {
    fs.rmSync(file, { force: true });
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return { ok: false, reason: e.cause?.code ?? e.cause?.message ?? e.message };
  }
}

/** `pip download` of the sdist into `work` (it honours pip.conf: index mirrors, certificates, proxies). */
async function pipDownload(work: string, archive: string, url: string, directReason: string): Promise<void> {
  const python = process.env.PYTHON || 'python3';
  const pip = await run(python, ['-m', 'pip', 'download', '--no-deps', '--no-binary', ':all:', '--disable-pip-version-check', '-q', '-d', work, `kiwipiepy_model==${KIWI_MODEL_VERSION}`]);
  if (pip.code !== 0 || !fs.existsSync(archive)) {
    throw new Error(
      `could not fetch the Kiwi model (kiwipiepy_model ${KIWI_MODEL_VERSION}): ${url} gave ${directReason}, and \`${python} -m pip download\`` +
        ` ${pip.code === null ? 'is not available' : `exited ${pip.code}`}. Reach PyPI (directly or with pip), or put the files` +
        ` ${MODEL_FILES.join(', ')} in KCHAT_KIWI_MODEL_DIR.\n${tail(pip.output)}`,
    );
  }
}

async function download(dir: string, source: ModelArchive): Promise<string> {
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-kiwi-'));
  try {
    log.info({ version: KIWI_MODEL_VERSION, dir }, 'fetching the Kiwi model from PyPI (kiwipiepy_model, ~88 MB, first use only)');
    const archive = path.join(work, `kiwipiepy_model-${KIWI_MODEL_VERSION}.tar.gz`);
    const direct = await fetchArchive(source.url, archive);
    if (!direct.ok) {
      log.warn({ url: source.url, reason: direct.reason }, 'direct download of the Kiwi model failed; trying pip');
      await pipDownload(work, archive, source.url, direct.reason);
    }
    const sha = createHash('sha256').update(fs.readFileSync(archive)).digest('hex');
    if (sha !== source.sha256) throw new Error(`the downloaded kiwipiepy_model archive has SHA-256 ${sha}, expected ${source.sha256}: refused`);
    const members = MODEL_FILES.map((f) => `kiwipiepy_model-${KIWI_MODEL_VERSION}/kiwipiepy_model/${f}`);
    const untar = await run('tar', ['-xzf', archive, '-C', work, ...members]);
    if (untar.code !== 0) throw new Error(`could not unpack the Kiwi model archive: ${tail(untar.output)}`);
    // Fill a sibling folder and rename it into place: a reader never sees half a model.
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const partial = `${dir}.partial-${process.pid}`;
    fs.rmSync(partial, { recursive: true, force: true });
    fs.mkdirSync(partial);
    for (const f of MODEL_FILES) fs.renameSync(path.join(work, `kiwipiepy_model-${KIWI_MODEL_VERSION}`, 'kiwipiepy_model', f), path.join(partial, f));
    fs.writeFileSync(path.join(partial, STAMP), sha + '\n');
    if (!modelReady(dir)) {
      fs.rmSync(dir, { recursive: true, force: true });
      try {
        fs.renameSync(partial, dir);
      } catch (err) {
        if (!modelReady(dir)) throw err; // another process finished the same fetch first: keep theirs
      }
    }
    fs.rmSync(partial, { recursive: true, force: true });
    log.info({ dir, ms: Date.now() - started }, 'Kiwi model ready');
    return dir;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(
      `Usage: npx tsx core/korean/kiwi/model.ts\n\nFetch the Kiwi model (PyPI kiwipiepy_model ${KIWI_MODEL_VERSION}; pip is the fallback) into\n` +
        `${modelDir()} (KCHAT_KIWI_MODEL_DIR overrides). Skips the download when the files are there.\n`,
    );
  } else {
    try {
      const cached = modelReady();
      await ensureModel();
      process.stdout.write(`${cached ? 'cached' : 'fetched'}: ${modelDir()}\n`);
    } catch (err) {
      process.stderr.write(`kiwi model: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  }
}
