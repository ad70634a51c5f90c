// What a figure was measured on: the machine, the code and how busy the
// machine was. Every benchmark prints this beside its figures, because on a
// shared 2-core box the load moves the figures more than most code changes.
import fs from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** 1, 5 and 15 minute load averages, rounded to 2 decimals. */
export type LoadAverage = [number, number, number];

export function loadAverage(): LoadAverage {
  const [a, b, c] = os.loadavg();
  return [round2(a), round2(b), round2(c)];
}

export function formatLoad(l: LoadAverage): string {
  return l.map((x) => x.toFixed(2)).join(' / ');
}

export interface MachineInfo {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  platform: string;
  /** git commit of the tree measured, "+dirty" when it has uncommitted changes */
  commit: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${os.release()}`,
    commit: gitCommit(),
  };
}

function gitCommit(): string {
  const rev = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' });
  if (rev.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repoRoot, encoding: 'utf8' });
  return rev.stdout.trim() + (dirty.stdout.trim() ? '+dirty' : '');
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * CPU seconds (user + system, all threads) used so far by process `pid` and
 * its descendants that are still running (Linux /proc; 0 elsewhere). Read
 * before and after a round: what the product cost, steadier than a latency
 * tail on a shared machine.
 */
export function treeCpuSeconds(pid: number): number {
  const hz = 100; // USER_HZ: 100 on Linux for every architecture Node supports
  let ticks = 0;
  const seen = new Set<number>();
  const visit = (p: number): void => {
    if (seen.has(p)) return;
    seen.add(p);
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
      for (const t of fs.readdirSync(`/proc/${p}/task`)) {
        for (const c of fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(' ').filter(Boolean)) visit(Number(c));
      }
    } catch {
      // gone, or not Linux
    }
  };
  visit(pid);
  return ticks / hz;
}
