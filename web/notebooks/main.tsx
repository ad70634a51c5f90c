// /notebooks: the auditors' notebook UI. Login by pasting an auditor token
// (kept in localStorage), list notebooks, open one, edit cells (CodeMirror 6
// with SQL highlighting), run a cell or all with the parameter form (values
// go to the server as SQL parameters), sortable paged results, CSV download
// of every row, Plot charts drawn in the browser, save, new, reorder.
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { EditorView, basicSetup } from 'codemirror';
import { sql as sqlLang } from '@codemirror/lang-sql';
import * as Plot from '@observablehq/plot';
import { marked } from 'marked';
import { plotOptions, rowsToObjects, type PlotLike, type PlotSpec } from '../../audit/notebook/plot-spec.ts';
import './styles.css';
import type { CellResult as EngineCellResult } from '../../audit/notebook/engine.ts';

const TOKEN_KEY = 'kchat.auditorToken';

interface Param {
  name: string;
  type: 'text' | 'select' | 'date' | 'number';
  default?: unknown;
  options?: (string | number)[];
  multiple?: boolean;
  label?: string;
}
interface Meta {
  title: string;
  params: Param[];
  schedule?: string;
  channel?: string;
  [k: string]: unknown;
}
interface Cell {
  key: number;
  kind: string;
  source: string;
  name?: string;
  attrs?: Record<string, string>;
}
// The server's result shape, shared at type level only (erased from the bundle).
type CellResult = Omit<EngineCellResult, 'ms'>;
interface Run {
  id: string;
  status: string;
  started_at: string;
  cells: CellResult[];
}

let nextKey = 1;

class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const token = localStorage.getItem(TOKEN_KEY) ?? '';
  const res = await fetch(path, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
  if (!res.ok) {
    let msg = `${res.status}`;
    try {
      msg = ((await res.json()) as { error?: string }).error ?? msg;
    } catch {
      // not JSON
    }
    throw new ApiError(msg, res.status);
  }
  return (await res.json()) as T;
}

function Login({ onDone, error }: { onDone: () => void; error?: string }) {
  const [token, setToken] = useState('');
  const [err, setErr] = useState(error ?? '');
  const submit = async (e: Event) => {
    e.preventDefault();
    localStorage.setItem(TOKEN_KEY, token.trim());
    try {
      await api('/api/notebooks');
      onDone();
    } catch (ex) {
      const status = (ex as ApiError).status;
      setErr(status === 403 ? '감사자(auditor) 또는 관리자 토큰이 필요합니다.' : status === 401 ? '토큰이 올바르지 않습니다.' : (ex as Error).message);
    }
  };
  return (
    <form class="login" onSubmit={submit}>
      <h2>감사 노트북 로그인</h2>
      <p class="note">
        <code>kchat users add 이름 --role auditor</code>로 받은 토큰을 붙여 넣으세요. 이 브라우저에만 저장됩니다.
      </p>
      <input type="password" name="token" placeholder="감사자 토큰" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} autoFocus />
      <button class="primary" type="submit">
        로그인
      </button>
      {err && <p class="error">{err}</p>}
    </form>
  );
}

function NotebookList({ open }: { open: (name: string) => void }) {
  const [items, setItems] = useState<{ name: string; title: string; schedule?: string; channel?: string; error?: string }[] | null>(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    api<{ notebooks: typeof items }>('/api/notebooks').then((r) => setItems(r.notebooks), (e: Error) => setErr(e.message));
  }, []);
  const create = async () => {
    const name = prompt('새 노트북 이름 (영문·한글·숫자·_·-)');
    if (!name) return;
    try {
      await api('/api/notebooks', { method: 'POST', body: JSON.stringify({ name, title: name }) });
      open(name);
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  return (
    <main>
      <div class="toolbar">
        <h2 style="margin:0">노트북</h2>
        <span class="spacer" />
        <button class="primary" onClick={create}>
          + 새 노트북
        </button>
      </div>
      {err && <p class="error">{err}</p>}
      {!items && !err && <p class="note">불러오는 중…</p>}
      <ul class="list">
        {items?.map((n) => (
          <li key={n.name}>
            <a
              href={`/notebooks/${encodeURIComponent(n.name)}`}
              onClick={(e) => {
                e.preventDefault();
                open(n.name);
              }}
            >
              {n.title}
            </a>
            <span class="note">{n.name}.md</span>
            {n.schedule && <span class="note">⏰ {n.schedule} → #{n.channel ?? 'audit'}</span>}
            {n.error && <span class="error">{n.error}</span>}
          </li>
        ))}
      </ul>
    </main>
  );
}

function CodeEditor({ value, kind, onChange }: { value: string; kind: string; onChange: (v: string) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const changed = useRef(onChange);
  changed.current = onChange;
  useEffect(() => {
    const view = new EditorView({
      doc: value,
      extensions: [basicSetup, ...(kind === 'sql' ? [sqlLang()] : []), EditorView.updateListener.of((u) => u.docChanged && changed.current(u.state.doc.toString()))],
      parent: host.current!,
    });
    return () => view.destroy();
    // the editor owns its text after creation
  }, [kind]);
  return <div ref={host} class="editor" />;
}

const PAGE = 50;

function ResultTable({ result, csvHref }: { result: CellResult; csvHref?: string }) {
  const [sort, setSort] = useState<{ col: number; dir: 1 | -1 } | null>(null);
  const [page, setPage] = useState(0);
  const rows = useMemo(() => {
    const r = [...(result.rows ?? [])];
    if (sort) {
      r.sort((a, b) => {
        const x = a[sort.col];
        const y = b[sort.col];
        if (x === y) return 0;
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'ko')) * sort.dir;
      });
    }
    return r;
  }, [result, sort]);
  const pages = Math.max(1, Math.ceil(rows.length / PAGE));
  const shown = rows.slice(page * PAGE, page * PAGE + PAGE);
  const download = async () => {
    if (!csvHref) return;
    const res = await fetch(csvHref, { headers: { authorization: `Bearer ${localStorage.getItem(TOKEN_KEY) ?? ''}` } });
    if (!res.ok) return alert(((await res.json()) as { error: string }).error);
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'result.csv');
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <div class="result">
      <div class="tablewrap">
        <table>
          <thead>
            <tr>
              {result.columns!.map((c, i) => (
                <th key={c} onClick={() => setSort(sort?.col === i ? { col: i, dir: sort.dir === 1 ? -1 : 1 } : { col: i, dir: 1 })} title="눌러서 정렬">
                  {c}
                  {sort?.col === i ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((r, i) => (
              <tr key={i}>
                {r.map((v, j) => (
                  <td key={j} class={typeof v === 'number' ? 'n' : ''} title={String(v ?? '')}>
                    {v === null ? '∅' : typeof v === 'object' ? JSON.stringify(v) : String(v)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="pager">
        <span>
          {rows.length.toLocaleString('ko-KR')}행{result.truncated ? ' (행 수 제한에 걸림 — 전체는 CSV로)' : ''}
        </span>
        <button disabled={page === 0} onClick={() => setPage(page - 1)}>
          이전
        </button>
        <span>
          {page + 1} / {pages}
        </span>
        <button disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
          다음
        </button>
        {csvHref && <button onClick={download}>CSV 내려받기 (전체)</button>}
      </div>
    </div>
  );
}

function Chart({ spec, source }: { spec: PlotSpec; source?: CellResult }) {
  const host = useRef<HTMLDivElement>(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    if (!host.current || !source?.columns) return;
    try {
      const el = (Plot as unknown as PlotLike).plot(plotOptions(Plot as unknown as PlotLike, spec, rowsToObjects(source.columns, source.rows ?? [], source.types)));
      host.current.replaceChildren(el as unknown as Node);
      setErr('');
    } catch (e) {
      setErr((e as Error).message);
    }
  }, [spec, source]);
  if (!source?.columns) return <p class="note">차트 데이터({spec.data})가 아직 없습니다.</p>;
  return (
    <>
      <div class="chart" ref={host} />
      {err && <p class="error">{err}</p>}
    </>
  );
}

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

function NotebookView({ name, runId, back }: { name: string; runId: string | null; back: () => void }) {
  const [meta, setMeta] = useState<Meta | null>(null);
  const [cells, setCells] = useState<Cell[]>([]);
  const [values, setValues] = useState<Record<string, unknown>>({});
  const [results, setResults] = useState<Record<number, CellResult>>({});
  const [byName, setByName] = useState<Record<string, CellResult>>({});
  const [busy, setBusy] = useState<string>('');
  const [err, setErr] = useState('');
  const [dirty, setDirty] = useState(false);
  const [editing, setEditing] = useState<Record<number, boolean>>({});
  const [savedCells, setSavedCells] = useState<string>('');

  const load = async () => {
    const r = await api<{ meta: Meta; cells: Omit<Cell, 'key'>[] }>(`/api/notebooks/${encodeURIComponent(name)}`);
    setMeta(r.meta);
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

  const applyRun = (run: Run, cs: Cell[]) => {
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

  const update = (key: number, patch: Partial<Cell>) => {
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
    const cell: Cell =
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
      const r = await api<{ cells: Omit<Cell, 'key'>[] }>(`/api/notebooks/${encodeURIComponent(name)}`, { method: 'PUT', body: JSON.stringify(payload()) });
      setSavedCells(JSON.stringify(r.cells));
      setDirty(false);
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
        {meta.schedule && (
          <span class="note">
            ⏰ {meta.schedule} → #{meta.channel ?? 'audit'}
          </span>
        )}
      </div>
      {err && <p class="error">{err}</p>}
      {meta.params.length > 0 && (
        <form class="params" onSubmit={(e) => (e.preventDefault(), runAll())}>
          {meta.params.map((p) => (
            <label key={p.name}>
              <span>
                {p.label ?? p.name} <code>${p.name}</code>
              </span>
              {p.type === 'select' ? (
                <select
                  name={p.name}
                  multiple={p.multiple}
                  onChange={(e) => {
                    const el = e.target as HTMLSelectElement;
                    setValues({ ...values, [p.name]: p.multiple ? [...el.selectedOptions].map((o) => o.value) : el.value });
                  }}
                >
                  {(p.options ?? []).map((o) => (
                    <option key={String(o)} value={String(o)} selected={values[p.name] !== undefined ? ([] as unknown[]).concat(values[p.name]).map(String).includes(String(o)) : ([] as unknown[]).concat(p.default ?? []).map(String).includes(String(o))}>
                      {String(o)}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  name={p.name}
                  type={(p.type === 'number' ? 'number' : p.type === 'date' ? 'date' : 'text') as 'text'}
                  value={String(values[p.name] ?? (p.type === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(String(p.default ?? '')) ? '' : (p.default ?? '')))}
                  onInput={(e) => setValues({ ...values, [p.name]: (e.target as HTMLInputElement).value })}
                />
              )}
              {p.type === 'date' && p.default !== undefined && !/^\d{4}/.test(String(p.default)) && <span class="note">기본: {String(p.default)}</span>}
            </label>
          ))}
        </form>
      )}
      {cells.map((cell, i) => {
        const result = results[cell.key];
        const inert = !['markdown', 'sql', 'plot'].includes(cell.kind);
        return (
          <div key={cell.key}>
            <section class={`cell ${inert ? 'inert' : cell.kind}`} data-kind={cell.kind} data-index={i}>
              <div class="head">
                <span class="kind">{cell.kind}</span>
                {cell.kind === 'sql' && <input class="name" value={cell.name ?? ''} aria-label="셀 이름" onInput={(e) => update(cell.key, { name: (e.target as HTMLInputElement).value || undefined })} />}
                {cell.attrs?.title && <span>{cell.attrs.title}</span>}
                <span class="spacer" />
                {(cell.kind === 'sql' || cell.kind === 'plot') && (
                  <button class="run" onClick={() => runCell(i)} disabled={!!busy} title="이 셀 실행">
                    {busy === String(cell.key) ? '…' : '▶ 실행'}
                  </button>
                )}
                {cell.kind === 'markdown' && <button onClick={() => setEditing({ ...editing, [cell.key]: !editing[cell.key] })}>{editing[cell.key] ? '완료' : '편집'}</button>}
                <button onClick={() => move(i, -1)} disabled={i === 0} title="위로">
                  ↑
                </button>
                <button onClick={() => move(i, 1)} disabled={i === cells.length - 1} title="아래로">
                  ↓
                </button>
                <button onClick={() => remove(cell.key)} title="삭제">
                  ✕
                </button>
              </div>
              {inert && <div class="inert-note">⚠ 이 셀({cell.kind}{cell.attrs?.from ? `, 원래 ${cell.attrs.from}` : ''})은 kchat에서 실행되지 않습니다. 원본 그대로 보관합니다.</div>}
              <div class="body">
                {cell.kind === 'markdown' ? (
                  editing[cell.key] ? (
                    <textarea value={cell.source} onInput={(e) => update(cell.key, { source: (e.target as HTMLTextAreaElement).value })} />
                  ) : (
                    <div class="md" onDblClick={() => setEditing({ ...editing, [cell.key]: true })} dangerouslySetInnerHTML={{ __html: marked.parse(escapeHtml(cell.source), { async: false }) as string }} />
                  )
                ) : inert ? (
                  <pre class="verbatim">{cell.source}</pre>
                ) : (
                  <CodeEditor value={cell.source} kind={cell.kind} onChange={(v) => update(cell.key, { source: v })} />
                )}
              </div>
              {result && (
                <div class="output">
                  {result.status === 'error' && <p class="error">오류: {result.error}</p>}
                  {result.status === 'ok' && result.columns && (
                    <ResultTable result={result} csvHref={dirty ? undefined : `/api/notebooks/${encodeURIComponent(name)}/cells/${i}.csv${paramQuery(params())}`} />
                  )}
                  {result.status === 'ok' && result.plot && <Chart spec={result.plot} source={byName[result.plot.data]} />}
                </div>
              )}
            </section>
            <div class="add">
              <button onClick={() => add(i, 'sql')}>+ SQL</button>
              <button onClick={() => add(i, 'plot')}>+ 차트</button>
              <button onClick={() => add(i, 'markdown')}>+ 설명</button>
            </div>
          </div>
        );
      })}
      {cells.length === 0 && (
        <div class="add">
          <button onClick={() => add(-1, 'sql')}>+ SQL</button>
          <button onClick={() => add(-1, 'markdown')}>+ 설명</button>
        </div>
      )}
    </main>
  );
}

// prose is Markdown; raw HTML in it is shown as text
function escapeHtml(s: string): string {
  return s.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function route(): { name: string | null; runId: string | null } {
  const parts = location.pathname.split('/').filter(Boolean);
  const name = parts[1] ? decodeURIComponent(parts[1]) : null;
  return { name, runId: new URLSearchParams(location.search).get('run') };
}

function App() {
  const [authed, setAuthed] = useState<boolean | null>(null);
  const [authErr, setAuthErr] = useState<string>('');
  const [where, setWhere] = useState(route());
  useEffect(() => {
    const onPop = () => setWhere(route());
    addEventListener('popstate', onPop);
    if (!localStorage.getItem(TOKEN_KEY)) setAuthed(false);
    else
      api('/api/notebooks').then(
        () => setAuthed(true),
        (e: ApiError) => {
          setAuthErr(e.status === 403 ? '감사자(auditor) 또는 관리자 토큰이 필요합니다.' : e.status === 401 ? '저장된 토큰이 더 이상 유효하지 않습니다.' : e.message);
          setAuthed(false);
        },
      );
    return () => removeEventListener('popstate', onPop);
  }, []);
  const go = (name: string | null) => {
    history.pushState(null, '', name ? `/notebooks/${encodeURIComponent(name)}` : '/notebooks');
    setWhere(route());
  };
  const logout = () => {
    localStorage.removeItem(TOKEN_KEY);
    setAuthed(false);
  };
  return (
    <>
      <header class="top">
        <a href="/notebooks" onClick={(e) => (e.preventDefault(), go(null))}>
          kchat 감사 노트북
        </a>
        <span class="spacer" />
        <a href="/">채팅</a>
        {authed && (
          <button onClick={logout} style="font-size:.8rem">
            로그아웃
          </button>
        )}
      </header>
      {authed === null ? null : !authed ? (
        <Login onDone={() => setAuthed(true)} error={authErr} />
      ) : where.name ? (
        <NotebookView name={where.name} runId={where.runId} back={() => go(null)} />
      ) : (
        <NotebookList open={(n) => go(n)} />
      )}
    </>
  );
}

render(<App />, document.getElementById('app')!);
