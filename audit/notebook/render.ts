// Server-side rendering: Plot charts to inline SVG (Plot's `document` option
// with linkedom) and `--html OUT`: the whole notebook with its results as one
// self-contained HTML file (no scripts, no external links).
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import { isInert, type Notebook } from './format.ts';
import { escapeHtml, renderMarkdown } from './markdown.ts';
import { INERT_NOTE, type CellResult, type RunRecord } from './engine.ts';
import { plotOptions, rowsToObjects, type PlotLike, type PlotSpec } from './plot-spec.ts';

const esc = escapeHtml;

/** The export runs no script and loads nothing: said again in the file itself, for whoever opens it. */
const EXPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** One chart as SVG markup (a <figure> holding the SVG when it has a legend). */
export function renderPlotSvg(spec: PlotSpec, source: Pick<CellResult, 'columns' | 'rows' | 'types'>): string {
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const data = rowsToObjects(source.columns ?? [], source.rows ?? [], source.types ?? []);
  const marks = spec.marks.map((m) => ({ ...m }));
  const el = (Plot as unknown as PlotLike).plot(plotOptions(Plot as unknown as PlotLike, { ...spec, marks }, data, { document }));
  // the interactive tip mark is useless in a static file
  return el.outerHTML;
}

const TABLE_ROWS = 500;

function table(result: CellResult): string {
  const cols = result.columns ?? [];
  const rows = result.rows ?? [];
  const head = `<tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
  const body = rows
    .slice(0, TABLE_ROWS)
    .map((r) => `<tr>${r.map((v) => `<td${typeof v === 'number' ? ' class="n"' : ''}>${esc(v === null ? '∅' : typeof v === 'object' ? JSON.stringify(v) : v)}</td>`).join('')}</tr>`)
    .join('\n');
  const more = rows.length > TABLE_ROWS || result.truncated ? `<p class="note">${rows.length}행 중 ${Math.min(rows.length, TABLE_ROWS)}행 표시${result.truncated ? ' (행 수 제한에 걸림 — 전체는 CSV로 받으세요)' : ''}</p>` : `<p class="note">${rows.length}행</p>`;
  return `<div class="table"><table><thead>${head}</thead><tbody>${body}</tbody></table></div>${more}`;
}

/** The whole notebook with one run's results as a self-contained HTML document. */
export function renderHtml(nb: Notebook, run: RunRecord): string {
  const byName = new Map(run.cells.filter((c) => c.name && c.columns).map((c) => [c.name!, c]));
  const parts: string[] = [];
  for (const [i, cell] of nb.cells.entries()) {
    const result = run.cells[i];
    if (cell.kind === 'markdown') {
      parts.push(`<section class="md">${renderMarkdown(cell.source)}</section>`);
      continue;
    }
    const label = cell.name ? ` <span class="name">${esc(cell.name)}</span>` : '';
    let out = '';
    if (isInert(cell)) out = `<p class="inert">⚠ ${esc(INERT_NOTE)} (${esc(cell.kind)})</p>`;
    else if (result?.status === 'error') out = `<p class="error">오류: ${esc(result.error)}</p>`;
    else if (cell.kind === 'sql' && result?.columns) out = table(result);
    else if (cell.kind === 'plot' && result?.plot) {
      const src = byName.get(result.plot.data);
      try {
        out = src ? `<div class="chart">${renderPlotSvg(result.plot, src)}</div>` : '';
      } catch (err) {
        out = `<p class="error">차트 오류: ${esc((err as Error).message)}</p>`;
      }
    }
    const code = cell.kind === 'plot' ? '' : `<pre class="src"><code>${esc(cell.source)}</code></pre>`;
    parts.push(`<section class="cell ${esc(cell.kind)}"><div class="kind">${esc(cell.kind)}${label}</div>${code}${out}</section>`);
  }
  const params = Object.entries(run.params)
    .map(([k, v]) => `<code>${esc(k)}</code> = ${esc(Array.isArray(v) ? v.join(', ') : v)}`)
    .join(' · ');
  const title = esc(nb.meta.title || run.notebook);
  return `<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${EXPORT_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
body{font-family:system-ui,"Noto Sans KR","Apple SD Gothic Neo",sans-serif;max-width:1000px;margin:2rem auto;padding:0 1rem;color:#222}
header p{color:#555}
.cell{margin:1.5rem 0;border-left:3px solid #ddd;padding-left:1rem}
.kind{font-size:.75rem;color:#888;text-transform:uppercase}.name{text-transform:none;color:#333;font-weight:600}
pre.src{background:#f6f8fa;padding:.6rem;overflow:auto;font-size:.85rem}
.table{overflow:auto;max-height:480px}table{border-collapse:collapse;font-size:.85rem}th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left}td.n{text-align:right}th{background:#f0f0f0;position:sticky;top:0}
.note{color:#777;font-size:.8rem}.error{color:#b00020}.inert{color:#8a6d00;background:#fff8e1;padding:.4rem}
.chart svg{max-width:100%;height:auto}
</style>
</head>
<body>
<header><h1>${title}</h1><p>실행 ${esc(run.id)} · ${esc(run.started_at)}${params ? ' · ' + params : ''}</p></header>
${parts.join('\n')}
</body>
</html>
`;
}
