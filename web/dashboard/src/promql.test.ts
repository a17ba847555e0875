import { describe, expect, test } from 'vitest';
import { formatDuration, interpolate, legendName, parseDuration, parseLabelValues, rateInterval, regexValue, stepFor } from './promql';

describe('durations', () => {
  test('parse Prometheus durations, NaN for anything else', () => {
    expect(parseDuration('15s')).toBe(15);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('2d')).toBe(172800);
    expect(parseDuration('500ms')).toBe(0.5);
    expect(parseDuration('now-6h')).toBeNaN();
    expect(parseDuration('5 m')).toBeNaN();
    expect(parseDuration('')).toBeNaN();
  });
  test('format in the largest whole unit', () => {
    expect(formatDuration(90)).toBe('90s');
    expect(formatDuration(120)).toBe('2m');
    expect(formatDuration(7200)).toBe('2h');
    expect(formatDuration(0.2)).toBe('1s');
  });
});

describe('step and $__rate_interval', () => {
  test('step: one point per two pixels, never below the scrape interval', () => {
    expect(stepFor(3600, 600, 5)).toBe(12);
    expect(stepFor(300, 600, 5)).toBe(5);
    expect(stepFor(86400, 20, 15)).toBe(1728); // at least 50 points
  });
  test('rate interval is four scrapes or a step plus a scrape, whichever is longer', () => {
    expect(rateInterval(5, 5)).toBe(20);
    expect(rateInterval(60, 5)).toBe(65);
  });
});

describe('variables', () => {
  test('All is the all-value; chosen values are escaped for a PromQL regex string', () => {
    expect(regexValue('all', '.*')).toBe('.*');
    expect(regexValue(['shop'], '.*')).toBe('shop');
    expect(regexValue(['/api/products/{id}'], '.*')).toBe('/api/products/\\\\{id\\\\}');
    expect(regexValue(['a.b', 'c'], '.*')).toBe('(a\\\\.b|c)');
  });
  test('interpolate replaces known $name and ${name}, leaves the rest', () => {
    const vars = { app: 'shop', route: '.*', __rate_interval: '20s' };
    expect(interpolate('rate(x{app=~"$app",route=~"${route}"}[$__rate_interval])', vars)).toBe('rate(x{app=~"shop",route=~".*"}[20s])');
    expect(interpolate('x{a=~"$apps"} $unknown', vars)).toBe('x{a=~"$apps"} $unknown');
  });
  test('label_values queries with and without a selector', () => {
    expect(parseLabelValues('label_values(http_requests_total{app=~"$app"}, route)')).toEqual({ selector: 'http_requests_total{app=~"$app"}', label: 'route' });
    expect(parseLabelValues('label_values(instance)')).toEqual({ selector: '', label: 'instance' });
    expect(parseLabelValues('query_result(up)')).toBeNull();
  });
});

describe('legends', () => {
  test('{{label}} is the series label; missing labels are empty', () => {
    expect(legendName('{{app}} {{route}}', { app: 'shop', route: '/api/' })).toBe('shop /api/');
    expect(legendName('{{app}} {{ status }}', { app: 'shop', status: '200' })).toBe('shop 200');
    expect(legendName('{{instance}} {{device}}', { instance: 'local' })).toBe('local');
  });
  test('without a format, the series selector', () => {
    expect(legendName('', { __name__: 'up', app: 'shop' })).toBe('up{app="shop"}');
  });
});
