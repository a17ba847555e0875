import { expect, test } from 'vitest';
import { formatValue } from './units';

test('Grafana units the dashboards use', () => {
  expect(formatValue(0.256, 'percentunit')).toBe('25.6%');
  expect(formatValue(0.00042, 's')).toBe('420 µs');
  expect(formatValue(0.0123, 's')).toBe('12.3 ms');
  expect(formatValue(0, 's')).toBe('0 s');
  expect(formatValue(93, 's')).toBe('1.55 min');
  expect(formatValue(52428800, 'bytes')).toBe('50 MiB');
  expect(formatValue(1500, 'Bps')).toBe('1.5 kB/s');
  expect(formatValue(12.5, 'reqps')).toBe('12.5 req/s');
  expect(formatValue(2500, 'reqps')).toBe('2.5 K req/s');
  expect(formatValue(0.5, 'pps')).toBe('0.5 p/s');
  expect(formatValue(1234567, 'short')).toBe('1.23 M');
  expect(formatValue(3, 'short')).toBe('3');
});

test('no value, NaN and infinities', () => {
  expect(formatValue(null, 'short')).toBe('–');
  expect(formatValue(NaN, 's')).toBe('–');
  expect(formatValue(Infinity, 's')).toBe('+Inf');
});
