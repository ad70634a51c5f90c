// Sends a command to the kchat server that owns the database
// ($DATA_DIR/server.json says where it listens): the command line, plus the
// CONTENT of the input files the command declares (read here, with the
// user's own permissions). The answer carries stdout, stderr, the exit code
// and the declared output files, which are written here. Nothing else about
// the local file system crosses.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../core/config.ts';
import { InputError } from '../core/errors.ts';
import { adminToken } from '../core/secrets.ts';
import type { CommandPlan, Output } from './context.ts';
import { localFiles, MAX_TRANSFER_BYTES } from './files.ts';

export interface ServerInfo {
  pid: number;
  host: string;
  port: number;
}

/** The body of POST /api/admin/cli. */
export interface ForwardRequest {
  argv: string[];
  /** input file name (as on the command line) → content, base64 */
  files: Record<string, string>;
}

/** The answer of POST /api/admin/cli. */
export interface ForwardResponse {
  stdout: string;
  stderr: string;
  code: number;
  /** output file name (as on the command line) → content, base64 */
  files: Record<string, string>;
}

export function readServerInfo(config: Config): ServerInfo | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(config.dataDir, 'server.json'), 'utf8')) as ServerInfo;
  } catch {
    return null;
  }
}

/** Where to reach the server that holds the database, with the admin token (for commands that stream from its API). */
export interface RunningServer {
  url: string;
  token: string;
}

/** The server holding the database (from $DATA_DIR/server.json), or a clear error when none is recorded. */
export function runningServer(ctx: { config: Config }): RunningServer {
  const info = readServerInfo(ctx.config);
  if (!info) throw new InputError('database_in_use', `the database ${ctx.config.dbPath} is in use, but no running kchat server is recorded in ${ctx.config.dataDir}/server.json`);
  return { url: serverUrl(info), token: adminToken(ctx.config) };
}

function serverUrl(info: ServerInfo): string {
  const host = info.host === '0.0.0.0' || info.host === '::' ? '127.0.0.1' : info.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`;
}

/** The server's refusal of a request as an Error with its own words (`{"error"}`, or the body as it is). */
export async function refusal(res: Response, what: string): Promise<Error> {
  const text = await res.text();
  let message = text;
  try {
    message = (JSON.parse(text) as { error?: string }).error ?? text;
  } catch {
    // not JSON: show it as it is
  }
  return new Error(`the kchat server refused ${what} (${res.status}): ${message}`);
}

export async function forwardToServer(config: Config, argv: string[], plan: CommandPlan, io: { out: Output; err: Output }, cause: Error): Promise<number> {
  const info = readServerInfo(config);
  if (!info) throw cause;
  const files = localFiles(process.cwd());
  const upload: Record<string, string> = {};
  let bytes = 0;
  for (const name of plan.inputs) {
    const data = await files.read(name);
    bytes += data.length;
    if (bytes > MAX_TRANSFER_BYTES) throw new InputError('too_large', `입력 파일이 모두 합쳐 ${MAX_TRANSFER_BYTES / 1048576} MiB를 넘습니다. 서버를 멈추고 CLI만으로 실행하세요`);
    upload[name] = data.toString('base64');
  }
  let res: Response;
  try {
    res = await fetch(`${serverUrl(info)}/api/admin/cli`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken(config)}` },
      body: JSON.stringify({ argv, files: upload } satisfies ForwardRequest),
    });
  } catch (err) {
    throw new Error(`${cause.message}; and the server at ${serverUrl(info)} did not answer (${(err as Error).message})`, { cause: err });
  }
  if (!res.ok) throw await refusal(res, 'the command');
  const body = (await res.json()) as ForwardResponse;
  for (const [name, content] of Object.entries(body.files ?? {})) {
    // only the outputs this command line names are written, whatever the answer says
    if (!plan.outputs.includes(name)) throw new Error(`the kchat server sent a file this command does not write: ${name}`);
    await files.write(name, Buffer.from(content, 'base64'));
  }
  io.out.write(body.stdout);
  io.err.write(body.stderr);
  return body.code;
}
