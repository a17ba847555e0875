// Browser tests of the local dashboards page (web/dashboard) that Prometheus
// serves in the topology `tierstack up` starts. Run by tests/e2e/run, which
// starts the topology and sets:
//   DASHBOARDS_URL (the URL `up` printed), STORE_URL, ARTIFACTS
// Every panel of every dashboard in deploy/grafana/dashboards must draw a
// chart with data points after some traffic through the load balancer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const DASHBOARDS = process.env.DASHBOARDS_URL ?? 'http://127.0.0.1:9090/user/';
const STORE = (process.env.STORE_URL ?? 'http://127.0.0.1:8080/').replace(/\/$/, '');
const ARTIFACTS = process.env.ARTIFACTS ?? 'e2e-artifacts';
const TIMEOUT = 30_000;
mkdirSync(ARTIFACTS, { recursive: true });

// What the page must show: the generated Grafana dashboards themselves.
const grafanaDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../deploy/grafana/dashboards');
const expected = readdirSync(grafanaDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(path.join(grafanaDir, f), 'utf8')))
  .map((d) => ({ uid: d.uid, title: d.title, panels: d.panels.filter((p) => p.type !== 'row').map((p) => p.title) }));

let browser;
let traffic;
const problems = [];

/** Requests through the load balancer: the product list, a product, and a 404. */
async function oneRound() {
  const paths = ['/api/products/', '/api/products/?page=2', '/api/product/1/', '/api/product/999999/'];
  await Promise.all(paths.map((p) => fetch(`${STORE}${p}`).then((r) => r.arrayBuffer()).catch(() => {})));
}

/**
 * Sends traffic until Prometheus has had a request rate of the store for
 * HISTORY_S seconds, so that every panel has a line of several points (a
 * rate needs two scrapes, a quantile of a rate too).
 */
const HISTORY_S = 20;
async function waitForRates(api) {
  const query = `count_over_time((sum(rate(http_requests_total{app="shop",route="/api/products/"}[10s])) > 0)[${HISTORY_S}s:1s]) >= ${HISTORY_S - 2}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    await oneRound();
    const r = await fetch(`${api}/query?query=${encodeURIComponent(query)}`).then((x) => x.json());
    if (r.data?.result?.length) return;
    await new Promise((res) => setTimeout(res, 1000));
  }
  throw new Error(`Prometheus did not see a request rate of the store for ${HISTORY_S} s`);
}

before(async () => {
  const api = new URL('../api/v1', DASHBOARDS).href;
  await waitForRates(api);
  traffic = setInterval(() => void oneRound(), 500);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  clearInterval(traffic);
  await browser?.close();
});

async function open(query = '') {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  ctx.setDefaultTimeout(TIMEOUT);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  // A refresh cancels the queries of the one it replaces (net::ERR_ABORTED): not a failure.
  page.on('requestfailed', (r) => r.failure()?.errorText !== 'net::ERR_ABORTED' && problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  await page.goto(`${DASHBOARDS}${query}`);
  return page;
}

/** Waits for the page's first complete refresh (every panel queried). */
async function refreshed(page, atLeast = 1) {
  await page.waitForFunction((n) => Number(document.body.dataset.refreshes ?? 0) >= n, atLeast);
}

/** Per panel: state, points, and how many coloured (series) pixels its canvas has. */
function panelReport(page) {
  return page.$$eval('article.panel', (panels) =>
    panels.map((p) => {
      const canvas = p.querySelector('canvas');
      let coloured = 0;
      if (canvas && canvas.width > 0 && canvas.height > 0) {
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        for (let i = 0; i < data.length; i += 4) {
          const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
          if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 40) ++coloured;
        }
      }
      return {
        title: p.dataset.panel,
        state: p.dataset.state,
        points: Number(p.dataset.points ?? 0),
        series: Number(p.dataset.series ?? 0),
        status: p.querySelector('.status')?.textContent ?? '',
        coloured,
        // uPlot's legend has a row for the time axis, then one per series.
        legend: p.querySelectorAll('.u-legend .u-series').length - 1,
      };
    }),
  );
}

describe('dashboards', () => {
  test('the page lists every generated dashboard and opens the first one', async () => {
    const page = await open();
    await refreshed(page);
    const tabs = await page.locator('#tabs a').allInnerTexts();
    assert.equal(tabs.length, expected.length);
    for (const d of expected) assert.ok(tabs.includes(d.title.replace(/^tierstack \/ /, '')), `no tab for ${d.title}`);
    assert.match(page.url(), /[?&]dashboard=tierstack-/);
    await page.context().close();
  });

  for (const d of expected) {
    test(`${d.title}: every panel draws a chart with data`, async () => {
      const page = await open(`?dashboard=${d.uid}&from=15m&refresh=off`);
      await refreshed(page);
      await page.getByRole('heading', { level: 2, name: d.title }).waitFor();
      const report = await panelReport(page);
      await page.screenshot({ path: path.join(ARTIFACTS, `dashboards-${d.uid}.png`), fullPage: true });
      assert.deepEqual(report.map((p) => p.title), d.panels, 'the page draws exactly the dashboard\'s panels, in order');
      for (const p of report) {
        assert.equal(p.state, 'ok', `${p.title}: ${p.state} (${p.status})`);
        assert.ok(p.points > 0 && p.series > 0, `${p.title}: ${p.series} series, ${p.points} points`);
        assert.ok(p.coloured > 50, `${p.title}: the chart has ${p.coloured} coloured pixels`);
        assert.equal(p.legend, p.series, `${p.title}: one legend entry per series`);
      }
    });
  }

  test('the range, a variable and auto-refresh change what is drawn and stay in the URL', async () => {
    const red = expected.find((d) => d.uid === 'tierstack-red');
    const page = await open(`?dashboard=${red.uid}&from=15m&refresh=off`);
    await refreshed(page);
    await page.getByLabel('Range').selectOption('5m');
    await refreshed(page, 2);
    assert.match(page.url(), /from=5m/);
    // Only the store's product list: the route variable's choices follow the app.
    await page.getByLabel('App').selectOption('shop');
    await page.waitForURL(/var-app=shop/);
    await page.getByLabel('Route').selectOption('/api/products/');
    const panel = page.locator('article.panel[data-panel="Requests per second by route"]');
    await page.waitForFunction(() => {
      const p = document.querySelector('article.panel[data-panel="Requests per second by route"]');
      return p?.dataset.state === 'ok' && p.dataset.series === '1' && location.search.includes('var-route=');
    });
    assert.match(page.url(), /var-app=shop/);
    assert.match(await panel.locator('.u-legend .u-series').last().innerText(), /shop \/api\/products\//);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboards-red-one-route.png'), fullPage: true });
    // Auto-refresh queries again without a reload.
    await page.getByLabel('Refresh').selectOption('10s');
    const before = Number(await page.evaluate(() => document.body.dataset.refreshes));
    await refreshed(page, before + 1);
    assert.match(page.url(), /refresh=10s/);
    await page.context().close();
  });

  test('no page errors, console errors or failed requests', () => {
    assert.deepEqual(problems, []);
  });
});
