import { expect, test } from 'vitest';
import { apiBase, globalScrapeInterval } from './prometheus';

test('the API is beside /user/, where Prometheus serves the page', () => {
  expect(apiBase('/user/')).toBe('/api/v1');
  expect(apiBase('/user/index.html')).toBe('/api/v1');
  expect(apiBase('/prometheus/user/')).toBe('/prometheus/api/v1');
  expect(apiBase('/')).toBe('/api/v1'); // npm run dev
});

test('the global scrape interval, not a job\'s', () => {
  const yaml = 'global:\n  scrape_interval: 5s\n  scrape_timeout: 5s\nscrape_configs:\n- job_name: shop\n  scrape_interval: 1m\n';
  expect(globalScrapeInterval(yaml)).toBe(5);
  expect(globalScrapeInterval('global:\n  evaluation_interval: 1m\nscrape_configs:\n- job_name: x\n  scrape_interval: 1m\n')).toBe(15);
  expect(globalScrapeInterval('global:\n  scrape_interval: 2m30s\n')).toBe(150);
});
