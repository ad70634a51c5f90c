// `kchat …` as a person runs it: the real CLI in a child process, with its own
// data folder. tsx is resolved from the repo so the command may run in any folder.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './server.ts';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function kchat(args: string[], dataDir: string, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(repoRoot, 'cli', 'main.ts'), ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'error', ...opts.env, DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
