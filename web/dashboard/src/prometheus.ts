// The Prometheus HTTP API (/api/v1/) of the Prometheus that serves this page.

import { parseDuration } from './promql';

export interface Series {
  labels: Record<string, string>;
  values: [number, string][]; // [unix seconds, value]
}

/**
 * The API root: the page is at <prometheus>/user/ (Prometheus's
 * --web.user-assets), or at / under `npm run dev`, which proxies /api/v1/.
 */
export function apiBase(pathname: string): string {
  const i = pathname.indexOf('/user/');
  return `${i >= 0 ? pathname.slice(0, i) : ''}/api/v1`;
}

export class PrometheusError extends Error {}

async function get<T>(base: string, path: string, params: URLSearchParams, signal?: AbortSignal): Promise<T> {
  const res = await fetch(`${base}${path}?${params}`, { signal, headers: { Accept: 'application/json' } });
  let body: { status?: string; data?: T; error?: string } = {};
  try {
    body = await res.json();
  } catch {
    throw new PrometheusError(`${path}: HTTP ${res.status} (not JSON)`);
  }
  if (!res.ok || body.status !== 'success') throw new PrometheusError(body.error ?? `${path}: HTTP ${res.status}`);
  return body.data as T;
}

export async function queryRange(base: string, query: string, start: number, end: number, step: number, signal?: AbortSignal): Promise<Series[]> {
  const params = new URLSearchParams({ query, start: String(start), end: String(end), step: String(step) });
  const data = await get<{ resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] }>(base, '/query_range', params, signal);
  if (data.resultType !== 'matrix') throw new PrometheusError(`query_range returned ${data.resultType}`);
  return data.result.map((r) => ({ labels: r.metric, values: r.values }));
}

export async function labelValues(base: string, label: string, selector: string, start: number, end: number): Promise<string[]> {
  const params = new URLSearchParams({ start: String(start), end: String(end) });
  if (selector) params.append('match[]', selector);
  const values = await get<string[]>(base, `/label/${encodeURIComponent(label)}/values`, params);
  return [...values].sort();
}

/** The global scrape interval of the running configuration, in seconds. */
export async function scrapeInterval(base: string): Promise<number> {
  const data = await get<{ yaml: string }>(base, '/status/config', new URLSearchParams());
  return globalScrapeInterval(data.yaml);
}

/** scrape_interval of the global: section of a prometheus.yml (15 s, Prometheus's default, when unset). */
export function globalScrapeInterval(yaml: string): number {
  const m = yaml.match(/^global:\n(?:[ \t]+.*\n)*?[ \t]+scrape_interval:\s*(\S+)/m);
  const s = m ? parseDuration(m[1]) : NaN;
  return Number.isFinite(s) && s > 0 ? s : 15;
}
