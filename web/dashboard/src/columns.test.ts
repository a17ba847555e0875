import { expect, test } from 'vitest';
import { hasIsolated, toColumns } from './columns';

test('series are aligned on the steps; missing and NaN values are gaps', () => {
  const cols = toColumns(
    [
      { name: 'a', values: [[100, '1'], [110, '2'], [120, '3']] },
      { name: 'b', values: [[110, 'NaN'], [120, '0']] },
    ],
    100,
    120,
    10,
  );
  expect(cols.xs).toEqual([100, 110, 120]);
  expect(cols.ys).toEqual([[1, 2, 3], [null, null, 0]]);
  expect(cols.points).toBe(4);
});

test('steps before the first value of any series are left out', () => {
  const cols = toColumns([{ name: 'a', values: [[130, '5'], [140, '6']] }], 100, 140, 10);
  expect(cols.xs).toEqual([130, 140]);
  expect(cols.ys).toEqual([[5, 6]]);
});

test('no values: every step, no points', () => {
  const cols = toColumns([], 100, 120, 10);
  expect(cols.xs).toEqual([100, 110, 120]);
  expect(cols.points).toBe(0);
});

test('a value between gaps (or alone) is isolated; a run of two is a line', () => {
  expect(hasIsolated([5])).toBe(true);
  expect(hasIsolated([null, 5, null, 6, 7])).toBe(true);
  expect(hasIsolated([5, 6, null, 7, 8])).toBe(false);
  expect(hasIsolated([null, null])).toBe(false);
});
