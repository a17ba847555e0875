// The local dashboards page: the Grafana dashboards of deploy/grafana drawn
// from the topology's Prometheus. State lives in the URL
// (?dashboard=<uid>&from=15m&refresh=30s&var-app=shop) so a view can be shared.

import type uPlot from 'uplot';
import { drawChart } from './chart';
import { toColumns } from './columns';
import { fromGrafana, type Dashboard, type GrafanaDashboard, type Panel } from './model';
import { apiBase, labelValues, queryRange, scrapeInterval } from './prometheus';
import { formatDuration, interpolate, legendName, parseDuration, parseLabelValues, rateInterval, regexValue, stepFor } from './promql';
import './style.css';

const files = import.meta.glob<GrafanaDashboard>('../../../deploy/grafana/dashboards/*.json', { eager: true, import: 'default' });
const dashboards: Dashboard[] = Object.values(files)
  .map(fromGrafana)
  .sort((a, b) => a.title.localeCompare(b.title, 'en'));

const RANGES = ['5m', '15m', '30m', '1h', '3h', '6h', '12h', '24h', '2d'];
const REFRESHES = ['off', '10s', '30s', '1m', '5m'];
const CHART_HEIGHT = 200;
const API = apiBase(location.pathname);

const params = new URLSearchParams(location.search);
const current = dashboards.find((d) => d.uid === params.get('dashboard')) ?? dashboards[0];
const state = {
  from: params.get('from') ?? current.from.replace(/^now-/, ''),
  refresh: params.get('refresh') ?? (current.refresh || 'off'),
  vars: new Map<string, string>(), // name → chosen value, '' for All
};
let scrape = 15;

interface PanelView {
  panel: Panel;
  el: HTMLElement;
  chart: HTMLElement;
  status: HTMLElement;
  plot?: uPlot;
}
const views: PanelView[] = [];

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

function syncUrl(): void {
  const p = new URLSearchParams({ dashboard: current.uid, from: state.from, refresh: state.refresh });
  for (const [k, v] of state.vars) if (v) p.set(`var-${k}`, v);
  history.replaceState(null, '', `?${p}`);
}

function renderTabs(): void {
  const nav = document.getElementById('tabs')!;
  for (const d of dashboards) {
    const a = el('a', { href: `?dashboard=${encodeURIComponent(d.uid)}&from=${encodeURIComponent(state.from)}` }, d.title.replace(/^tierstack \/ /, ''));
    if (d === current) a.setAttribute('aria-current', 'page');
    nav.append(a);
  }
}

function select(label: string, id: string, options: [string, string][], value: string, onChange: (v: string) => void): HTMLElement {
  const wrap = el('label', { for: id }, label);
  const s = el('select', { id, name: id });
  for (const [v, text] of options) s.append(el('option', { value: v }, text));
  s.value = options.some(([v]) => v === value) ? value : options[0][0];
  s.addEventListener('change', () => onChange(s.value));
  wrap.append(s);
  return wrap;
}

function timeWindow(widthPx: number): { start: number; end: number; step: number } {
  const range = parseDuration(state.from) || 3600;
  const step = stepFor(range, widthPx, scrape);
  const end = Math.floor(Date.now() / 1000 / step) * step;
  return { start: end - Math.ceil(range / step) * step, end, step };
}

/** The value of each variable as it goes into a query (All → the variable's all-value). */
function varValues(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of current.variables) {
    const chosen = state.vars.get(v.name) ?? '';
    out[v.name] = regexValue(chosen ? [chosen] : 'all', v.allValue);
  }
  return out;
}

/** Fills the variable selects, each from label_values() under the variables before it. */
async function renderVariables(form: HTMLElement): Promise<void> {
  form.querySelectorAll('.variable').forEach((n) => n.remove());
  const { start, end } = timeWindow(600);
  for (const v of current.variables) {
    const q = parseLabelValues(v.query);
    let values: string[] = [];
    if (q) {
      try {
        values = await labelValues(API, q.label, interpolate(q.selector, varValues()), start, end);
      } catch (e) {
        console.error(`variable ${v.name}:`, e);
      }
    }
    const chosen = state.vars.get(v.name) ?? params.get(`var-${v.name}`) ?? '';
    state.vars.set(v.name, values.includes(chosen) ? chosen : '');
    const options: [string, string][] = [...(v.includeAll || values.length === 0 ? [['', 'All'] as [string, string]] : []), ...values.map((x): [string, string] => [x, x])];
    const node = select(v.label, `var-${v.name}`, options, state.vars.get(v.name) ?? '', async (value) => {
      state.vars.set(v.name, value);
      await renderVariables(form);
      syncUrl();
      void refreshAll();
    });
    node.classList.add('variable');
    form.append(node);
  }
}

function renderDashboard(): void {
  const main = document.getElementById('dashboard')!;
  main.append(el('h2', {}, current.title));
  if (current.description) main.append(el('p', { class: 'description' }, current.description));
  for (const row of current.rows) {
    const section = el('section', { class: 'row' });
    if (row.title) section.append(el('h3', {}, row.title));
    const grid = el('div', { class: 'grid' });
    for (const panel of row.panels) {
      const box = el('article', { class: 'panel', 'data-panel': panel.title, 'data-state': 'loading', style: `--w: ${panel.width}` });
      const h = el('h4', { title: panel.description }, panel.title);
      const chart = el('div', { class: 'chart' });
      const status = el('p', { class: 'status', role: 'status' }, 'Loading…');
      box.append(h, chart, status);
      grid.append(box);
      views.push({ panel, el: box, chart, status });
    }
    section.append(grid);
    main.append(section);
  }
  new ResizeObserver(() => {
    for (const v of views) v.plot?.setSize({ width: v.chart.clientWidth, height: CHART_HEIGHT });
  }).observe(main);
}

async function refreshPanel(v: PanelView, signal: AbortSignal): Promise<void> {
  const width = v.chart.clientWidth || 400;
  const { start, end, step } = timeWindow(width);
  const vars = { ...varValues(), __rate_interval: formatDuration(rateInterval(step, scrape)), __interval: formatDuration(step) };
  try {
    const results = await Promise.all(v.panel.targets.map((t) => queryRange(API, interpolate(t.expr, vars), start, end, step, signal)));
    const named = results.flatMap((series, i) => series.map((s) => ({ name: legendName(v.panel.targets[i].legend, s.labels), values: s.values })));
    const cols = toColumns(named, start, end, step);
    v.plot?.destroy();
    v.plot = undefined;
    v.el.dataset.series = String(named.length);
    v.el.dataset.points = String(cols.points);
    if (cols.points === 0) {
      v.el.dataset.state = 'empty';
      v.status.textContent = 'No data';
      return;
    }
    v.plot = drawChart(v.chart, { unit: v.panel.unit, min: v.panel.min, max: v.panel.max, names: named.map((n) => n.name) }, cols, width, CHART_HEIGHT);
    v.el.dataset.state = 'ok';
    v.status.textContent = '';
  } catch (e) {
    if (signal.aborted) return;
    v.el.dataset.state = 'error';
    v.status.textContent = `Query failed: ${e instanceof Error ? e.message : String(e)}`;
  }
}

let inflight: AbortController | undefined;
let refreshes = 0;
async function refreshAll(): Promise<void> {
  inflight?.abort();
  const ctl = new AbortController();
  inflight = ctl;
  await Promise.all(views.map((v) => refreshPanel(v, ctl.signal)));
  if (ctl.signal.aborted) return;
  document.body.dataset.refreshes = String(++refreshes);
  document.getElementById('updated')!.textContent = `updated ${new Date().toLocaleTimeString()}`;
}

let timer: number | undefined;
function schedule(): void {
  clearInterval(timer);
  const s = parseDuration(state.refresh);
  if (Number.isFinite(s) && s > 0) timer = window.setInterval(() => void refreshAll(), s * 1000);
}

async function main(): Promise<void> {
  document.title = `${current.title} · tierstack dashboards`;
  renderTabs();
  const form = document.getElementById('controls')!;
  form.addEventListener('submit', (e) => e.preventDefault());
  form.append(
    select('Range', 'range', RANGES.map((r) => [r, `last ${r}`]), state.from, (v) => {
      state.from = v;
      syncUrl();
      void refreshAll();
    }),
    select('Refresh', 'refresh', REFRESHES.map((r) => [r, r === 'off' ? 'off' : `every ${r}`]), state.refresh, (v) => {
      state.refresh = v;
      syncUrl();
      schedule();
    }),
    el('span', { id: 'updated', class: 'updated' }),
  );
  renderDashboard();
  try {
    scrape = await scrapeInterval(API);
  } catch (e) {
    console.error('scrape interval:', e);
  }
  await renderVariables(form);
  syncUrl();
  await refreshAll();
  schedule();
}

void main();
