// A cell's rows: sortable, paged, and the CSV download of every row.
import { useMemo, useState } from 'preact/hooks';
import { token, type CellResult } from '../api.ts';

const PAGE = 50;

export function ResultTable({ result, csvHref }: { result: CellResult; csvHref?: string }) {
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
    const res = await fetch(csvHref, { headers: { authorization: `Bearer ${token()}` } });
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
