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

/** Process `pid` and its descendants still running, itself first (Linux /proc; empty elsewhere or once it has gone). */
export function processTree(pid: number): number[] {
  const tree: number[] = [];
  const visit = (p: number): void => {
    if (tree.includes(p)) return;
    try {
      const children = fs.readdirSync(`/proc/${p}/task`).flatMap((t) => fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(' ').filter(Boolean));
      tree.push(p);
      for (const c of children) visit(Number(c));
    } catch {
      // gone, or not Linux
    }
  };
  visit(pid);
  return tree;
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
  for (const p of processTree(pid)) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / hz;
}

export interface ProcessMemory {
  /** the executable's name (java, node) */
  name: string;
  /** resident memory, MiB */
  rss: number;
  /** of which anonymous (heaps, private memory) and mapped files (pages the kernel can drop, e.g. an index) */
  anon: number;
  file: number;
}

/** A process's memory from /proc/PID/status (null once it has gone, or not Linux). */
export function processMemory(pid: number): ProcessMemory | null {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { name: /^Name:\s+(\S+)/m.exec(status)?.[1] ?? '', rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem') };
}
