// `kchat import-legacy FILE… [--channel C] [--json]`: the bootcamp's logs →
// envelopes on chat.events (ingest/legacy/import.ts). Runs in the CLI process,
// which reads the files itself and produces straight to Kafka — also beside a
// running server, which then only answers which records it stored already and
// how far behind it is (the import keeps pace with it, ingest/legacy/pace.ts).
// Without a server this process also stores the records (it runs ingest
// until caught up), so they are in DuckDB when the command returns.
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { checkImportArgs, importLegacy, startIngest, storedIds, type FileSummary, type ImportProgress } from '../../ingest/index.ts';
import { runningServer, type RunningServer } from '../forward.ts';
import { printJson, type CliContext, type Exec } from '../context.ts';


/** The ids a running server has stored for a source, streamed from GET /api/admin/imports/known. */
function knownFromServer(server: RunningServer) {
  return async function* (source: string): AsyncGenerator<string[]> {
    let res: Response;
    try {
      res = await fetch(`${server.url}/api/admin/imports/known?source=${encodeURIComponent(source)}`, { headers: { authorization: `Bearer ${server.token}` } });
    } catch (err) {
      throw new Error(`the kchat server at ${server.url} did not answer which records of ${source} it has (${(err as Error).message})`, { cause: err });
    }
    if (!res.ok || !res.body) throw new Error(`the kchat server refused to list the records of ${source}: ${res.status} ${await res.text()}`);
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const lines = (rest + decoder.decode(value, { stream: true })).split('\n');
      rest = lines.pop() ?? '';
      yield lines.filter((l) => l !== '');
    }
    if (rest) yield [rest];
  };
}

/** How far a running server's ingest and search service are behind the log (its /healthz), or null when it does not say. */
function serverBehind(server: RunningServer) {
  return async (): Promise<number | null> => {
    try {
      const res = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      const h = (await res.json()) as { parts?: Record<string, { lag?: unknown }> };
      const lags = [h.parts?.ingest?.lag, h.parts?.search?.lag].filter((n): n is number => typeof n === 'number');
      return lags.length ? Math.max(...lags) : null;
    } catch {
      return null; // a server that does not answer is not waited for: Kafka keeps the records
    }
  };
}

function progressBar(ctx: CliContext) {
  if (!ctx.interactive) return null;
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'import [{bar}] {percentage}% | {file} | {read} lines, {imported} new | {rate} lines/s', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let current = '';
  const started = Date.now();
  return {
    update(p: ImportProgress) {
      const payload = { file: p.file.split('/').pop(), read: p.read, imported: p.imported, rate: Math.round(p.read / Math.max(0.001, (Date.now() - started) / 1000)) };
      if (p.file !== current) {
        if (current) bar.stop();
        current = p.file;
        bar.start(p.size, 0, payload);
      }
      bar.update(p.bytes, payload);
    },
    stop: () => current && bar.stop(),
  };
}

export function define(program: Command, exec: Exec): void {
  program
    .command('import-legacy')
    .description(
      'import bootcamp chat logs (Python dict lines, JSON Lines, JSON arrays, CSV, Parquet) through Kafka like every chat event, streaming; re-importing a file adds nothing',
    )
    .argument('<files...>', 'log files to import (format detected from extension and content)')
    .option('--channel <name>', 'channel for records that do not name one', 'legacy')
    .option('--json', 'print {"files":[{file,format,read,imported,duplicates,rejected:[{line,reason}]}]}')
    .action(
      exec(
        async (ctx, files: string[], opts: { channel: string; json?: boolean }) => {
          const paths: string[] = [];
          for (const f of files) paths.push(await ctx.files.localPath(f));
          checkImportArgs(paths, opts.channel);
          // No server: this process uses the database itself. Beside a running server it only produces, and asks that server.
          const db = (await ctx.freeDatabase?.()) ?? null;
          const server = db ? null : runningServer(ctx);
          const kafka = await ctx.kafka();
          const bar = progressBar(ctx);
          let result: { files: FileSummary[] };
          try {
            result = await importLegacy({
              config: ctx.config,
              files: paths,
              channel: opts.channel,
              send: async (messages) => void (await kafka.send(kafka.names.topics.events, messages)),
              known: db ? (source) => storedIds(db, source) : knownFromServer(server!),
              behind: server ? serverBehind(server) : undefined,
              onProgress: (p) => bar?.update(p),
            });
          } finally {
            bar?.stop();
          }
          if (db) {
            // No server holds the database: store what was sent now (and anything else waiting on the topic).
            if (!opts.json) ctx.err.write('storing the records (ingest)…\n');
            const ingest = await startIngest({ config: ctx.config, db, kafka });
            try {
              await ingest.caughtUp();
            } finally {
              await ingest.stop();
            }
          }
          // report files as the user named them
          result.files.forEach((f, i) => (f.file = files[i]));
          if (opts.json) printJson(ctx, result);
          else {
            for (const f of result.files) {
              ctx.out.write(`${f.file} (${f.format}): read ${f.read}, imported ${f.imported}, duplicates ${f.duplicates}, rejected ${f.rejected.length}\n`);
              for (const r of f.rejected.slice(0, 20)) ctx.out.write(`  line ${r.line}: ${r.reason}\n`);
              if (f.rejected.length > 20) ctx.out.write(`  … ${f.rejected.length - 20} more (use --json for all)\n`);
            }
            if (server) ctx.out.write('sent to the chat log; the running server stores them (ingest lag: /healthz)\n');
          }
        },
        // reads its files where the CLI runs (never sent to the server) and produces to Kafka itself
        { inputs: (files) => files, runs: 'local' },
      ),
    );
}
