// A plot cell drawn in the browser with the same spec → Plot options function the HTML export uses.
import { useEffect, useRef, useState } from 'preact/hooks';
import * as Plot from '@observablehq/plot';
import { plotOptions, rowsToObjects, type PlotLike, type PlotSpec } from '../../../audit/notebook/plot-spec.ts';
import type { CellResult } from '../api.ts';

export function Chart({ spec, source }: { spec: PlotSpec; source?: CellResult }) {
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
