// The parameter form of a notebook: values go to the server as SQL parameters, never pasted into SQL.
import type { NotebookParam } from '../../../audit/notebook/types.ts';

export interface ParamsFormProps {
  params: NotebookParam[];
  values: Record<string, unknown>;
  setValues: (values: Record<string, unknown>) => void;
  onSubmit: () => void;
}

export function ParamsForm({ params, values, setValues, onSubmit }: ParamsFormProps) {
  if (params.length === 0) return null;
  return (
    <form class="params" onSubmit={(e) => (e.preventDefault(), onSubmit())}>
      {params.map((p) => (
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
          {p.type === 'date' && values[p.name] === undefined && p.default !== undefined && !/^\d{4}/.test(String(p.default)) && <span class="note">기본: {String(p.default)}</span>}
        </label>
      ))}
    </form>
  );
}
