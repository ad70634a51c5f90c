// `kchat export --from D --to D [--channel C] --format jsonl|csv|eml --out DIR [--json]`:
// every event of a range (messages, every version, deletes, joins and leaves)
// as files for compliance tools (audit/export/). Runs in the CLI process and
// writes DIR itself: from the database when it is free, or — beside a running
// server, which owns it — from that server's JSON Lines stream
// (GET /api/admin/export, recorded in its audit_log). A file appears whole or
// not at all.
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import {
  AUDIT_LOG_SCHEMA,
  EXPORT_FORMATS,
  exportChunks,
  exportOrder,
  exportRange,
  exportSource,
  finishAudit,
  MAX_EXPORT_DAYS,
  newSummary,
  recordAudit,
  type ExportEvent,
  type ExportRange,
  type ExportSource,
} from '../../audit/index.ts';
import { refusal, runningServer, type RunningServer } from '../forward.ts';
import { printJson, UsageError, type CliContext, type Exec } from '../context.ts';
import type { OutputFile } from '../files.ts';

interface Options {
  from?: string;
  to?: string;
  channel?: string;
  format: string;
  out?: string;
  json?: boolean;
}

/** The range's events as the running server streams them (JSON Lines in the order the format needs). */
async function serverSource(server: RunningServer, range: ExportRange): Promise<ExportSource & { received(): number }> {
  const q = new URLSearchParams({ from: range.from, to: range.to, format: 'jsonl', order: exportOrder(range.format) });
  if (range.channel) q.set('channel', range.channel);
  let res: Response;
  try {
    res = await fetch(`${server.url}/api/admin/export?${q}`, { headers: { authorization: `Bearer ${server.token}` } });
  } catch (err) {
    throw new Error(`the kchat server at ${server.url} did not answer the export (${(err as Error).message})`, { cause: err });
  }
  if (!res.ok || !res.body) throw await refusal(res, 'the export');
  const total = Number(res.headers.get('x-kchat-export-events') ?? 0);
  const reader = res.body.getReader();
  let received = 0;
  async function* events(): AsyncGenerator<ExportEvent> {
    const decoder = new TextDecoder();
    let rest = '';
    const parse = (line: string): ExportEvent => {
      const e = JSON.parse(line) as ExportEvent;
      if (!e || typeof e.id !== 'string' || typeof e.channel !== 'string' || typeof e.time !== 'string' || typeof e.type !== 'string') throw new Error('the kchat server sent a line that is not an export event');
      received++;
      return e;
    };
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const lines = (rest + decoder.decode(value, { stream: true })).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line) yield parse(line);
    }
    if (rest.trim()) yield parse(rest);
  }
  return { total, events: events(), received: () => received };
}

function progressBar(ctx: CliContext) {
  if (!ctx.interactive) return null;
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'export [{bar}] {percentage}% | {value}/{total} events', hideCursor: true }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(done: number, total: number) {
      if (!started) bar.start(Math.max(total, done), 0);
      started = true;
      if (done % 500 === 0 || done === total) bar.update(done);
    },
    stop: () => started && bar.stop(),
  };
}

async function run(ctx: CliContext, opts: Options): Promise<number> {
  if (!opts.out) throw new UsageError('--out DIR가 필요합니다 (내보낸 파일을 둘 폴더)');
  const range = exportRange(opts, ctx.config.tzReports);
  // No server: this process reads the database itself (and records the export). Beside a running server, that server does both.
  const db = (await ctx.freeDatabase?.()) ?? null;
  const me = os.userInfo().username;
  if (db) for (const sql of AUDIT_LOG_SCHEMA) await db.run(sql);
  const audit = db
    ? await recordAudit(db, {
        actor: { id: `cli:${me}`, nick: me, role: 'admin' },
        action: 'export',
        method: 'CLI',
        path: 'kchat export',
        detail: { from: range.from, to: range.to, channel: range.channel ?? null, format: range.format },
      })
    : null;
  const started = performance.now();
  const remote = db ? null : await serverSource(runningServer(ctx), range);
  const source = db ? await exportSource(db, range) : remote!;
  const summary = newSummary(range);
  const bar = progressBar(ctx);
  let file: OutputFile | null = null;
  let current = '';
  let ok = false;
  try {
    for await (const chunk of exportChunks(source, range, summary, (done, total) => bar?.update(done, total))) {
      if (chunk.file !== current) {
        await file?.close();
        current = chunk.file;
        file = await ctx.files.openOutput(path.join(opts.out, chunk.file));
      }
      await file!.write(chunk.data);
    }
    if (remote && remote.received() < remote.total) throw new Error(`the export was cut short: the server announced ${remote.total} events and sent ${remote.received()}`);
    await file?.close();
    file = null;
    ok = true;
  } finally {
    await file?.abort();
    bar?.stop();
    if (db && audit) await finishAudit(db, audit, ok ? 200 : 500, performance.now() - started);
  }
  const files = summary.files.map((f) => ({ ...f, file: ctx.files.show(path.join(opts.out!, f.file)) }));
  if (opts.json) printJson(ctx, { ...summary, out: ctx.files.show(opts.out), files });
  else {
    ctx.out.write(`${range.from}–${range.to}${range.channel ? ` #${range.channel}` : ''}: ${summary.events} events in ${summary.channels.length} channels → ${files.length} ${range.format} files in ${ctx.files.show(opts.out)}\n`);
    for (const c of summary.channels) ctx.out.write(`  #${c.channel}: ${c.events} (${Object.entries(c.types).map(([t, n]) => `${t} ${n}`).join(', ')})\n`);
  }
  return 0;
}

export function define(program: Command, exec: Exec): void {
  program
    .command('export')
    .description(
      `every event of a date range (messages, each edit and delete, joins and leaves) for compliance tools: JSON Lines, CSV (UTF-8 with BOM, for Excel) or EML (one RFC 5322 message per channel and day); at most ${MAX_EXPORT_DAYS} days at once; recorded in audit_log`,
    )
    .option('--from <YYYY-MM-DD>', 'first day (in TZ_REPORTS, default Asia/Seoul)')
    .option('--to <YYYY-MM-DD>', 'last day, inclusive')
    .option('--channel <name>', 'only this channel')
    .option('--format <format>', `${EXPORT_FORMATS.join(' | ')}`, 'jsonl')
    .option('--out <DIR>', 'folder for the files (created if missing; files of the same name are replaced)')
    .option('--json', 'print {"from","to","format","events","channels":[{channel,events,types}],"files":[{file,events,bytes}]}')
    .action(
      exec(async (ctx, opts: Options) => run(ctx, opts), {
        // writes its files where the CLI runs; reads the database itself or streams from the running server
        runs: 'local',
      }),
    );
}
