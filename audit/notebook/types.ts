// The notebook's document and result types, and the few constants the page
// needs: browser-safe (no Node, no YAML), so the /notebooks page and the
// server share one declaration. format.ts and engine.ts re-export them.
import type { ParamValue } from './params.ts';
import type { PlotSpec } from './plot-spec.ts';

export const PARAM_TYPES = ['text', 'select', 'date', 'number'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

export interface NotebookParam {
  name: string;
  type: ParamType;
  /** a date default may be `today` or `yesterday` (in TZ_REPORTS) */
  default?: string | number | string[] | null;
  options?: (string | number)[];
  /** select only: several values, bound as a VARCHAR[] list */
  multiple?: boolean;
  label?: string;
}

export interface NotebookMeta {
  title: string;
  params: NotebookParam[];
  /** cron expression, run in Asia/Seoul (TZ_REPORTS) */
  schedule?: string;
  /** chat channel that scheduled runs report to */
  channel?: string;
  /** anything else in the front matter, kept as is */
  [key: string]: unknown;
}

/** markdown | sql | plot, or any other fence language (pyspark, scala, sh…) for cells kchat keeps but does not run. */
export type CellKind = string;

export interface Cell {
  kind: CellKind;
  source: string;
  /** `name=` on the fence line; sql cells are referenced by plot cells through it */
  name?: string;
  /** other key=value pairs on the fence line (title=…, from=zeppelin…) */
  attrs?: Record<string, string>;
  /** exact lines as read, re-emitted while the cell is unchanged (byte-stable saves) */
  raw?: string;
  /** fingerprint of the content `raw` belongs to */
  rawKey?: string;
  /** blank lines before the cell as read */
  gap?: string[];
}

export interface Notebook {
  meta: NotebookMeta;
  cells: Cell[];
  /** exact front matter lines and the meta they encode */
  frontRaw?: string;
  frontKey?: string;
  /** trailing blank lines (the final '' means the file ends with a newline) */
  tail?: string[];
}

export const RUNNABLE = new Set(['sql', 'plot', 'markdown']);

/** Is this cell kept but not run (pyspark, scala, sh…)? */
export function isInert(cell: Pick<Cell, 'kind'>): boolean {
  return !RUNNABLE.has(cell.kind);
}

export const INERT_NOTE = '이 셀은 kchat에서 실행되지 않습니다 (SQL 셀만 실행). 원본 그대로 보관합니다.';

export type Trigger = 'cli' | 'web' | 'api' | 'schedule';

export interface CellResult {
  index: number;
  kind: string;
  name?: string;
  status: 'ok' | 'error' | 'skipped' | 'inert';
  ms?: number;
  columns?: string[];
  types?: string[];
  rows?: unknown[][];
  truncated?: boolean;
  /** plot cells: the validated spec (the data is the named sql cell's result) */
  plot?: PlotSpec;
  error?: string;
  note?: string;
}

export interface RunRecord {
  id: string;
  notebook: string;
  title: string;
  trigger: Trigger;
  run_by: string | null;
  status: 'ok' | 'error';
  params: Record<string, ParamValue>;
  started_at: string;
  finished_at: string;
  cells: CellResult[];
}

