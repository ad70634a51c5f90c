// What a figure was measured on: the machine, the code and how busy the
// machine was. Every benchmark prints this beside its figures, because on a
// shared 2-core box the load moves the figures more than most code changes.
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
