// One panel's chart (uPlot).

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { hasIsolated, type Columns } from './columns';
import { formatValue } from './units';

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export interface ChartSpec {
  unit: string;
  min?: number;
  max?: number;
  names: string[];
}

export function drawChart(el: HTMLElement, spec: ChartSpec, cols: Columns, width: number, height: number): uPlot {
  const fmt = (_: uPlot, v: number | null) => formatValue(v, spec.unit);
  const opts: uPlot.Options = {
    width,
    height,
    legend: { live: true },
    cursor: { sync: { key: 'tierstack' } },
    scales: {
      // A single instant is drawn in the minute before it, not across years.
      x: { time: true, range: (_u, lo, hi) => (lo === hi ? [lo - 60, hi] : [lo, hi]) },
      y: {
        // The panel's fixed min/max where it has them (0–100 % for a ratio).
        // A flat line v is drawn in 0…2v (0 in 0…1).
        range: (_u, lo, hi) => {
          const flat = lo !== hi ? null : lo >= 0 ? [0, 2 * lo || 1] : [2 * lo, 0];
          const [autoLo, autoHi] = flat ?? uPlot.rangeNum(lo, hi, 0.1, true);
          const a = spec.min ?? autoLo ?? 0;
          const b = spec.max ?? autoHi ?? a + 1;
          return [a, b > a ? b : a + 1];
        },
      },
    },
    axes: [{}, { values: (u, ticks) => ticks.map((t) => fmt(u, t)), size: 70 }],
    series: [
      {},
      ...spec.names.map((name, i) => ({
        label: name,
        stroke: PALETTE[i % PALETTE.length],
        fill: `${PALETTE[i % PALETTE.length]}1a`,
        width: 1,
        points: { show: hasIsolated(cols.ys[i]), size: 5 },
        spanGaps: false,
        value: fmt,
      })),
    ],
  };
  return new uPlot(opts, [cols.xs, ...cols.ys] as uPlot.AlignedData, el);
}
