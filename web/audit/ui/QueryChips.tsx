// Filter chips under the search box. Every chip edits the query text (the
// one query language): the operators in the query are shown as chips with ×,
// and the pickers add or replace in:#채널, from:사람, dates and type:.
import { EVENT_TYPES } from '../../../core/protocol.ts';
import type { SearchResult } from '../api.ts';
import { chipLabel, dateRange, tokens, TYPE_LABEL, withDateRange, withOperator, withoutToken } from '../query.ts';

export function QueryChips({ q, facets, onChange }: { q: string; facets: SearchResult['facets'] | null; onChange: (q: string) => void }) {
  const ts = tokens(q);
  const range = dateRange(q);
  const pick = (e: Event) => (e.target as HTMLSelectElement).value;
  return (
    <div class="chips" aria-label="검색 조건">
      {ts.map((t, i) =>
        t.op ? (
          <span class="chip active" key={`${i}-${t.raw}`} data-op={t.op}>
            {chipLabel(t)}
            <button type="button" aria-label={`${chipLabel(t)} 조건 빼기`} onClick={() => onChange(withoutToken(q, i))}>
              ×
            </button>
          </span>
        ) : null,
      )}
      <label class="chip picker">
        <span>채널</span>
        <select value="" onChange={(e) => pick(e) && onChange(withOperator(q, 'in', `#${pick(e)}`))}>
          <option value="">선택…</option>
          {(facets?.channels ?? []).map((f) => (
            <option key={f.value} value={f.value}>
              #{f.value} ({f.count})
            </option>
          ))}
        </select>
      </label>
      <label class="chip picker">
        <span>사람</span>
        <select value="" onChange={(e) => pick(e) && onChange(withOperator(q, 'from', pick(e)))}>
          <option value="">선택…</option>
          {(facets?.users ?? []).map((f) => (
            <option key={f.value} value={f.value}>
              {f.value} ({f.count})
            </option>
          ))}
        </select>
      </label>
      <label class="chip picker">
        <span>종류</span>
        <select value="" onChange={(e) => pick(e) && onChange(withOperator(q, 'type', pick(e)))}>
          <option value="">선택…</option>
          {EVENT_TYPES.map((t) => (
            <option key={t} value={t}>
              {TYPE_LABEL[t] ?? t}
            </option>
          ))}
        </select>
      </label>
      <span class="chip picker dates">
        <label>
          <span>시작일</span>
          <input type="date" value={range.from} onChange={(e) => onChange(withDateRange(q, (e.target as HTMLInputElement).value, range.to))} />
        </label>
        <label>
          <span>종료일</span>
          <input type="date" value={range.to} onChange={(e) => onChange(withDateRange(q, range.from, (e.target as HTMLInputElement).value))} />
        </label>
      </span>
    </div>
  );
}
