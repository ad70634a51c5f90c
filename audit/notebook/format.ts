// The notebook file format: Markdown with fenced cells and YAML front matter
// (docs/notebooks.md). Notebooks live in git, so parse → serialise must give
// back the very same bytes for an unchanged notebook: every parsed block
// keeps its raw lines and the blank lines before it, and is re-emitted
// verbatim unless its content was changed.
import YAML from 'yaml';
import { InputError } from '../../core/errors.ts';

export { PARAM_TYPES, RUNNABLE, isInert, type Cell, type CellKind, type Notebook, type NotebookMeta, type NotebookParam, type ParamType } from './types.ts';
import { type Cell, type Notebook, type NotebookMeta, type NotebookParam, PARAM_TYPES, type ParamType } from './types.ts';


/** An input error (core/errors.ts) with its own name, so callers and tests can tell where it came from. */
export class NotebookFormatError extends InputError {
  constructor(message: string) {
    super('bad_notebook', message);
    this.name = 'NotebookFormatError';
  }
}

const FENCE = /^(`{3,}|~{3,})\s*([A-Za-z][\w.+-]*)?(.*?)\r?$/;
const NAME_RE = /^[\p{L}_][\p{L}\p{N}_]*$/u;
/** Fence languages that stay prose code blocks instead of becoming cells. */
const PROSE_LANGS = new Set(['markdown', 'md', 'text', 'txt', 'output']);
const cellFence = (f: RegExpExecArray | null): boolean => !!f && !!f[2] && !PROSE_LANGS.has(f[2].toLowerCase());

function cellKey(c: Cell): string {
  return JSON.stringify([c.kind, c.name ?? null, c.source, c.attrs ?? {}]);
}

function metaKey(m: NotebookMeta): string {
  return JSON.stringify(m);
}

/** `name=hourly title="시간별 대화량"` → record */
function parseAttrs(text: string, line: number): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /\s*([A-Za-z_][\w-]*)=(?:"((?:[^"\\]|\\.)*)"|(\S+))/gy;
  let rest = text.trim();
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(rest))) {
    out[m[1]] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
    consumed = re.lastIndex;
  }
  rest = rest.slice(consumed).trim();
  if (rest) throw new NotebookFormatError(`line ${line}: cannot read fence attributes "${rest}" (expected key=value or key="value")`);
  return out;
}

function formatAttrs(attrs: Record<string, string>): string {
  return Object.entries(attrs)
    .map(([k, v]) => (/^[^\s"]+$/.test(v) ? `${k}=${v}` : `${k}="${v.replace(/["\\]/g, '\\$&')}"`))
    .join(' ');
}

function normaliseMeta(raw: unknown): NotebookMeta {
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) throw new NotebookFormatError('front matter must be a YAML mapping');
  const m = { ...((raw ?? {}) as Record<string, unknown>) };
  const params = m.params ?? [];
  if (!Array.isArray(params)) throw new NotebookFormatError('front matter "params" must be a list');
  const seen = new Set<string>();
  const out: NotebookMeta = { ...m, title: String(m.title ?? ''), params: [] };
  for (const [i, p] of params.entries()) {
    if (!p || typeof p !== 'object') throw new NotebookFormatError(`params[${i}] must be a mapping with name and type`);
    const param = p as Record<string, unknown>;
    const name = String(param.name ?? '');
    if (!NAME_RE.test(name)) throw new NotebookFormatError(`params[${i}]: "${name}" is not a valid parameter name (letters, digits, _)`);
    if (seen.has(name)) throw new NotebookFormatError(`params: "${name}" is declared twice`);
    seen.add(name);
    const type = (param.type ?? (param.options ? 'select' : 'text')) as ParamType;
    if (!PARAM_TYPES.includes(type)) throw new NotebookFormatError(`params.${name}: type "${String(param.type)}" is not one of ${PARAM_TYPES.join(', ')}`);
    if (param.options !== undefined && !Array.isArray(param.options)) throw new NotebookFormatError(`params.${name}: options must be a list`);
    out.params.push({ ...(param as object), name, type } as NotebookParam);
  }
  if (out.schedule !== undefined && typeof out.schedule !== 'string') throw new NotebookFormatError('front matter "schedule" must be a cron string');
  if (out.channel !== undefined && typeof out.channel !== 'string') throw new NotebookFormatError('front matter "channel" must be a string');
  return out;
}

export function parseNotebook(text: string): Notebook {
  if (typeof text !== 'string') throw new NotebookFormatError('notebook text must be a string');
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  let pos = 0;
  let meta: NotebookMeta = { title: '', params: [] };
  let frontRaw: string | undefined;
  let frontKey: string | undefined;
  if (/^---\r?$/.test(lines[0] ?? '')) {
    const end = lines.findIndex((l, i) => i > 0 && /^(---|\.\.\.)\r?$/.test(l));
    if (end < 0) throw new NotebookFormatError('front matter starts with --- on line 1 but is never closed by ---');
    const yamlText = lines.slice(1, end).join('\n');
    let parsed: unknown;
    try {
      parsed = YAML.parse(yamlText);
    } catch (err) {
      throw new NotebookFormatError(`front matter is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    meta = normaliseMeta(parsed);
    frontRaw = lines.slice(0, end + 1).join('\n');
    frontKey = metaKey(meta);
    pos = end + 1;
  }
  const cells: Cell[] = [];
  const names = new Set<string>();
  let gap: string[] = [];
  const blank = (l: string) => /^\s*$/.test(l);
  while (pos < lines.length) {
    const line = lines[pos];
    if (blank(line)) {
      gap.push(line);
      pos++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence && cellFence(fence)) {
      const [, marks, lang, rest] = fence;
      const attrs = parseAttrs(rest, pos + 1);
      const close = new RegExp(`^${marks[0] === '`' ? '`' : '~'}{${marks.length},}\\s*\\r?$`);
      let end = pos + 1;
      while (end < lines.length && !close.test(lines[end])) end++;
      if (end >= lines.length) throw new NotebookFormatError(`line ${pos + 1}: the \`${lang}\` cell opened here is never closed (${marks})`);
      const kind = lang.toLowerCase();
      const { name, ...others } = attrs;
      if (name !== undefined) {
        if (!NAME_RE.test(name)) throw new NotebookFormatError(`line ${pos + 1}: cell name "${name}" must be letters, digits and _`);
        if (names.has(name)) throw new NotebookFormatError(`line ${pos + 1}: cell name "${name}" is used twice`);
        names.add(name);
      }
      const cell: Cell = { kind, source: lines.slice(pos + 1, end).join('\n') };
      if (name !== undefined) cell.name = name;
      if (Object.keys(others).length) cell.attrs = others;
      cell.raw = lines.slice(pos, end + 1).join('\n');
      cell.rawKey = cellKey(cell);
      cell.gap = gap;
      cells.push(cell);
      gap = [];
      pos = end + 1;
      continue;
    }
    // prose: up to the next cell fence; fences without a language are prose code blocks and stay inside
    let end = pos;
    let inProse: RegExp | null = null;
    while (end < lines.length) {
      const l = lines[end];
      if (inProse) {
        if (inProse.test(l)) inProse = null;
        end++;
        continue;
      }
      const f: RegExpExecArray | null = FENCE.exec(l);
      if (f && cellFence(f)) break;
      if (f) inProse = new RegExp(`^${f[1][0] === '`' ? '`' : '~'}{${f[1].length},}\\s*\\r?$`);
      end++;
    }
    let last = end - 1;
    while (last > pos && blank(lines[last])) last--;
    const cell: Cell = { kind: 'markdown', source: lines.slice(pos, last + 1).join('\n') };
    cell.raw = cell.source;
    cell.rawKey = cellKey(cell);
    cell.gap = gap;
    cells.push(cell);
    gap = [];
    pos = last + 1;
  }
  return { meta, cells, frontRaw, frontKey, tail: gap };
}

function renderFront(meta: NotebookMeta): string {
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) if (v !== undefined && !(k === 'params' && Array.isArray(v) && v.length === 0)) clean[k] = v;
  return `---\n${YAML.stringify(clean, { lineWidth: 0 }).replace(/\n$/, '')}\n---`;
}

function renderCell(cell: Cell): string {
  if (cell.kind === 'markdown') return cell.source.replace(/^\s*\n|\n\s*$/g, '');
  const kind = cell.kind;
  // a longer fence when the source itself contains ``` lines
  const longest = Math.max(2, ...[...cell.source.matchAll(/^(`{3,})/gm)].map((m) => m[1].length));
  const fence = '`'.repeat(longest + 1);
  const attrs = formatAttrs({ ...(cell.name ? { name: cell.name } : {}), ...(cell.attrs ?? {}) });
  const head = `${fence}${kind}${attrs ? ' ' + attrs : ''}`;
  return cell.source === '' ? `${head}\n${fence}` : `${head}\n${cell.source}\n${fence}`;
}

/** Notebook → text. Unchanged parts come back byte for byte; changed or new ones in the canonical layout. */
export function serialiseNotebook(nb: Notebook): string {
  const parts: string[] = [];
  const unchangedFront = nb.frontRaw !== undefined && nb.frontKey === metaKey(nb.meta);
  const emptyMeta = metaKey(nb.meta) === metaKey({ title: '', params: [] });
  if (unchangedFront) parts.push(nb.frontRaw!);
  else if (!emptyMeta || nb.frontRaw !== undefined) parts.push(renderFront(nb.meta));
  for (const [i, cell] of nb.cells.entries()) {
    const gap = cell.gap ?? (i === 0 && parts.length === 0 ? [] : ['']);
    const body = cell.raw !== undefined && cell.rawKey === cellKey(cell) ? cell.raw : renderCell(cell);
    parts.push(...gap, body);
  }
  const tail = nb.tail ?? [''];
  return parts.join('\n') + (tail.length ? '\n' + tail.join('\n') : '');
}

/** The notebook without the round-trip bookkeeping (for JSON answers). */
export function publicCells(nb: Notebook): { kind: string; source: string; name?: string; attrs?: Record<string, string> }[] {
  return nb.cells.map((c) => ({ kind: c.kind, source: c.source, ...(c.name ? { name: c.name } : {}), ...(c.attrs ? { attrs: c.attrs } : {}) }));
}

/** A new, empty notebook. */
export function newNotebook(title: string): Notebook {
  return {
    meta: { title, params: [] },
    cells: [
      { kind: 'markdown', source: `# ${title}` },
      { kind: 'sql', name: 'q1', source: 'SELECT 1 AS n' },
    ],
  };
}
