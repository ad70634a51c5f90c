import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchArgs, fmt, latencySummary, metricList, median, percentile, runBench, spread } from './index.ts';

test('percentile is the nearest rank, always one of the samples', () => {
  const xs = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
  assert.equal(percentile(xs, 50), 5);
  assert.equal(percentile(xs, 99), 10);
  assert.equal(percentile(xs, 90), 9);
  assert.equal(percentile(xs, 0), 1);
  assert.ok(Number.isNaN(percentile([], 50)));
  // 1000 samples 1..1000: p99 is the 990th
  const many = Array.from({ length: 1000 }, (_, i) => 1000 - i);
  assert.equal(percentile(many, 99), 990);
  assert.deepEqual(latencySummary(many), { n: 1000, p50: 500, p99: 990, max: 1000 });
});

test('median and spread of per-round figures ignore rounds that measured nothing', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  const s = spread([12, 10, NaN, 8]);
  assert.deepEqual(s, { median: 10, min: 8, max: 12, relative: 0.4 });
});

test('benchArgs: defaults, --rounds, and the options changed from the defaults', () => {
  const opts = { clients: { type: 'string', default: '200' }, 'gateway-only': { type: 'boolean', default: false } } as const;
  const d = benchArgs('usage', opts, []);
  assert.equal(d.rounds, 3);
  assert.equal(d.values.clients, '200');
  assert.deepEqual(d.changed, []);
  const c = benchArgs('usage', opts, ['--clients', '40', '--gateway-only', '--rounds', '5']);
  assert.equal(c.values.clients, '40');
  assert.equal(c.values['gateway-only'], true);
  assert.equal(c.rounds, 5);
  assert.deepEqual(c.changed, ['--clients 40', '--gateway-only', '--rounds 5']);
});

test('a metric table reads label, unit and decimals from each line, ours first', () => {
  const list = metricList({ info: { loop: 'event-loop delay [ms]' }, baseline: { kafka: '카프카 p99 [ms, 3 digits]' }, ours: { pct: '200 ms 안 응답 [%, 1 digit]', n: '건수' } });
  assert.deepEqual(list, [
    { key: 'pct', label: '200 ms 안 응답', unit: '%', side: 'ours', digits: 1 },
    { key: 'n', label: '건수', unit: '', side: 'ours' },
    { key: 'kafka', label: '카프카 p99', unit: 'ms', side: 'baseline', digits: 3 },
    { key: 'loop', label: 'event-loop delay', unit: 'ms', side: 'info' },
  ]);
});

test('fmt gives each unit its decimals', () => {
  assert.equal(fmt(1234567.8, { unit: 'msgs/s' }), '1,234,568');
  assert.equal(fmt(3.14159, { unit: 'ms' }), '3.14');
  assert.equal(fmt(31.4159, { unit: 'ms' }), '31.4');
  assert.equal(fmt(NaN, { unit: 'ms' }), '–');
});

test('runBench: warm-up not counted, every round measured, medians, spread, load, verdict, JSON line', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-benchlib-'));
  let out = '';
  const progress: string[] = [];
  let warm = 0;
  const perRound = [
    { ours: 30, base: 10 },
    { ours: 10, base: 12 },
    { ours: 20, base: 11 },
  ];
  try {
    const report = await runBench({
      name: 'lib-test',
      title: '테스트 벤치: ours vs baseline',
      args: { rounds: 3, changed: [] },
      params: { clients: 2 },
      metrics: { ours: { ours: 'kchat p99 [ms]' }, baseline: { base: 'Kafka p99 [ms]' } },
      warmup: async () => {
        warm++;
      },
      round: async (i) => perRound[i - 1],
      target: (m) => ({ text: `p99 ≤ 3 × ${m.base} + 10 = ${3 * m.base + 10} ms`, pass: m.ours <= 3 * m.base + 10 }),
      io: { out: (s) => (out += s), err: (s) => progress.push(s), resultsDir: dir },
    });
    assert.equal(warm, 1);
    assert.equal(report.rounds.length, 3);
    assert.deepEqual(report.summary.ours.median, 20);
    assert.deepEqual([report.summary.ours.min, report.summary.ours.max], [10, 30]);
    assert.equal(report.summary.base.median, 11);
    assert.deepEqual(report.target, { text: 'p99 ≤ 3 × 11 + 10 = 43 ms', pass: true });
    assert.equal(report.default_mode, true);
    assert.equal(report.load.start.length, 3);
    // the Markdown report has every round, the median and the spread, the load and the verdict
    assert.match(out, /\| kchat p99 \(ms\) \| ours \| 30\.0 \| 10\.0 \| 20\.0 \| \*\*20\.0\*\* \| 10\.0–30\.0 \(±50 %\) \|/);
    assert.match(out, /load average \(1\/5\/15 min\): start [\d.]+ \/ [\d.]+ \/ [\d.]+, end/);
    assert.match(out, /→ \*\*met\*\*/);
    // the last line is the JSON, identical to the file
    const last = JSON.parse(out.trim().split('\n').at(-1)!);
    assert.deepEqual(last, JSON.parse(fs.readFileSync(path.join(dir, 'lib-test.json'), 'utf8')));
    assert.ok(progress.some((l) => l.startsWith('round 3/3')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('runBench flags a run that is not the default mode', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-benchlib-'));
  let out = '';
  try {
    const report = await runBench({
      name: 'lib-test-quick',
      title: 'quick',
      args: { rounds: 1, changed: ['--rounds 1'] },
      metrics: [{ key: 'x', label: 'x', unit: 'ms' }],
      warmup: async () => undefined,
      round: async () => ({ x: 1 }),
      io: { out: (s) => (out += s), err: () => undefined, resultsDir: dir },
    });
    assert.equal(report.default_mode, false);
    assert.match(report.caveats.join('\n'), /fewer than 3/);
    assert.match(out, /mode: NOT the default/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('runBench rejects when a round fails to report a figure, and cleans up', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-benchlib-'));
  let tornDown = false;
  try {
    await assert.rejects(
      runBench({
        name: 'lib-test-bad',
        title: 'bad',
        args: { rounds: 3, changed: [] },
        metrics: [{ key: 'x', label: 'x', unit: 'ms' }],
        warmup: async () => undefined,
        round: async () => ({}) as { x: number },
        teardown: async () => {
          tornDown = true;
        },
        io: { out: () => undefined, err: () => undefined, resultsDir: dir },
      }),
      /round 1 did not report "x"/,
    );
    assert.ok(tornDown);
    process.exitCode = 0;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
