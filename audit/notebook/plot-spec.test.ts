// Bar charts of named categories are ranked by value (largest first) unless a cell asks otherwise;
// hours, numbers and dates keep their own order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderPlotSvg } from './render.ts';
import { validatePlotSpec } from './plot-spec.ts';

/** The tick labels of the chart's axes, in drawing order. */
const ticks = (svg: string) => [...svg.matchAll(/<text[^>]*>(?:<tspan[^>]*>)?([^<]+)</g)].map((m) => m[1]);

const channels = { columns: ['channel', 'messages'], types: ['VARCHAR', 'BIGINT'], rows: [['개발', 3], ['공지', 12], ['잡담', 7]] };

test('bars over names are sorted by value, largest first, by default', () => {
  const barX = renderPlotSvg(validatePlotSpec({ data: 'q', marks: [{ type: 'barX', y: 'channel', x: 'messages' }] }), channels);
  const order = ticks(barX).filter((t) => ['개발', '공지', '잡담'].includes(t));
  assert.deepEqual(order, ['공지', '잡담', '개발']);
  const barY = renderPlotSvg(validatePlotSpec({ data: 'q', marks: [{ type: 'barY', x: 'channel', y: 'messages' }] }), channels);
  assert.deepEqual(ticks(barY).filter((t) => ['개발', '공지', '잡담'].includes(t)), ['공지', '잡담', '개발']);
});

test('sort: data keeps the rows\' order; hours keep theirs; a bad sort is named', () => {
  const asRows = renderPlotSvg(validatePlotSpec({ data: 'q', marks: [{ type: 'barX', y: 'channel', x: 'messages', sort: 'data' }] }), channels);
  assert.deepEqual(ticks(asRows).filter((t) => ['개발', '공지', '잡담'].includes(t)), ['개발', '공지', '잡담']);
  const hours = { columns: ['hour', 'n'], types: ['VARCHAR', 'BIGINT'], rows: [['09', 1], ['10', 9], ['11', 4]] };
  const byHour = renderPlotSvg(validatePlotSpec({ data: 'q', marks: [{ type: 'barY', x: 'hour', y: 'n' }] }), hours);
  assert.deepEqual(ticks(byHour).filter((t) => ['09', '10', '11'].includes(t)), ['09', '10', '11']);
  assert.throws(() => validatePlotSpec({ data: 'q', marks: [{ type: 'barX', y: 'channel', x: 'messages', sort: 'biggest' }] }), /sort must be value .* or data/);
});
