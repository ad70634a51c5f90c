// Plot cells: a small, validated subset of Observable Plot written as JSON or
// YAML in the notebook. Pure code with no Node imports: the server renders it
// to SVG with linkedom (HTML export) and the browser renders the same spec
// with the same function, so a chart looks alike in both places.
//
//   data: hourly            # the name of a sql cell
//   marks:
//     - { type: barY, x: hour, y: n, fill: channel }
//   fx: channel             # optional facets (column names)
//   x: { label: 시 }        # optional scale options (label, type, grid, tickFormat…)
import { InputError } from '../../core/errors.ts';

export const MARK_TYPES = ['barY', 'barX', 'lineY', 'lineX', 'areaY', 'dot', 'cell', 'ruleY', 'text'] as const;
export type MarkType = (typeof MARK_TYPES)[number];

const CHANNELS = ['x', 'y', 'fill', 'stroke', 'fx', 'fy', 'r', 'text', 'title', 'z'] as const;
const SCALE_KEYS = new Set(['label', 'type', 'grid', 'domain', 'reverse', 'legend', 'scheme', 'tickRotate', 'tickFormat', 'nice', 'zero', 'percent']);

export interface MarkSpec {
  type: MarkType;
  x?: string | number;
  y?: string | number;
  fill?: string;
  stroke?: string;
  fx?: string;
  fy?: string;
  r?: string | number;
  text?: string;
  title?: string;
  z?: string;
  /** reduce rows before drawing: sum of y grouped by x (and fill/stroke) */
  reduce?: 'sum' | 'count' | 'mean';
  /** bars of named categories: largest first (`value`, the default) or in the data's order (`data`) */
  sort?: 'value' | 'data';
}

export interface PlotSpec {
  data: string;
  marks: MarkSpec[];
  fx?: string;
  fy?: string;
  title?: string;
  width?: number;
  height?: number;
  marginLeft?: number;
  marginBottom?: number;
  x?: Record<string, unknown>;
  y?: Record<string, unknown>;
  color?: Record<string, unknown>;
}

/** An input error (core/errors.ts) with its own name, so callers and tests can tell where it came from. */
export class PlotSpecError extends InputError {
  constructor(message: string) {
    super('bad_plot_spec', message);
    this.name = 'PlotSpecError';
  }
}

/** Validate a parsed spec object (from JSON or YAML). `columns` checks channel names against the data. */
export function validatePlotSpec(raw: unknown, columns?: string[]): PlotSpec {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new PlotSpecError('plot spec must be a mapping with data and marks');
  const o = raw as Record<string, unknown>;
  if (typeof o.data !== 'string' || !o.data) throw new PlotSpecError('plot spec needs "data": the name of a sql cell');
  let marks = o.marks;
  // shorthand: one mark written at the top level ({data, mark: barY, x, y})
  if (marks === undefined && typeof o.mark === 'string') marks = [{ type: o.mark, ...Object.fromEntries(CHANNELS.filter((c) => c !== 'fx' && c !== 'fy' && o[c] !== undefined).map((c) => [c, o[c]])) }];
  if (!Array.isArray(marks) || marks.length === 0) throw new PlotSpecError('plot spec needs "marks": a list of marks such as {type: barY, x: col, y: col}');
  // channel values are column names; fill/stroke may also be a colour constant (#4e79a7, steelblue)
  const check = (where: string, value: unknown, allowNumber = false) => {
    if (value === undefined) return;
    if (typeof value === 'number' && allowNumber) return;
    if (typeof value !== 'string') throw new PlotSpecError(`${where} must be a column name`);
    const colour = /(fill|stroke)$/.test(where) && /^(#[0-9a-f]{3,8}|[a-z]+)$/i.test(value);
    if (columns && !columns.includes(value) && !colour) throw new PlotSpecError(`${where}: column "${value}" is not in the result of ${String(o.data)} (columns: ${columns.join(', ')})`);
  };
  const out: PlotSpec = { data: o.data, marks: [] };
  for (const [i, m] of marks.entries()) {
    if (!m || typeof m !== 'object') throw new PlotSpecError(`marks[${i}] must be a mapping`);
    const mark = m as Record<string, unknown>;
    if (!MARK_TYPES.includes(mark.type as MarkType)) throw new PlotSpecError(`marks[${i}].type "${String(mark.type)}" is not one of ${MARK_TYPES.join(', ')}`);
    const spec: MarkSpec = { type: mark.type as MarkType };
    for (const c of CHANNELS) {
      if (mark[c] === undefined) continue;
      check(`marks[${i}].${c}`, mark[c], c === 'x' || c === 'y' || c === 'r');
      (spec as unknown as Record<string, unknown>)[c] = mark[c];
    }
    if (mark.sort !== undefined) {
      if (mark.sort !== 'value' && mark.sort !== 'data') throw new PlotSpecError(`marks[${i}].sort must be value (largest first) or data (as the rows come)`);
      spec.sort = mark.sort;
    }
    if (mark.reduce !== undefined) {
      if (!['sum', 'count', 'mean'].includes(String(mark.reduce))) throw new PlotSpecError(`marks[${i}].reduce must be sum, count or mean`);
      spec.reduce = mark.reduce as MarkSpec['reduce'];
    }
    out.marks.push(spec);
  }
  for (const f of ['fx', 'fy'] as const) {
    if (o[f] !== undefined) {
      check(f, o[f]);
      out[f] = o[f] as string;
    }
  }
  if (o.title !== undefined) out.title = String(o.title);
  for (const k of ['width', 'height', 'marginLeft', 'marginBottom'] as const) {
    if (o[k] === undefined) continue;
    if (typeof o[k] !== 'number' || !Number.isFinite(o[k]) || (o[k] as number) < 0 || (o[k] as number) > 4000) throw new PlotSpecError(`${k} must be a number of pixels`);
    out[k] = o[k] as number;
  }
  for (const k of ['x', 'y', 'color'] as const) {
    if (o[k] === undefined) continue;
    if (!o[k] || typeof o[k] !== 'object' || Array.isArray(o[k])) throw new PlotSpecError(`${k} must be a mapping of scale options (label, type, grid…)`);
    const scale: Record<string, unknown> = {};
    for (const [sk, sv] of Object.entries(o[k] as Record<string, unknown>)) {
      if (!SCALE_KEYS.has(sk)) throw new PlotSpecError(`${k}.${sk} is not a supported scale option (${[...SCALE_KEYS].join(', ')})`);
      if (typeof sv === 'function' || (sv && typeof sv === 'object' && !Array.isArray(sv))) throw new PlotSpecError(`${k}.${sk} must be a plain value`);
      scale[sk] = sv;
    }
    out[k] = scale;
  }
  return out;
}

const TIME_TYPE = /^(DATE|TIMESTAMP)/i;

/** Result rows (arrays) → objects for Plot; DATE/TIMESTAMP columns become Date objects. */
export function rowsToObjects(columns: string[], rows: unknown[][], types: string[] = []): Record<string, unknown>[] {
  const time = columns.map((_, i) => TIME_TYPE.test(types[i] ?? ''));
  return rows.map((r) => {
    const o: Record<string, unknown> = {};
    columns.forEach((c, i) => {
      const v = r[i];
      o[c] = time[i] && typeof v === 'string' ? new Date(v.length === 10 ? v + 'T00:00:00' : v) : v;
    });
    return o;
  });
}

// Only the Plot functions we call, so this file needs no import of Plot itself.
export interface PlotLike {
  plot(options: Record<string, unknown>): { outerHTML: string } & object;
  [mark: string]: unknown;
}

/** Are these category values names (not numbers, hours or dates, whose own order is the natural one)? */
function named(data: Record<string, unknown>[], column: string): boolean {
  return data.length > 0 && data.every((r) => typeof r[column] === 'string' && !/^[\d\s:.\-/]+$/.test(r[column]));
}

/**
 * Bars over named categories (channels, people, words) sorted by value,
 * largest first, unless the mark says `sort: data` or the scale has a
 * domain: a ranking reads top-down. Numbers, hours and dates keep their order.
 */
function valueSort(m: MarkSpec, spec: PlotSpec, data: Record<string, unknown>[]): Record<string, unknown> | null {
  if (m.sort === 'data' || (m.type !== 'barY' && m.type !== 'barX')) return null;
  const [cat, val] = m.type === 'barY' ? (['x', 'y'] as const) : (['y', 'x'] as const);
  const column = m[cat];
  if (typeof column !== 'string' || spec[cat]?.domain !== undefined || !named(data, column)) return null;
  return { [cat]: { value: val, reverse: true, reduce: 'sum' } };
}

/** Plot options for a validated spec and its data; pass `document` on the server (linkedom). */
export function plotOptions(Plot: PlotLike, spec: PlotSpec, data: Record<string, unknown>[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const marks = spec.marks.map((m) => {
    const { type, reduce, sort: _sort, ...channels } = m;
    const opts: Record<string, unknown> = { ...channels };
    const sort = valueSort(m, spec, data);
    if (sort) opts.sort = sort;
    if (spec.fx) opts.fx = spec.fx;
    if (spec.fy) opts.fy = spec.fy;
    if (type === 'barY' || type === 'barX' || type === 'cell' || type === 'dot') opts.tip = true;
    const make = Plot[type] as (d: unknown, o: unknown) => unknown;
    if (reduce && (type === 'barY' || type === 'barX')) {
      const group = Plot[type === 'barY' ? 'groupX' : 'groupY'] as (o: unknown, c: unknown) => unknown;
      const outKey = type === 'barY' ? 'y' : 'x';
      return make(data, group({ [outKey]: reduce }, opts));
    }
    return make(data, opts);
  });
  const opts: Record<string, unknown> = { marks, ...extra };
  for (const k of ['title', 'width', 'height', 'marginLeft', 'marginBottom', 'x', 'y', 'color'] as const) if (spec[k] !== undefined) opts[k] = spec[k];
  if (!opts.color && spec.marks.some((m) => m.fill || m.stroke)) opts.color = { legend: true };
  if (!opts.marginLeft) opts.marginLeft = 60;
  return opts;
}

/** A text sparkline of numbers (▁▂▃▄▅▆▇█) for chat summaries, where SVG cannot be shown. */
export function sparkline(values: number[]): string {
  const nums = values.filter((v) => Number.isFinite(v));
  if (!nums.length) return '';
  const bars = '▁▂▃▄▅▆▇█';
  const min = Math.min(...nums);
  const max = Math.max(...nums);
  return nums.map((v) => bars[max === min ? 3 : Math.round(((v - min) / (max - min)) * 7)]).join('');
}
