// Zeppelin → kchat notebooks. Reads a Zeppelin note (.zpln / note.json) or a
// Zeppelin note exported as .ipynb and builds a notebook:
//   %md → prose; SQL paragraphs (%sql, %spark.sql, %jdbc, %flink.bsql, %hive…)
//   → sql cells; dynamic forms ${name=default,a|b} / ${checkbox:…} →
//   parameters, the SQL gets $name placeholders (bound, never pasted);
//   the paragraph's graph mode → a plot cell; the note's cron → schedule;
//   everything else (%pyspark, Scala, %sh, %python…) → a kept, non-running
//   cell. Results stored in the note are dropped (they never go into notebooks).
import path from 'node:path';
import type { Cell, Notebook, NotebookParam } from '../notebook/format.ts';
import { InputError } from '../../core/errors.ts';

/** An input error (core/errors.ts) with its own name, so callers and tests can tell where it came from. */
export class ZeppelinImportError extends InputError {
  constructor(message: string) {
    super('bad_zeppelin_note', message);
    this.name = 'ZeppelinImportError';
  }
}

export interface ImportReport {
  file: string;
  name: string;
  title: string;
  schedule?: string;
  cells: { kind: string; name?: string; from?: string }[];
  params: NotebookParam[];
  warnings: string[];
}

const SQL_INTERPRETERS = /^(sql|spark\.sql|jdbc|flink\.[bs]sql|flink\.sql|hive|hive\.sql|presto|trino|psql|postgresql|mysql|bigquery|livy\.sql|athena|impala|kylin|ignite\.ignitesql|duckdb)$/;

/** The kind a non-SQL interpreter's cell gets (its fence language). */
function inertKind(interp: string): string {
  const i = interp.toLowerCase();
  if (/(^|\.)i?pyspark$/.test(i)) return 'pyspark';
  if (/(^|\.)i?python$/.test(i)) return 'python';
  if (i === 'spark' || i === 'spark.spark' || i === 'livy.spark' || i === 'livy' || i === 'scala') return 'scala';
  if (i === 'sh' || i === 'shell' || i === 'bash') return 'sh';
  if (/(^|\.)(r|ir)$/.test(i)) return 'r';
  const k = i.replace(/[^a-z0-9_.+-]/g, '');
  return /^[a-z]/.test(k) ? k : 'text-code';
}

interface Paragraph {
  text: string;
  title?: string;
  showTitle?: boolean;
  graph?: { mode?: string; keys?: { name?: string; aggr?: string }[]; values?: { name?: string; aggr?: string }[]; groups?: { name?: string }[]; setting?: Record<string, unknown> };
}

interface Form {
  name: string;
  checkbox: boolean;
  defaultValue?: string | string[];
  options?: string[];
}

const FORM_RE = /(')?\$\{(checkbox(?:\([^)]*\))?:)?([A-Za-z_][\w]*)(?:=([^,}]*))?(?:,([^}]*))?\}(')?/g;

function parseOptions(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  // a(Label)|b|c → values a, b, c
  return text
    .split('|')
    .map((o) => o.replace(/\(.*\)\s*$/, '').trim())
    .filter(Boolean);
}

/** Replace dynamic forms in SQL with $name placeholders; collect the forms. */
export function convertForms(sql: string): { sql: string; forms: Form[] } {
  const forms = new Map<string, Form>();
  let out = sql.replace(FORM_RE, (_all, q1: string | undefined, checkbox: string | undefined, name: string, def: string | undefined, opts: string | undefined, q2: string | undefined) => {
    const isBox = Boolean(checkbox);
    if (!forms.has(name)) {
      const form: Form = { name, checkbox: isBox };
      if (def !== undefined) form.defaultValue = isBox ? def.split('|').map((s) => s.trim()).filter(Boolean) : def.trim();
      const options = parseOptions(opts);
      if (options?.length) form.options = options;
      forms.set(name, form);
    }
    // a quoted form ('${x}') was textual substitution into a string literal: the bound parameter replaces the literal
    const quoted = q1 && q2;
    const placeholder = `$${name}`;
    return quoted ? placeholder : `${q1 ?? ''}${placeholder}${q2 ?? ''}`;
  });
  // IN ($box) with a checkbox list → list_contains, because the parameter is a VARCHAR[]
  for (const f of forms.values()) {
    if (!f.checkbox) continue;
    const re = new RegExp(`([\\w."]+)\\s+IN\\s*\\(\\s*\\$${f.name}\\s*\\)`, 'gi');
    out = out.replace(re, (_m, col: string) => `list_contains($${f.name}, ${col})`);
  }
  return { sql: out, forms: [...forms.values()] };
}

function formToParam(f: Form): NotebookParam {
  if (f.checkbox) return { name: f.name, type: 'select', multiple: true, default: (f.defaultValue as string[]) ?? [], ...(f.options ? { options: f.options } : {}) };
  if (f.options?.length) return { name: f.name, type: 'select', default: (f.defaultValue as string) ?? f.options[0], options: f.options };
  const d = f.defaultValue as string | undefined;
  if (d !== undefined && /^-?\d+(\.\d+)?$/.test(d)) return { name: f.name, type: 'number', default: Number(d) };
  if (d !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(d)) return { name: f.name, type: 'date', default: d };
  return { name: f.name, type: 'text', default: d ?? '' };
}

/** Output column names of a simple SELECT (for charts whose keys Zeppelin left to defaults). */
function selectColumns(sql: string): string[] {
  const m = /select\s+([\s\S]*?)\s+from\s/i.exec(sql.replace(/--.*$/gm, ''));
  if (!m) return [];
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of m[1]) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => {
    const alias = /\bas\s+"?([\p{L}\p{N}_]+)"?\s*$/iu.exec(p.trim()) ?? /([\p{L}\p{N}_]+)"?\s*$/u.exec(p.trim());
    return alias ? alias[1] : p.trim();
  });
}

const AGGR: Record<string, string> = { sum: 'sum', count: 'count', avg: 'mean', mean: 'mean' };

/** Zeppelin graph settings → plot spec (YAML text), or null for table mode. */
export function graphToPlot(graph: Paragraph['graph'], data: string, sql: string, warnings: string[]): string | null {
  const mode = graph?.mode;
  if (!mode || mode === 'table') return null;
  const cols = selectColumns(sql);
  const key = graph?.keys?.[0]?.name ?? cols[0];
  const value = graph?.values?.[0]?.name ?? cols[1];
  const group = graph?.groups?.[0]?.name;
  const aggr = AGGR[String(graph?.values?.[0]?.aggr ?? '')];
  if (!key || !value) {
    warnings.push(`chart "${mode}" of ${data}: could not tell its x/y columns; kept as a table`);
    return null;
  }
  const mark: Record<string, unknown> = {};
  switch (mode) {
    case 'multiBarChart':
      Object.assign(mark, { type: 'barY', x: key, y: value }, group ? { fill: group } : {});
      break;
    case 'lineChart':
    case 'lineWithFocusChart':
      Object.assign(mark, { type: 'lineY', x: key, y: value }, group ? { stroke: group } : {});
      break;
    case 'stackedAreaChart':
      Object.assign(mark, { type: 'areaY', x: key, y: value }, group ? { fill: group } : {});
      break;
    case 'scatterChart': {
      const setting = (graph?.setting?.scatterChart ?? {}) as { xAxis?: { name?: string }; yAxis?: { name?: string }; group?: { name?: string } };
      Object.assign(mark, { type: 'dot', x: setting.xAxis?.name ?? key, y: setting.yAxis?.name ?? value }, setting.group?.name || group ? { stroke: setting.group?.name ?? group } : {});
      break;
    }
    case 'pieChart':
      // Plot has no pie: the same shares as bars, coloured by key
      Object.assign(mark, { type: 'barY', x: key, y: value, fill: key });
      warnings.push(`pie chart of ${data} became a bar chart (Observable Plot has no pie mark)`);
      break;
    default:
      warnings.push(`chart mode "${mode}" of ${data} is not known; drawn as bars`);
      Object.assign(mark, { type: 'barY', x: key, y: value });
  }
  if (aggr && mark.type === 'barY' && !group) mark.reduce = aggr;
  const flow = Object.entries(mark)
    .map(([k, v]) => `${k}: ${/^[\p{L}\p{N}_]+$/u.test(String(v)) ? v : JSON.stringify(v)}`)
    .join(', ');
  return `data: ${data}\nmarks:\n  - { ${flow} }`;
}

/** Quartz cron (sec min hour dom mon dow [year], with ?) → node-cron (sec min hour dom mon dow). */
export function quartzToCron(expr: string): string | null {
  const f = expr.trim().split(/\s+/);
  if (f.length < 5 || f.length > 7) return null;
  if (f.length === 7) {
    if (f[6] !== '*' && f[6] !== '?') return null;
    f.pop();
  }
  const fields = f.map((x) => (x === '?' ? '*' : x));
  // Quartz weekdays are 1–7 from Sunday; cron's are 0–6 (names like MON pass through)
  if (fields.length === 6) fields[5] = fields[5].replace(/\b([1-7])\b/g, (d) => String(Number(d) - 1));
  return fields.join(' ');
}

function slug(s: string, fallback: string, leadingDigit = false): string {
  const out = s
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}_]+/gu, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
  if (!out) return fallback;
  return leadingDigit || /^[\p{L}_]/u.test(out) ? out : `q_${out}`;
}

function paragraphsFromZpln(note: Record<string, unknown>): { title: string; defaultInterp: string; paragraphs: Paragraph[]; cron?: string } {
  const raw = (note.paragraphs as Record<string, unknown>[] | undefined) ?? [];
  if (!Array.isArray(raw)) throw new ZeppelinImportError('note.paragraphs must be a list');
  const paragraphs = raw.map((p) => {
    const config = (p.config ?? {}) as Record<string, unknown>;
    const results = (config.results ?? {}) as Record<string, { graph?: Paragraph['graph'] }>;
    const graph = results['0']?.graph ?? (config.graph as Paragraph['graph']);
    return { text: String(p.text ?? ''), title: typeof p.title === 'string' ? p.title : undefined, showTitle: config.title === true, graph };
  });
  const config = (note.config ?? {}) as Record<string, unknown>;
  return {
    title: String(note.name ?? ''),
    defaultInterp: String(note.defaultInterpreterGroup ?? 'spark'),
    paragraphs,
    cron: typeof config.cron === 'string' && config.cron.trim() ? config.cron : undefined,
  };
}

function paragraphsFromIpynb(nb: Record<string, unknown>): { title: string; defaultInterp: string; paragraphs: Paragraph[] } {
  const cells = nb.cells as Record<string, unknown>[] | undefined;
  if (!Array.isArray(cells)) throw new ZeppelinImportError('ipynb has no cells list');
  const meta = (nb.metadata ?? {}) as { name?: string; kernelspec?: { language?: string }; language_info?: { name?: string } };
  const lang = meta.kernelspec?.language ?? meta.language_info?.name ?? 'python';
  const paragraphs = cells.map((c) => {
    const src = Array.isArray(c.source) ? (c.source as string[]).join('') : String(c.source ?? '');
    return { text: c.cell_type === 'markdown' ? `%md\n${src}` : src };
  });
  return { title: String(meta.name ?? ''), defaultInterp: lang === 'scala' ? 'spark' : lang, paragraphs };
}

/** Convert one Zeppelin note (file text) to a notebook. */
export function importZeppelin(text: string, file: string): { notebook: Notebook; report: ImportReport } {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, '')) as Record<string, unknown>;
  } catch (err) {
    throw new ZeppelinImportError(`${path.basename(file)} is not JSON: ${(err as Error).message}`);
  }
  if (!json || typeof json !== 'object') throw new ZeppelinImportError(`${path.basename(file)} is not a Zeppelin note`);
  const isIpynb = Array.isArray(json.cells);
  if (!isIpynb && !Array.isArray(json.paragraphs)) throw new ZeppelinImportError(`${path.basename(file)} has neither Zeppelin paragraphs nor ipynb cells`);
  const src = isIpynb ? { ...paragraphsFromIpynb(json), cron: undefined } : paragraphsFromZpln(json);
  const base = path.basename(file).replace(/\.(zpln|json|ipynb)$/i, '');
  const name = slug(base.replace(/_[A-Z0-9]{9}$/, ''), 'zeppelin_note', true);
  const warnings: string[] = [];
  const params = new Map<string, NotebookParam>();
  const cells: Cell[] = [];
  const usedNames = new Set<string>();
  for (const [i, p] of src.paragraphs.entries()) {
    const m = /^\s*%([\w.]+)(\([^)]*\))?[ \t]*\r?\n?/.exec(p.text);
    const interp = m ? m[1] : src.defaultInterp;
    const body = (m ? p.text.slice(m[0].length) : p.text).replace(/\r\n/g, '\n').replace(/^\n+|\s+$/g, '');
    if (!body && !p.title) continue;
    if (interp === 'md' || interp === 'markdown') {
      const heading = p.title && p.showTitle ? `## ${p.title}\n\n` : '';
      cells.push({ kind: 'markdown', source: heading + body });
      continue;
    }
    const attrs: Record<string, string> = { from: `%${interp}` };
    if (p.title) attrs.title = p.title;
    if (SQL_INTERPRETERS.test(interp) || /\.sql$/.test(interp)) {
      const { sql, forms } = convertForms(body);
      for (const f of forms) if (!params.has(f.name)) params.set(f.name, formToParam(f));
      let cellName = slug(p.title ?? '', `q${i + 1}`);
      while (usedNames.has(cellName)) cellName += '_';
      usedNames.add(cellName);
      cells.push({ kind: 'sql', name: cellName, source: sql, attrs });
      const plot = graphToPlot(p.graph, cellName, sql, warnings);
      if (plot) cells.push({ kind: 'plot', source: plot });
      if (/\b(date_format|to_date|from_unixtime|unix_timestamp)\s*\(/i.test(sql)) warnings.push(`cell ${cellName}: Spark SQL date functions (date_format/to_date…) differ in DuckDB; check before running`);
      continue;
    }
    const kind = inertKind(interp);
    cells.push({ kind, source: body, attrs });
  }
  let schedule: string | undefined;
  if (src.cron) {
    const c = quartzToCron(src.cron);
    if (c) schedule = c;
    else warnings.push(`note cron "${src.cron}" could not be converted; no schedule set`);
  }
  const title = src.title || base;
  const notebook: Notebook = {
    meta: { title, params: [...params.values()], ...(schedule ? { schedule } : {}), imported_from: path.basename(file) },
    cells: [{ kind: 'markdown', source: `# ${title}\n\nZeppelin 노트 \`${path.basename(file)}\`에서 가져왔습니다. SQL 문단은 SQL 셀이 되고, 실행할 수 없는 문단(PySpark·Scala·셸)은 원본 그대로 보관됩니다.` }, ...cells],
  };
  return {
    notebook,
    report: {
      file,
      name,
      title,
      ...(schedule ? { schedule } : {}),
      cells: notebook.cells.map((c) => ({ kind: c.kind, ...(c.name ? { name: c.name } : {}), ...(c.attrs?.from ? { from: c.attrs.from } : {}) })),
      params: notebook.meta.params,
      warnings,
    },
  };
}
