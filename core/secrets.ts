// Tokens never live in the repo: they come from the environment or are
// generated once into the data directory (mode 0600) and reused.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.ts';

export function newToken(): string {
  return crypto.randomBytes(24).toString('base64url');
}

/** Read `$DATA_DIR/<name>`, creating it with a fresh random token the first time. */
export function fileToken(dataDir: string, name: string): string {
  const file = path.join(dataDir, name);
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing) return existing;
  } catch {
    // not there yet
  }
  const token = newToken();
  try {
    fs.writeFileSync(file, token + '\n', { mode: 0o600, flag: 'wx' });
    return token;
  } catch {
    // another process created it first: use theirs
    return fs.readFileSync(file, 'utf8').trim();
  }
}

export function adminToken(config: Config): string {
  return config.adminToken ?? fileToken(config.dataDir, 'admin-token');
}

export function hookToken(config: Config): string {
  return config.hookToken ?? fileToken(config.dataDir, 'hook-token');
}

/** Constant-time comparison of a presented token with the expected one. */
export function sameToken(presented: string | null | undefined, expected: string): boolean {
  if (!presented) return false;
  const a = crypto.createHash('sha256').update(presented).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}
