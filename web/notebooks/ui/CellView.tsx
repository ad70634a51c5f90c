// One cell of a notebook: its head (kind, name, run, move, delete), its editor
// or rendered prose, and its result (table or chart).
import { renderMarkdown } from '../../../audit/notebook/markdown.ts';
import type { PlotSpec } from '../../../audit/notebook/plot-spec.ts';
import { isInert } from '../../../audit/notebook/types.ts';
import type { CellResult } from '../api.ts';
import { Chart } from './Chart.tsx';
import { CodeEditor } from './CodeEditor.tsx';
import { ResultTable } from './ResultTable.tsx';
import type { EditorCell } from './NotebookView.tsx';

export interface CellViewProps {
  cell: EditorCell;
  index: number;
  count: number;
  result?: CellResult;
  /** the result of the sql cell a chart draws */
  chartSource: (spec: PlotSpec) => CellResult | undefined;
  /** CSV of every row (absent while there are unsaved edits) */
  csvHref?: string;
  busy: string;
  editing: boolean;
  setEditing: (on: boolean) => void;
  update: (patch: Partial<EditorCell>) => void;
  run: () => void;
  move: (d: -1 | 1) => void;
  remove: () => void;
  add: (kind: string) => void;
}

export function CellView({ cell, index, count, result, chartSource, csvHref, busy, editing, setEditing, update, run, move, remove, add }: CellViewProps) {
  const inert = isInert(cell);
  return (
    <div>
      <section class={`cell ${inert ? 'inert' : cell.kind}`} data-kind={cell.kind} data-index={index}>
        <div class="head">
          <span class="kind">{cell.kind}</span>
          {cell.kind === 'sql' && <input class="name" value={cell.name ?? ''} aria-label="셀 이름" onInput={(e) => update({ name: (e.target as HTMLInputElement).value || undefined })} />}
          {cell.attrs?.title && <span>{cell.attrs.title}</span>}
          <span class="spacer" />
          {(cell.kind === 'sql' || cell.kind === 'plot') && (
            <button class="run" onClick={run} disabled={!!busy} title="이 셀 실행">
              {busy === String(cell.key) ? '…' : '▶ 실행'}
            </button>
          )}
          {cell.kind === 'markdown' && <button onClick={() => setEditing(!editing)}>{editing ? '완료' : '편집'}</button>}
          <button onClick={() => move(-1)} disabled={index === 0} title="위로">
            ↑
          </button>
          <button onClick={() => move(1)} disabled={index === count - 1} title="아래로">
            ↓
          </button>
          <button onClick={remove} title="삭제">
            ✕
          </button>
        </div>
        {inert && <div class="inert-note">⚠ 이 셀({cell.kind}{cell.attrs?.from ? `, 원래 ${cell.attrs.from}` : ''})은 kchat에서 실행되지 않습니다. 원본 그대로 보관합니다.</div>}
        <div class="body">
          {cell.kind === 'markdown' ? (
            editing ? (
              <textarea value={cell.source} onInput={(e) => update({ source: (e.target as HTMLTextAreaElement).value })} />
            ) : (
              <div class="md" onDblClick={() => setEditing(true)} dangerouslySetInnerHTML={{ __html: renderMarkdown(cell.source) }} />
            )
          ) : inert ? (
            <pre class="verbatim">{cell.source}</pre>
          ) : (
            <CodeEditor value={cell.source} kind={cell.kind} onChange={(v) => update({ source: v })} />
          )}
        </div>
        {result && (
          <div class="output">
            {result.status === 'error' && <p class="error">오류: {result.error}</p>}
            {result.status === 'ok' && result.columns && (
              <ResultTable result={result} csvHref={csvHref} />
            )}
            {result.status === 'ok' && result.plot && <Chart spec={result.plot} source={chartSource(result.plot)} />}
          </div>
        )}
      </section>
      <div class="add">
        <button onClick={() => add('sql')}>+ SQL</button>
        <button onClick={() => add('plot')}>+ 차트</button>
        <button onClick={() => add('markdown')}>+ 설명</button>
      </div>
    </div>
  );
}
