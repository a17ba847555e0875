#!/usr/bin/env node
// Writes the provisioned dashboards (dashboards/*.json) from the compact
// descriptions below, so that every panel has the same shape and the JSON
// stays reviewable as code. Run after editing: node deploy/grafana/build-dashboards.mjs
// tests/policy checks that the committed JSON matches this script's output.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), "dashboards");
const DS = { type: "prometheus", uid: "prometheus" };
const R = "$__rate_interval";
const APP = 'app=~"$app"';
const SEL = `${APP},route=~"$route"`;
const NODE = 'instance=~"$instance"';
const DISKS = 'fstype!~"tmpfs|ramfs|squashfs|overlay|nsfs"';

function variable(name, label, query, { all = true } = {}) {
  return {
    name,
    label,
    type: "query",
    datasource: DS,
    definition: query,
    query: { query, refId: `${name}-query` },
    refresh: 2,
    sort: 1,
    includeAll: all,
    multi: all,
    allValue: all ? ".*" : undefined,
    current: all ? { selected: true, text: ["All"], value: ["$__all"] } : {},
  };
}

// The share of a route's requests answered with the given status class. A
// route that served requests but none of that class shows 0, not "no data"
// (the counter of a status appears only with its first response).
function statusRatio(status) {
  const all = `sum by (app, route) (rate(http_requests_total{${SEL}}[${R}]))`;
  const some = `sum by (app, route) (rate(http_requests_total{${SEL},status=~"${status}"}[${R}]))`;
  return `(${some} or 0 * ${all}) / ${all}`;
}

// A dashboard is a list of rows; a row is [title, panels]; a panel is
// { title, unit, targets: [[expr, legend]], w } laid out left to right.
function dashboard({ uid, title, description, tags, variables, rows }) {
  const panels = [];
  let id = 1;
  let y = 0;
  for (const [rowTitle, rowPanels] of rows) {
    panels.push({ id: id++, type: "row", title: rowTitle, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    for (const p of rowPanels) {
      const w = p.w ?? 12;
      if (x + w > 24) { x = 0; y += 8; }
      panels.push({
        id: id++,
        type: "timeseries",
        title: p.title,
        description: p.description ?? "",
        datasource: DS,
        gridPos: { h: 8, w, x, y },
        fieldConfig: {
          defaults: {
            unit: p.unit ?? "short",
            min: p.min,
            max: p.max,
            custom: { drawStyle: "line", lineWidth: 1, fillOpacity: 10, showPoints: "never", spanNulls: false },
          },
          overrides: [],
        },
        options: { legend: { displayMode: "table", placement: "bottom", showLegend: true, calcs: ["mean", "max"] }, tooltip: { mode: "multi", sort: "desc" } },
        targets: p.targets.map(([expr, legendFormat], i) => ({ refId: String.fromCharCode(65 + i), datasource: DS, expr, legendFormat, range: true })),
      });
      x += w;
    }
    y += 8;
  }
  return {
    uid,
    title,
    description,
    tags: ["tierstack", ...tags],
    editable: false,
    graphTooltip: 1,
    timezone: "browser",
    schemaVersion: 39,
    version: 1,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    annotations: { list: [] },
    links: [],
    templating: { list: variables },
    panels,
  };
}

const red = dashboard({
  uid: "tierstack-red",
  title: "tierstack / RED per app and route",
  description: "Rate, errors and duration of every app, per route template.",
  tags: ["red", "apps"],
  variables: [
    variable("app", "App", "label_values(http_requests_total, app)"),
    variable("route", "Route", `label_values(http_requests_total{${APP}}, route)`),
  ],
  rows: [
    ["Rate", [
      { title: "Requests per second by route", unit: "reqps", targets: [[`sum by (app, route) (rate(http_requests_total{${SEL}}[${R}]))`, "{{app}} {{route}}"]] },
      { title: "Requests per second by status", unit: "reqps", targets: [[`sum by (app, status) (rate(http_requests_total{${SEL}}[${R}]))`, "{{app}} {{status}}"]] },
    ]],
    ["Errors", [
      { title: "5xx ratio by route", unit: "percentunit", min: 0, targets: [[statusRatio("5.."), "{{app}} {{route}}"]] },
      { title: "4xx ratio by route", unit: "percentunit", min: 0, targets: [[statusRatio("4.."), "{{app}} {{route}}"]] },
    ]],
    ["Duration", [
      { title: "p50 latency by route", unit: "s", w: 8, targets: [[`histogram_quantile(0.5, sum by (app, route, le) (rate(http_request_duration_seconds_bucket{${SEL}}[${R}])))`, "{{app}} {{route}}"]] },
      { title: "p99 latency by route", unit: "s", w: 8, targets: [[`histogram_quantile(0.99, sum by (app, route, le) (rate(http_request_duration_seconds_bucket{${SEL}}[${R}])))`, "{{app}} {{route}}"]] },
      { title: "Mean latency by route", unit: "s", w: 8, targets: [[`sum by (app, route) (rate(http_request_duration_seconds_sum{${SEL}}[${R}])) / sum by (app, route) (rate(http_request_duration_seconds_count{${SEL}}[${R}]))`, "{{app}} {{route}}"]] },
    ]],
    ["Saturation and availability", [
      { title: "Requests in flight by instance", unit: "short", targets: [[`sum by (app, instance) (http_requests_in_flight{${APP}})`, "{{app}} {{instance}}"]] },
      { title: "Targets up", unit: "short", min: 0, targets: [[`sum by (app) (up{${APP}})`, "{{app}} up"], [`count by (app) (up{${APP}})`, "{{app}} expected"]] },
    ]],
  ],
});

const internals = dashboard({
  uid: "tierstack-app-internals",
  title: "tierstack / database pool and process",
  description: "Connection pool and process resources of every app instance.",
  tags: ["database", "apps"],
  variables: [variable("app", "App", "label_values(db_pool_max_connections, app)")],
  rows: [
    ["Database pool", [
      { title: "Connections by state", unit: "short", w: 8, targets: [[`sum by (app, instance, state) (db_pool_connections{${APP}})`, "{{app}} {{instance}} {{state}}"], [`sum by (app, instance) (db_pool_max_connections{${APP}})`, "{{app}} {{instance}} max"]] },
      { title: "Pool utilisation", unit: "percentunit", min: 0, max: 1, w: 8, targets: [[`sum by (app, instance) (db_pool_connections{${APP},state="in_use"}) / sum by (app, instance) (db_pool_max_connections{${APP}})`, "{{app}} {{instance}}"]] },
      { title: "Requests waiting for a connection", unit: "short", w: 8, targets: [[`sum by (app, instance) (db_pool_waiting{${APP}})`, "{{app}} {{instance}}"]] },
    ]],
    ["Process", [
      { title: "Resident memory", unit: "bytes", w: 6, targets: [[`process_resident_memory_bytes{${APP}}`, "{{app}} {{instance}}"]] },
      { title: "CPU", unit: "percentunit", w: 6, targets: [[`rate(process_cpu_seconds_total{${APP}}[${R}])`, "{{app}} {{instance}}"]] },
      { title: "Open file descriptors", unit: "short", w: 6, targets: [[`process_open_fds{${APP}}`, "{{app}} {{instance}}"]] },
      { title: "Uptime", unit: "s", w: 6, targets: [[`time() - process_start_time_seconds{${APP}}`, "{{app}} {{instance}}"]] },
    ]],
  ],
});

const hosts = dashboard({
  uid: "tierstack-hosts",
  title: "tierstack / USE per host",
  description: "Utilisation, saturation and errors of CPU, memory, disk and network on every host (node exporter).",
  tags: ["use", "hosts"],
  variables: [variable("instance", "Host", "label_values(node_uname_info, instance)")],
  rows: [
    ["CPU", [
      { title: "CPU utilisation", unit: "percentunit", min: 0, max: 1, targets: [[`1 - avg by (instance) (rate(node_cpu_seconds_total{${NODE},mode="idle"}[${R}]))`, "{{instance}}"]] },
      { title: "CPU saturation (load per core)", unit: "short", targets: [[`node_load1{${NODE}} / on (instance) count by (instance) (node_cpu_seconds_total{${NODE},mode="idle"})`, "{{instance}}"]] },
    ]],
    ["Memory", [
      { title: "Memory utilisation", unit: "percentunit", min: 0, max: 1, targets: [[`1 - node_memory_MemAvailable_bytes{${NODE}} / node_memory_MemTotal_bytes{${NODE}}`, "{{instance}}"]] },
      { title: "Memory saturation (major page faults)", unit: "short", targets: [[`rate(node_vmstat_pgmajfault{${NODE}}[${R}])`, "{{instance}}"]] },
    ]],
    ["Disk", [
      { title: "Disk space used", unit: "percentunit", min: 0, max: 1, w: 8, targets: [[`1 - node_filesystem_avail_bytes{${NODE},${DISKS}} / node_filesystem_size_bytes{${NODE},${DISKS}}`, "{{instance}} {{mountpoint}}"]] },
      { title: "Disk I/O utilisation", unit: "percentunit", min: 0, w: 8, targets: [[`rate(node_disk_io_time_seconds_total{${NODE}}[${R}])`, "{{instance}} {{device}}"]] },
      { title: "Disk I/O saturation (queue)", unit: "short", w: 8, targets: [[`rate(node_disk_io_time_weighted_seconds_total{${NODE}}[${R}])`, "{{instance}} {{device}}"]] },
    ]],
    ["Network", [
      { title: "Network throughput", unit: "Bps", w: 12, targets: [[`sum by (instance) (rate(node_network_receive_bytes_total{${NODE},device!="lo"}[${R}]))`, "{{instance}} in"], [`sum by (instance) (rate(node_network_transmit_bytes_total{${NODE},device!="lo"}[${R}]))`, "{{instance}} out"]] },
      { title: "Network errors and drops", unit: "pps", w: 12, targets: [[`sum by (instance) (rate(node_network_receive_errs_total{${NODE}}[${R}]) + rate(node_network_transmit_errs_total{${NODE}}[${R}]))`, "{{instance}} errors"], [`sum by (instance) (rate(node_network_receive_drop_total{${NODE}}[${R}]) + rate(node_network_transmit_drop_total{${NODE}}[${R}]))`, "{{instance}} drops"]] },
    ]],
  ],
});

export const dashboards = { "tierstack-red.json": red, "tierstack-app-internals.json": internals, "tierstack-hosts.json": hosts };

export function render(d) {
  return JSON.stringify(d, null, 2) + "\n";
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  fs.mkdirSync(OUT, { recursive: true });
  for (const [file, d] of Object.entries(dashboards)) fs.writeFileSync(path.join(OUT, file), render(d));
  console.log(`wrote ${Object.keys(dashboards).length} dashboards to ${OUT}`);
}
