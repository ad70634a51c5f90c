// Sends a command line to the kchat server that owns the database
// ($DATA_DIR/server.json says where it listens) and relays its output.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../core/config.ts';
import { adminToken } from '../core/secrets.ts';
import type { Output } from './context.ts';

export interface ServerInfo {
  pid: number;
  host: string;
  port: number;
}

export function readServerInfo(config: Config): ServerInfo | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(config.dataDir, 'server.json'), 'utf8')) as ServerInfo;
  } catch {
    return null;
  }
}

export async function forwardToServer(config: Config, argv: string[], io: { out: Output; err: Output }, cause: Error): Promise<number> {
  const info = readServerInfo(config);
  if (!info) throw cause;
  const host = info.host === '0.0.0.0' || info.host === '::' ? '127.0.0.1' : info.host;
  let res: Response;
  try {
    res = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${info.port}/api/admin/cli`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken(config)}` },
      body: JSON.stringify({ argv, cwd: process.cwd() }),
    });
  } catch (err) {
    throw new Error(`${cause.message}; and the server at ${host}:${info.port} did not answer (${(err as Error).message})`, { cause: err });
  }
  if (!res.ok) throw new Error(`the kchat server refused the command: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { stdout: string; stderr: string; code: number };
  io.out.write(body.stdout);
  io.err.write(body.stderr);
  return body.code;
}
