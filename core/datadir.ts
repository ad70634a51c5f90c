// The data directory holds every message, the token hashes and the secrets:
// it is private to the user who runs kchat. Two layers:
//   - privateFileModes(): umask 077 at process start (server and CLI), so
//     everything the process — and DuckDB, and the managed broker it spawns —
//     creates is 0600 (files) / 0700 (folders), whatever code creates it;
//   - prepareDataDir(): creates $DATA_DIR 0700, and tightens an existing one
//     (and what lies at its top level) written by an older kchat with 0755/0644
//     — only when it belongs to us; someone else's folder is left alone, with a warning.
import fs from 'node:fs';
import path from 'node:path';
import { logger } from './log.ts';

const log = logger('datadir');

/** The umask of every kchat process: no access for group and others. */
export const PRIVATE_UMASK = 0o077;

/** Make every file this process creates from now on private (0600 files, 0700 folders). Call first thing. */
export function privateFileModes(): void {
  process.umask(PRIVATE_UMASK);
}

const ours = (st: fs.Stats): boolean => typeof process.getuid !== 'function' || st.uid === process.getuid();

/** Create the data directory 0700, or tighten an existing one of ours to 0700 (and its top-level entries to 0600/0700). */
export function prepareDataDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.statSync(dir);
  if (!ours(st)) {
    log.warn({ dir, uid: st.uid }, 'the data directory belongs to another user: its modes are left as they are');
    return;
  }
  const tightened: string[] = [];
  if ((st.mode & 0o077) !== 0) {
    fs.chmodSync(dir, 0o700);
    tightened.push('.');
  }
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() && !entry.isDirectory()) continue; // sockets, links: not ours to change
    const file = path.join(dir, entry.name);
    const s = fs.lstatSync(file);
    if (!ours(s) || (s.mode & 0o077) === 0) continue;
    fs.chmodSync(file, entry.isDirectory() ? s.mode & 0o700 : s.mode & 0o600);
    tightened.push(entry.name);
  }
  if (tightened.length) log.warn({ dir, tightened }, 'the data directory was readable by other users: made private (0700 folders, 0600 files)');
}
