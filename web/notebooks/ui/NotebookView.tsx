// One notebook: its cells in order, the parameter form, run all / run one,
// save, add, move and delete cells; a run's results are kept by cell.
import { useEffect, useState } from 'preact/hooks';
import type { Cell, NotebookMeta } from '../../../audit/notebook/types.ts';
import { api, type CellResult, type Run } from '../api.ts';
import { setUnsaved } from '../unsaved.ts';
import { CellView } from './CellView.tsx';
import { ParamsForm } from './ParamsForm.tsx';
import { RunHistory, type RunRow } from './RunHistory.tsx';
import { ScheduleEditor } from './ScheduleEditor.tsx';

/** What GET /api/notebooks/{name} answers besides the notebook: recent runs, the form's first values, the next scheduled run. */
interface NotebookAnswer {
  meta: NotebookMeta;
  cells: Omit<EditorCell, 'key'>[];
  runs: RunRow[];
  defaults?: Record<string, unknown>;
  next_run: { ts: number; time: string } | null;
}

/** A cell as the editor holds it: the document's fields and a key that survives reordering. */
export type EditorCell = Pick<Cell, 'kind' | 'source' | 'name' | 'attrs'> & { key: number };

let nextKey = 1;

function paramQuery(values: Record<string, unknown>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) {
    if (v === '' || v === undefined || v === null) continue;
    if (Array.isArray(v)) v.forEach((x) => q.append(k, String(x)));
    else q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function NotebookView({ name, runId, back }: { name: string; runId: string | null; back: () => void }) {
  const [meta, setMeta] = useState<NotebookMeta | null>(null);
  const [cells, setCells] = useState<EditorCell[]>([]);
  const [values, setValues] = useState<Record<string, unknown>>({});
  const [results, setResults] = useState<Record<number, CellResult>>({});
  const [byName, setByName] = useState<Record<string, CellResult>>({});
  const [busy, setBusy] = useState<string>('');
  const [err, setErr] = useState('');
  const [dirty, setDirty] = useState(false);
  const [editing, setEditing] = useState<Record<number, boolean>>({});
  const [savedCells, setSavedCells] = useState<string>('');
  const [runs, setRuns] = useState<RunRow[]>([]);
  const [nextRun, setNextRun] = useState<NotebookAnswer['next_run']>(null);
  const [currentRun, setCurrentRun] = useState<string | null>(runId);
  const path = `/api/notebooks/${encodeURIComponent(name)}`;

  // unsaved edits: leaving asks first (web/notebooks/unsaved.ts)
  useEffect(() => setUnsaved(dirty), [dirty]);
  useEffect(() => () => setUnsaved(false), []);

  /** Runs and the next scheduled run, after a run or a save. */
  const refreshSide = async () => {
    const r = await api<NotebookAnswer>(path);
    setRuns(r.runs);
    setNextRun(r.next_run);
  };

  const load = async () => {
    const r = await api<NotebookAnswer>(path);
    setMeta(r.meta);
    setRuns(r.runs);
    setNextRun(r.next_run);
    // the form starts on the server's defaults: relative dates resolved, and on the last day with data
    if (!runId) setValues(r.defaults ?? {});
    const cs = r.cells.map((c) => ({ ...c, key: nextKey++ }));
    setCells(cs);
    setSavedCells(JSON.stringify(r.cells));
    setDirty(false);
    if (runId) {
      const run = await api<Run & { params: Record<string, unknown> }>(`/api/notebooks/${encodeURIComponent(name)}/runs/${encodeURIComponent(runId)}`);
      setValues(run.params ?? {});
      applyRun(run, cs);
    }
  };
  useEffect(() => {
    load().catch((e: Error) => setErr(e.message));
  }, [name, runId]);

  const applyRun = (run: Run, cs: EditorCell[]) => {
    const res: Record<number, CellResult> = {};
    const names: Record<string, CellResult> = {};
    run.cells.forEach((c, i) => {
      if (c.status === 'skipped') return;
      const cell = cs[i];
      if (cell) res[cell.key] = c;
      if (c.name && c.columns) names[c.name] = c;
    });
    setResults((old) => ({ ...old, ...res }));
    setByName((old) => ({ ...old, ...names }));
  };

  const update = (key: number, patch: Partial<EditorCell>) => {
    setCells((cs) => cs.map((c) => (c.key === key ? { ...c, ...patch } : c)));
    setDirty(true);
  };
  const move = (i: number, d: -1 | 1) => {
    setCells((cs) => {
      const j = i + d;
      if (j < 0 || j >= cs.length) return cs;
      const out = [...cs];
      [out[i], out[j]] = [out[j], out[i]];
      return out;
    });
    setDirty(true);
  };
  const remove = (key: number) => {
    if (!confirm('이 셀을 지울까요?')) return;
    setCells((cs) => cs.filter((c) => c.key !== key));
    setDirty(true);
  };
  const add = (i: number, kind: string) => {
    const taken = new Set(cells.map((c) => c.name));
    let n = cells.length + 1;
    while (taken.has(`q${n}`)) n++;
    const firstSql = cells.find((c) => c.kind === 'sql' && c.name)?.name ?? 'q1';
    const cell: EditorCell =
      kind === 'sql'
        ? { key: nextKey++, kind, name: `q${n}`, source: 'SELECT 1 AS n' }
        : kind === 'plot'
          ? { key: nextKey++, kind, source: `data: ${firstSql}\nmarks:\n  - { type: barY, x: x, y: y }` }
          : { key: nextKey++, kind: 'markdown', source: '새 설명' };
    setCells((cs) => [...cs.slice(0, i + 1), cell, ...cs.slice(i + 1)]);
    if (kind === 'markdown') setEditing((e) => ({ ...e, [cell.key]: true }));
    setDirty(true);
  };
  const payload = () => ({ meta, cells: cells.map(({ key: _k, ...c }) => c) });
  const params = () => Object.fromEntries(Object.entries(values).filter(([, v]) => v !== '' && v !== undefined && !(Array.isArray(v) && v.length === 0)));

  const runAll = async () => {
    setBusy('all');
    setErr('');
    try {
      const run = await api<Run>(`/api/notebooks/${encodeURIComponent(name)}/run`, { method: 'POST', body: JSON.stringify({ params: params(), notebook: payload() }) });
      setResults({});
      setByName({});
      applyRun(run, cells);
      history.replaceState(null, '', `/notebooks/${encodeURIComponent(name)}?run=${encodeURIComponent(run.id)}`);
      setCurrentRun(run.id);
      void refreshSide().catch(() => undefined);
    } catch (e) {
      setErr((e as Error).message);
    } finally {
      setBusy('');
    }
  };
  const runCell = async (i: number) => {
    setBusy(String(cells[i].key));
    setErr('');
    try {
      const run = await api<Run>(`/api/notebooks/${encodeURIComponent(name)}/cells/${i}/run`, { method: 'POST', body: JSON.stringify({ params: params(), notebook: payload() }) });
      applyRun(run, cells);
    } catch (e) {
      setErr((e as Error).message);
    } finally {
      setBusy('');
    }
  };
  const save = async () => {
    setBusy('save');
    setErr('');
    try {
      const r = await api<{ cells: Omit<EditorCell, 'key'>[] }>(`/api/notebooks/${encodeURIComponent(name)}`, { method: 'PUT', body: JSON.stringify(payload()) });
      setSavedCells(JSON.stringify(r.cells));
      setDirty(false);
      void refreshSide().catch(() => undefined);
    } catch (e) {
      setErr((e as Error).message);
    } finally {
      setBusy('');
    }
  };

  if (!meta) return <main>{err ? <p class="error">{err}</p> : <p class="note">불러오는 중…</p>}</main>;
  void savedCells;
  return (
    <main>
      <div class="toolbar">
        <button onClick={back}>← 목록</button>
        <input
          class="title"
          value={meta.title}
          aria-label="제목"
          onInput={(e) => {
            setMeta({ ...meta, title: (e.target as HTMLInputElement).value });
            setDirty(true);
          }}
          style="font-size:1.2rem;font-weight:600;min-width:16rem"
        />
        <button class="primary" onClick={runAll} disabled={!!busy}>
          {busy === 'all' ? '실행 중…' : '▶ 전체 실행'}
        </button>
        <button onClick={save} disabled={!!busy || !dirty}>
          {busy === 'save' ? '저장 중…' : dirty ? '저장' : '저장됨'}
        </button>
        {dirty && <span class="unsaved">저장하지 않은 변경</span>}
      </div>
      {err && <p class="error">{err}</p>}
      <ParamsForm params={meta.params} values={values} setValues={setValues} onSubmit={runAll} />
      <ScheduleEditor
        schedule={meta.schedule}
        channel={meta.channel}
        nextRun={dirty ? null : nextRun}
        onChange={(schedule, channel) => {
          setMeta({ ...meta, schedule, channel });
          setDirty(true);
        }}
      />
      <RunHistory name={name} runs={runs} current={currentRun} />
      {cells.map((cell, i) => (
        <CellView
          key={cell.key}
          cell={cell}
          index={i}
          count={cells.length}
          result={results[cell.key]}
          chartSource={(spec) => byName[spec.data]}
          csvHref={dirty ? undefined : `/api/notebooks/${encodeURIComponent(name)}/cells/${i}.csv${paramQuery(params())}`}
          busy={busy}
          editing={!!editing[cell.key]}
          setEditing={(on) => setEditing({ ...editing, [cell.key]: on })}
          update={(patch) => update(cell.key, patch)}
          run={() => runCell(i)}
          move={(d) => move(i, d)}
          remove={() => remove(cell.key)}
          add={(kind) => add(i, kind)}
        />
      ))}
      {cells.length === 0 && (
        <div class="add">
          <button onClick={() => add(-1, 'sql')}>+ SQL</button>
          <button onClick={() => add(-1, 'markdown')}>+ 설명</button>
        </div>
      )}
    </main>
  );
}
