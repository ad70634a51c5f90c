// One definition of what bench/search generates for a size, shared by run.ts
// and prepare.ts so their cached data (bench/.data, bench/.pg) always match.
import type { GenOptions } from './generate.ts';

export const START_DAY = '2024-07-01';

/** The generator's options for N messages at perDay a day (seeded: the same data every time). */
export function gen(messages: number, perDay: number): GenOptions {
  return { messages, start: Date.parse(`${START_DAY}T00:00:00+09:00`), perDay };
}

/** `10M`, `100k`: names the cached files and the PostgreSQL database of a size. */
export function sizeLabel(n: number): string {
  return n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`;
}
