// The notebook's recent runs (web, CLI, schedule), newest first: each opens
// its results (/notebooks/<name>?run=<id>). Times in Seoul with the date.
import { formatFull } from '../../chat/format.ts';

export interface RunRow {
  id: string;
  trigger: string;
  run_by: string | null;
  status: string;
  cells: number;
  errors: number;
  /** an instant (ISO 8601) */
  started_at: string;
  finished_at: string | null;
}

const TRIGGER: Record<string, string> = { web: '웹', cli: 'CLI', api: 'API', schedule: '일정' };

export function RunHistory({ name, runs, current }: { name: string; runs: RunRow[]; current: string | null }) {
  return (
    <details class="panel run-history">
      <summary>실행 기록 ({runs.length})</summary>
      {runs.length === 0 ? (
        <p class="note">아직 실행한 적이 없습니다.</p>
      ) : (
        <ol class="runs">
          {runs.map((r) => (
            <li key={r.id} aria-current={r.id === current ? 'true' : undefined} data-run={r.id}>
              <a href={`/notebooks/${encodeURIComponent(name)}?run=${encodeURIComponent(r.id)}`}>
                <time dateTime={r.started_at}>{formatFull(Date.parse(r.started_at))}</time>
              </a>
              <span class="note">{TRIGGER[r.trigger] ?? r.trigger}</span>
              <span class={r.status === 'ok' ? 'status-ok' : 'status-error'}>{r.status === 'ok' ? '완료' : `오류 ${r.errors}개`}</span>
              {r.id === current && <span class="note">(지금 보는 결과)</span>}
            </li>
          ))}
        </ol>
      )}
    </details>
  );
}
