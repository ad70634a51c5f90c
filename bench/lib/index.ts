// The honest-benchmark harness every script under bench/ uses (see README.md here).
// Import it before any product module: ./quiet.ts must set LOG_LEVEL first.
import './quiet.ts';
export { benchArgs, numberArg, DEFAULT_ROUNDS, type BenchArgs } from './args.ts';
export { benchBroker, benchTempDir, benchTopics, type BenchBroker } from './broker.ts';
export { atExit, runCleanups } from './cleanup.ts';
export { BENCH_CHANNELS, koreanChat } from './chat-data.ts';
export { formatLoad, loadAverage, machineInfo, processMemory, processTree, repoRoot, treeCpuSeconds, type LoadAverage, type MachineInfo, type ProcessMemory } from './machine.ts';
export { fmt, markdown, metricList, runBench, type BenchReport, type MetricTable, type BenchSpec, type Metric, type RoundRecord, type Verdict } from './run.ts';
export { latencySummary, median, percentile, spread, type LatencySummary, type Spread } from './stats.ts';
export { prepareServerFiles } from './product.ts';
export { writeLinesOnce } from './files.ts';
export { joinWhenOpen } from './socket.ts';
