// POST /api/admin/cli {argv, files}: runs a `kchat` command line inside this
// server, which owns the DuckDB file. Admin token only; the command line is in
// audit_log before it runs (503 and nothing runs when it cannot be recorded).
// The CLI sends the CONTENT of the files the command reads and gets back the
// files it writes (cli/forward.ts): no path from the request is ever opened
// here, and the only folder written is the server's own scratch space in
// $DATA_DIR/tmp (removed after the command).
import path from 'node:path';
import type { z } from 'zod';
import { requireAdmin, type AuditEnv } from '../../audit/index.ts';
import type { Directory } from '../../accounts/index.ts';
import type { Auth } from '../../core/auth.ts';
import type { Config } from '../../core/config.ts';
import type { Database } from '../../core/db.ts';
import type { KafkaClient } from '../../core/kafka.ts';
import { InputError } from '../../core/errors.ts';
import { runCommandLine } from '../../cli/run.ts';
import type { CliContext } from '../../cli/context.ts';
import { MAX_TRANSFER_BYTES, remoteFiles, type RemoteFiles } from '../../cli/files.ts';
import type { ForwardResponse } from '../../cli/forward.ts';
import { maxBody, router, validBody } from '../http.ts';
import { cliRequestSchema } from '../schemas.ts';

export interface CliRouteDeps {
  config: Config;
  db: Database;
  auth: Auth;
  kafka: KafkaClient;
  /** accounts (`kchat users …`); absent in tests that run no Kafka */
  directory?: Directory;
}

const MAX_ARGS = 500;
const MAX_ARG_CHARS = 8192;

/** The command line and the uploaded inputs, checked beyond the schema (sizes, base64). */
function checkRequest({ argv, files }: z.infer<typeof cliRequestSchema>): { argv: string[]; uploads: Map<string, Buffer> } {
  if (argv.length > MAX_ARGS || argv.some((a) => a.length > MAX_ARG_CHARS)) throw new InputError('bad_argv', `argv must hold 1–${MAX_ARGS} arguments of at most ${MAX_ARG_CHARS} characters`);
  const uploads = new Map<string, Buffer>();
  for (const [name, content] of Object.entries(files ?? {})) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(content)) throw new InputError('bad_files', `files["${name.slice(0, 80)}"] must be base64 text`);
    uploads.set(name, Buffer.from(content, 'base64'));
  }
  return { argv, uploads };
}

export function cliRoutes(deps: CliRouteDeps) {
  const app = router<AuditEnv>();
  // base64 makes 4 bytes of 3: room for MAX_TRANSFER_BYTES of files plus the command line
  app.post('/api/admin/cli', maxBody(Math.ceil(MAX_TRANSFER_BYTES / 3) * 4 + 1024 * 1024), requireAdmin(deps.auth, deps.db), async (c) => {
    const { argv, uploads } = checkRequest(await validBody(c, cliRequestSchema, 'bad_argv'));
    let stdout = '';
    let stderr = '';
    const io = { out: { write: (s: string) => void (stdout += s) }, err: { write: (s: string) => void (stderr += s) } };
    let files: RemoteFiles | null = null;
    try {
      const code = await runCommandLine(argv, io, async (plan) => {
        if (plan.runs !== 'database') throw new InputError('not_remote', `"kchat ${argv.slice(0, 2).join(' ')}"은(는) 서버가 아니라 CLI 프로세스에서 실행되는 명령입니다`);
        const missing = plan.inputs.filter((name) => !uploads.has(name));
        if (missing.length) throw new InputError('missing_file', `명령이 ${missing.join(', ')} 파일을 읽는데, CLI가 그 내용을 보내지 않았습니다`);
        files = remoteFiles(uploads, plan.outputs, path.join(deps.config.dataDir, 'tmp'));
        const ctx: CliContext = {
          config: deps.config,
          db: deps.db,
          auth: deps.auth,
          out: io.out,
          err: io.err,
          interactive: false,
          files,
          kafka: async () => deps.kafka,
          directory: async () => {
            if (!deps.directory) throw new Error('this server has no accounts directory');
            return deps.directory;
          },
        };
        return { ctx, close: async () => undefined };
      });
      const out: Record<string, string> = {};
      for (const [name, data] of (files as RemoteFiles | null)?.outputs ?? []) out[name] = data.toString('base64');
      return c.json({ stdout, stderr, code, files: out } satisfies ForwardResponse);
    } finally {
      (files as RemoteFiles | null)?.cleanup();
    }
  });
  return app;
}
