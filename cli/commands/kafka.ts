// `kchat kafka cluster --nodes N --dir DIR`: a local N-node KRaft cluster
// (kafka/cluster.ts) in the foreground until Ctrl-C/SIGTERM, for tests,
// benchmarks and trying the scaled-out shape on one machine.
import type { Command } from 'commander';
import { ClusterError, LocalCluster, MAX_NODES, votersFor } from '../../kafka/cluster.ts';
import { printJson, UsageError, type Exec } from '../context.ts';

const HELP = `
Starts N Kafka nodes from kafka/libs on 127.0.0.1 (Java 17+; the jars are fetched once).
The first three nodes (one when N < 3) are broker + KRaft controller, the rest brokers only.
Topics kchat creates on it get replication factor min(3, N) and min.insync.replicas 2 at
three copies. DIR/cluster.json lists the bootstrap addresses and every node's pid and port:
  KAFKA_BROKERS=$(node -p "require('./DIR/cluster.json').bootstrap") npm start
A node that dies (e.g. kill -9 of its pid) is restarted after a short backoff unless
--no-restart is given. Ctrl-C or SIGTERM stops every node cleanly; the data stays in DIR
and the next start on the same DIR reuses it and its ports.`;

export function define(program: Command, exec: Exec): void {
  const kafka = program.command('kafka').description('Kafka tools for trying kchat beyond one machine');
  kafka
    .command('cluster')
    .description(`run a local N-node KRaft cluster (1–${MAX_NODES}) in the foreground until Ctrl-C/SIGTERM; writes DIR/cluster.json`)
    .requiredOption('--nodes <n>', 'number of Kafka nodes')
    .requiredOption('--dir <dir>', 'folder for the nodes\' data, logs and cluster.json')
    .option('--base-port <port>', 'node i listens on PORT+2(i-1) (controllers on the next port); default: last run\'s ports, else free ones')
    .option('--heap <size>', 'JVM heap per node', '512m')
    .option('--no-restart', 'leave a node that dies down instead of restarting it')
    .option('--json', 'print cluster.json on stdout once the cluster is ready')
    .addHelpText('after', HELP)
    .action(
      exec(async (ctx, opts: { nodes: string; dir: string; basePort?: string; heap: string; restart: boolean; json?: boolean }) => {
        const nodes = Number(opts.nodes);
        if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES) throw new UsageError(`--nodes must be a whole number from 1 to ${MAX_NODES}, got "${opts.nodes}"`);
        const basePort = opts.basePort === undefined ? undefined : Number(opts.basePort);
        if (basePort !== undefined && !Number.isInteger(basePort)) throw new UsageError(`--base-port must be a port number, got "${opts.basePort}"`);
        if (!/^\d+[mg]$/i.test(opts.heap)) throw new UsageError(`--heap must look like 512m or 1g, got "${opts.heap}"`);
        // runs: 'local' below: always the user's own process (a server refuses it), so DIR is the user's path
        const dir = ctx.files.show(opts.dir);
        ctx.err.write(`kchat: starting a ${nodes}-node Kafka cluster in ${dir} (${votersFor(nodes)} controller${votersFor(nodes) > 1 ? 's' : ''})…\n`);
        let cluster: LocalCluster;
        try {
          cluster = await LocalCluster.start({
            dir,
            nodes,
            basePort,
            heap: opts.heap,
            supervise: opts.restart,
            onNodeEvent: (e) => ctx.err.write(`kchat: ${e.detail}${e.event === 'exited' && opts.restart ? '; restarting it' : ''}\n`),
          });
        } catch (err) {
          if (err instanceof ClusterError) throw new UsageError(err.message);
          throw err;
        }
        const stopped = new Promise<NodeJS.Signals>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        if (opts.json) printJson(ctx, cluster.info());
        ctx.err.write(`kchat: Kafka cluster ready: KAFKA_BROKERS=${cluster.brokers.join(',')} (${dir}/cluster.json); Ctrl-C stops it\n`);
        const signal = await stopped;
        ctx.err.write(`kchat: ${signal}: stopping the Kafka cluster…\n`);
        await cluster.stop();
        ctx.err.write('kchat: Kafka cluster stopped\n');
      }, { runs: 'local' }),
    );
}
