// Files named on a `kchat` command line. A command never opens a path itself:
// it asks `ctx.files`. In the CLI process these are the user's files (paths
// relative to where kchat was started). When a running server executes the
// command (cli/forward.ts → server/routes/cli.ts), the CLI has sent the
// CONTENT of the declared input files and writes the declared output files
// itself from the answer: the server never opens a path that came over HTTP,
// and writes only inside its own data folder.
import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../core/errors.ts';

export interface CliFiles {
  /** the bytes of an input file named on the command line */
  read(name: string): Promise<Buffer>;
  /** a path on this machine that holds the input's bytes, for readers that need one (DuckDB's read_parquet) */
  localPath(name: string): Promise<string>;
  /** write an output file named on the command line; resolves to how to show it to the user */
  write(name: string, data: string | Uint8Array): Promise<string>;
  /** write an output file piece by piece (large exports); it appears under its name only once closed */
  openOutput(name: string): Promise<OutputFile>;
  /** how to show a name given on the command line */
  show(name: string): string;
}

export interface OutputFile {
  write(data: string | Uint8Array): Promise<void>;
  /** finish: the file appears under its name */
  close(): Promise<void>;
  /** give up: nothing appears */
  abort(): Promise<void>;
}

function unreadable(name: string, err: unknown): InputError {
  const code = (err as NodeJS.ErrnoException).code;
  // the English words stay first: scripts (and older tests) match on them
  const why = code === 'ENOENT' ? 'no such file (파일이 없습니다)' : code === 'EISDIR' ? 'it is a folder (폴더입니다)' : (code ?? (err as Error).message);
  return new InputError('unreadable_file', `cannot read ${name}: ${why}`);
}

/** The user's own files, relative to `cwd` (the CLI process). */
export function localFiles(cwd: string): CliFiles {
  const abs = (name: string) => path.resolve(cwd, name);
  return {
    async read(name) {
      try {
        return await fs.promises.readFile(abs(name));
      } catch (err) {
        throw unreadable(name, err);
      }
    },
    async localPath(name) {
      const file = abs(name);
      const st = await fs.promises.stat(file).catch((err: unknown) => {
        throw unreadable(name, err);
      });
      if (!st.isFile()) throw new InputError('unreadable_file', `${name}은(는) 파일이 아닙니다`);
      return file;
    },
    async write(name, data) {
      const file = abs(name);
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      // write-then-rename: an interrupted write never leaves half a file under the real name
      await fs.promises.writeFile(file + '.tmp', data);
      await fs.promises.rename(file + '.tmp', file);
      return file;
    },
    async openOutput(name) {
      const file = abs(name);
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      const out = fs.createWriteStream(tmp, { flags: 'w' });
      await once(out, 'open');
      const failed = new Promise<never>((_, reject) => out.once('error', reject));
      failed.catch(() => undefined);
      return {
        async write(data) {
          if (!out.write(data)) await Promise.race([once(out, 'drain'), failed]);
        },
        async close() {
          await Promise.race([new Promise<void>((resolve) => out.end(resolve)), failed]);
          await fs.promises.rename(tmp, file);
        },
        async abort() {
          out.destroy();
          await fs.promises.rm(tmp, { force: true });
        },
      };
    },
    show: abs,
  };
}

/** Most bytes a forwarded command may send (all inputs) or get back (all outputs). */
export const MAX_TRANSFER_BYTES = 64 * 1024 * 1024;

export interface RemoteFiles extends CliFiles {
  /** the outputs the command wrote, by the name given on the command line */
  readonly outputs: Map<string, Buffer>;
  /** remove the scratch copies made for localPath() */
  cleanup(): void;
}

/**
 * Files for a command the server runs on behalf of the CLI: inputs are the
 * uploaded contents (by the name given on the command line), outputs are
 * collected and sent back. `scratchRoot` is a folder of the server's own
 * (inside $DATA_DIR) where localPath() puts copies, under fresh names.
 */
export function remoteFiles(uploads: ReadonlyMap<string, Buffer>, allowedOutputs: readonly string[], scratchRoot: string): RemoteFiles {
  const outputs = new Map<string, Buffer>();
  let scratch: string | null = null;
  let written = 0;
  const content = (name: string) => {
    const data = uploads.get(name);
    if (!data) throw new InputError('missing_file', `명령이 ${name} 파일을 읽는데, CLI가 그 내용을 보내지 않았습니다`);
    return data;
  };
  const files: RemoteFiles = {
    outputs,
    async read(name) {
      return content(name);
    },
    async localPath(name) {
      const data = content(name);
      if (!scratch) {
        fs.mkdirSync(scratchRoot, { recursive: true, mode: 0o700 });
        scratch = fs.mkdtempSync(path.join(scratchRoot, 'cli-'));
      }
      // a fresh folder per upload; the file keeps the user's base name (legacy imports key duplicates on it),
      // reduced to something that cannot leave that folder
      const base = path.basename(name.replace(/\\/g, '/')).replace(/\0/g, '');
      const safe = base && base !== '.' && base !== '..' && Buffer.byteLength(base) <= 200 ? base : 'upload';
      const dir = fs.mkdtempSync(path.join(scratch, 'f-'));
      const file = path.join(dir, safe);
      fs.writeFileSync(file, data, { mode: 0o600, flag: 'wx' });
      return file;
    },
    async write(name, data) {
      if (!allowedOutputs.includes(name)) throw new InputError('undeclared_output', `${name}은(는) 명령줄에 출력 파일로 적히지 않아 쓸 수 없습니다`);
      const bytes = Buffer.from(data);
      written += bytes.length - (outputs.get(name)?.length ?? 0);
      if (written > MAX_TRANSFER_BYTES) throw new InputError('too_large', `출력 파일이 모두 합쳐 ${MAX_TRANSFER_BYTES / 1048576} MiB를 넘습니다`, { status: 413 });
      outputs.set(name, bytes);
      return name;
    },
    async openOutput(name) {
      const parts: Buffer[] = [];
      return {
        write: async (data) => void parts.push(Buffer.from(data)),
        close: async () => void (await files.write(name, Buffer.concat(parts))),
        abort: async () => void (parts.length = 0),
      };
    },
    show: (name) => name,
    cleanup() {
      if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
      scratch = null;
    },
  };
  return files;
}

/** A short fingerprint of some bytes (for the audit trail and notes). */
export const sha256 = (data: Uint8Array | string) => crypto.createHash('sha256').update(data).digest('hex');
