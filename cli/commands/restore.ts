// `kchat restore --from DIR`: start a new audit node from another node's
// daily Parquet (a snapshot) plus the log after it, instead of the whole log
// (ingest/snapshot.ts; docs/deploy.md, "Adding an audit node").
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { parquetRoot } from '../../ingest/index.ts';
import { restoreFromSnapshot } from '../../ingest/snapshot.ts';
import { printJson, type Exec } from '../context.ts';

export function define(program: Command, exec: Exec): void {
  program
    .command('restore')
    .description("fill this (empty) audit node's DuckDB from a Parquet snapshot; ingest then continues from the log after it")
    .requiredOption('--from <dir>', "another audit node's Parquet folder (its $DATA_DIR/parquet, with dt=YYYY-MM-DD/ inside)")
    .option('--json', 'print {"from","files","rows","left_to_log","partitions":[{"partition","log_start","resume_at"}],"copied_days"}')
    .addHelpText(
      'after',
      `
Run it on the new node before its first start (its server must not be running), with
KAFKA_BROKERS and KCHAT_INGEST_GROUP set as the node will run. Per Kafka partition the
snapshot is complete up to its first missing offset; those rows are stored, and ingest
resumes there when the node starts, so nothing is lost or stored twice. The snapshot's
days are also copied into this node's $DATA_DIR/parquet.`,
    )
    .action(
      exec(
        async (ctx, opts: { from: string; json?: boolean }) => {
          const kafka = await ctx.kafka();
          const topic = kafka.names.topics.events;
          const admin = kafka.admin();
          await admin.connect();
          let logStart: Map<number, number>;
          try {
            logStart = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.low)]));
          } finally {
            await admin.disconnect();
          }
          const bar = ctx.interactive ? new cliProgress.SingleBar({ stream: process.stderr, format: 'restore [{bar}] {value}/{total} rows' }, cliProgress.Presets.shades_classic) : null;
          let started = false;
          const r = await restoreFromSnapshot({
            db: ctx.db,
            topic,
            logStart,
            // runs: 'process' below: always the user's own process, so the folder is the user's
            from: ctx.files.show(opts.from),
            parquetRoot: parquetRoot(ctx.config),
            onProgress: (loaded, total) => {
              if (bar && !started) {
                bar.start(total, 0);
                started = true;
              }
              bar?.update(loaded);
            },
          });
          bar?.stop();
          if (opts.json) return void printJson(ctx, r);
          ctx.out.write(`restored ${r.rows} rows from ${r.files} Parquet files in ${r.from}; ${r.left_to_log} later rows come from the log\n`);
          for (const p of r.partitions) ctx.out.write(`  partition ${p.partition}: ingest resumes at offset ${p.resume_at}\n`);
          if (r.copied_days.length) ctx.out.write(`  ${r.copied_days.length} days copied into ${parquetRoot(ctx.config)}\n`);
        },
        { runs: 'process' },
      ),
    );
}
