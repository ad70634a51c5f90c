// Threads as the kernel sees them (Linux): the nice value of one thread.
import fs from 'node:fs';

/** The nice value in a /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat line (its 19th field; the name may hold spaces). */
export const niceOf = (stat: string): number => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);

/** The kernel's nice value of thread `tid` of process `pid`. */
export const threadNice = (tid: number | string, pid: number = process.pid): number => niceOf(fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
