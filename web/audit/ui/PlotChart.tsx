// An Observable Plot chart (SVG) that fits its box: drawn at the box's width,
// redrawn when the width changes (375 px phones to desktops).
import * as Plot from '@observablehq/plot';
import { useEffect, useRef } from 'preact/hooks';

export function PlotChart({ draw, label }: { draw: (width: number) => Element; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    let width = 0;
    const render = () => {
      const w = Math.floor(el.clientWidth);
      if (w === width || w === 0) return;
      width = w;
      el.replaceChildren(draw(w));
    };
    render();
    const ro = new ResizeObserver(render);
    ro.observe(el);
    return () => ro.disconnect();
  }, [draw]);
  return <figure class="chart" ref={host} role="img" aria-label={label} />;
}

export { Plot };
