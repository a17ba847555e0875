// Prometheus range results as the columns uPlot draws.

import type { Series } from './prometheus';

export interface Named {
  name: string;
  values: Series['values'];
}

export interface Columns {
  xs: number[];
  ys: (number | null)[][];
  points: number; // finite values over all series
}

/**
 * Aligns series on the query's steps (start, start + step, … ≤ end): a step a
 * series has no value for, or whose value is NaN (a quantile of no requests),
 * is a gap. Steps before the first value of any series are left out, so a
 * young Prometheus's few minutes fill the chart instead of its right edge.
 */
export function toColumns(series: Named[], start: number, end: number, step: number): Columns {
  const xs: number[] = [];
  for (let t = start; t <= end + 1e-9; t += step) xs.push(t);
  const index = new Map(xs.map((t, i) => [Math.round(t * 1000), i]));
  let points = 0;
  const ys = series.map((s) => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    for (const [t, v] of s.values) {
      const i = index.get(Math.round(t * 1000));
      const n = Number(v);
      if (i === undefined || !Number.isFinite(n)) continue;
      col[i] = n;
      ++points;
    }
    return col;
  });
  let first = xs.length;
  for (const col of ys) {
    const i = col.findIndex((v) => v !== null);
    if (i >= 0) first = Math.min(first, i);
  }
  if (first === xs.length) first = 0;
  return { xs: xs.slice(first), ys: ys.map((c) => c.slice(first)), points };
}

/** Whether a value has no value on either side: a line would not show it, a point does. */
export function hasIsolated(col: (number | null)[]): boolean {
  return col.some((v, i) => v !== null && (col[i - 1] ?? null) === null && (col[i + 1] ?? null) === null);
}
