// Prometheus configuration, alert rules and their unit tests (promtool),
// Grafana provisioning and dashboards, and the metric names they use.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { spawn, spawnSync } from "node:child_process";
import YAML from "yaml";
import { analyse } from "../lib/promql.mjs";
import { loadFiles } from "../lib/terraform.mjs";
import { PROMETHEUS, GRAFANA, CATALOGUE, TERRAFORM, REPO } from "../lib/paths.mjs";

const readYaml = (f) => YAML.parse(fs.readFileSync(f, "utf8"));
const promtool = (...args) => spawnSync("promtool", args, { encoding: "utf8" });
const rulesFiles = fs.readdirSync(path.join(PROMETHEUS, "rules")).filter((f) => f.endsWith(".yml")).map((f) => path.join(PROMETHEUS, "rules", f));
const testFiles = fs.readdirSync(path.join(PROMETHEUS, "tests")).filter((f) => f.endsWith(".yml")).map((f) => path.join(PROMETHEUS, "tests", f));
const rules = rulesFiles.flatMap((f) => readYaml(f).groups.flatMap((g) => g.rules));
const alerts = rules.filter((r) => r.alert);

// Renders prometheus.yml.tftpl the way Terraform's templatefile() does for
// the plain ${name} interpolations it is limited to.
function renderPrometheus(vars) {
  const tpl = fs.readFileSync(path.join(PROMETHEUS, "prometheus.yml.tftpl"), "utf8");
  assert.doesNotMatch(tpl, /%\{/, "template directives are not supported by this renderer");
  return tpl.replace(/\$\{([^}]*)\}/g, (_, name) => {
    assert.ok(Object.hasOwn(vars, name), `template uses unknown variable ${name}`);
    return String(vars[name]);
  });
}

describe("prometheus", () => {
  let dir;
  let templateVars;
  before(async () => {
    // The variables Terraform passes, read from modules/monitoring itself.
    const mod = await loadFiles([path.join(TERRAFORM, "modules/monitoring/main.tf")]);
    const local = [...mod.modules.values()][0].locals.prometheus_config;
    const keys = [...local.matchAll(/^\s*(\w+)\s*=/gm)].map((m) => m[1]);
    assert.ok(keys.length >= 3, "could not read templatefile() arguments of modules/monitoring");
    const sample = { region: "us-east-1", environment: "prod", shop_metrics_port: 9180, microblog_metrics_port: 9181, node_exporter_port: 9100 };
    templateVars = Object.fromEntries(keys.map((k) => [k, sample[k] ?? "x"]));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tierstack-prom-"));
    fs.writeFileSync(path.join(dir, "prometheus.yml"), renderPrometheus(templateVars));
    fs.mkdirSync(path.join(dir, "rules"));
    for (const f of rulesFiles) fs.copyFileSync(f, path.join(dir, "rules", path.basename(f)));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  test("promtool check config accepts the rendered AWS configuration (with its rule files)", () => {
    const r = promtool("check", "config", path.join(dir, "prometheus.yml"));
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  test("apps and node exporter are discovered through EC2 tags and labelled job/app/tier/zone/instance", () => {
    const cfg = YAML.parse(renderPrometheus(templateVars));
    const jobs = Object.fromEntries(cfg.scrape_configs.map((s) => [s.job_name, s]));
    for (const [job, port] of [["shop", 9180], ["microblog", 9181], ["node", 9100]]) {
      const sd = jobs[job]?.ec2_sd_configs?.[0];
      assert.ok(sd, `job ${job} has no ec2_sd_configs`);
      assert.equal(sd.port, port);
      assert.ok(sd.filters.some((f) => f.name === "tag:tierstack:environment"));
      const targets = jobs[job].relabel_configs.map((r) => r.target_label);
      for (const label of ["app", "tier", "zone", "instance"]) assert.ok(targets.includes(label), `${job} sets no ${label} label`);
      assert.ok(jobs[job].relabel_configs.some((r) => (r.source_labels ?? []).includes("__meta_ec2_availability_zone")));
    }
  });

  test("promtool check rules accepts every rule file", () => {
    const r = promtool("check", "rules", ...rulesFiles);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  test("the required alerts exist", () => {
    const names = alerts.map((a) => a.alert);
    for (const n of ["InstanceDown", "HighErrorRatio", "HighLatencyP99", "DiskWillFillIn24Hours", "DatabasePoolNearlyExhausted"]) assert.ok(names.includes(n), n);
    const byName = Object.fromEntries(alerts.map((a) => [a.alert, a.expr]));
    assert.match(byName.HighErrorRatio, /status=~"5\.\."/);
    assert.match(byName.HighLatencyP99, /histogram_quantile\(0\.99/);
    assert.match(byName.DiskWillFillIn24Hours, /predict_linear\(/);
    assert.match(byName.DatabasePoolNearlyExhausted, /db_pool_max_connections/);
  });

  for (const file of testFiles) {
    test(`promtool test rules ${path.basename(file)}`, () => {
      const r = promtool("test", "rules", file);
      assert.equal(r.status, 0, r.stdout + r.stderr);
    });
  }

  test("every alert has a unit test where it fires and one where it stays silent", () => {
    const cases = testFiles.flatMap((f) => readYaml(f).tests.flatMap((t) => t.alert_rule_test ?? []));
    for (const a of alerts) {
      const mine = cases.filter((c) => c.alertname === a.alert);
      assert.ok(mine.some((c) => (c.exp_alerts ?? []).length > 0), `${a.alert} is never shown to fire`);
      assert.ok(mine.some((c) => (c.exp_alerts ?? []).length === 0), `${a.alert} is never shown to stay silent`);
    }
  });
});

// --- metric names ----------------------------------------------------------------

const TIERSTACK_SOURCE = fs.readdirSync(path.join(REPO, "src/tierstack"), { recursive: true }).filter((f) => f.endsWith(".cpp")).map((f) => fs.readFileSync(path.join(REPO, "src/tierstack", f), "utf8")).join("\n");
const catalogue = fs.readFileSync(CATALOGUE, "utf8").split("\n").filter(Boolean);
const TARGET_LABELS = ["job", "instance", "app", "tier", "zone", "environment"];
const APP_LABELS = {
  http_requests_total: ["route", "method", "status"],
  http_request_duration_seconds_bucket: ["route", "method", "le"],
  http_request_duration_seconds_sum: ["route", "method"],
  http_request_duration_seconds_count: ["route", "method"],
  http_requests_in_flight: ["route", "method"],
  db_pool_connections: ["state"],
};

const dashboardFiles = fs.readdirSync(path.join(GRAFANA, "dashboards")).filter((f) => f.endsWith(".json")).map((f) => path.join(GRAFANA, "dashboards", f));
const dashboards = dashboardFiles.map((f) => ({ file: f, json: JSON.parse(fs.readFileSync(f, "utf8")) }));

// Every PromQL expression with where it came from.
function expressions() {
  const out = alerts.map((a) => ({ where: `alert ${a.alert}`, expr: a.expr }));
  for (const { file, json } of dashboards) {
    for (const p of json.panels) for (const t of p.targets ?? []) out.push({ where: `${path.basename(file)}: ${p.title}`, expr: t.expr });
    for (const v of json.templating.list) {
      const m = (v.query?.query ?? v.query).match(/^label_values\((.*),\s*\w+\)$/);
      if (m) out.push({ where: `${path.basename(file)}: variable ${v.name}`, expr: m[1] });
    }
  }
  return out;
}

function appMetricProblems(exprs) {
  const bad = [];
  for (const e of exprs) {
    for (const s of analyse(e.expr).selectors) {
      if (!s.metric) bad.push(`${e.where}: selector without a metric name`);
      else if (s.metric.startsWith("node_")) continue;
      // tierstack's own metrics (its backups' textfile for the node exporter) must be ones it writes.
      else if (s.metric.startsWith("tierstack_")) {
        if (!TIERSTACK_SOURCE.includes(`"${s.metric}`) && !TIERSTACK_SOURCE.includes(`${s.metric}{`)) bad.push(`${e.where}: ${s.metric} is not written by src/tierstack`);
      }
      else if (!catalogue.includes(s.metric)) bad.push(`${e.where}: ${s.metric} is not in deploy/metrics-catalogue.txt`);
      else {
        const allowed = [...TARGET_LABELS, ...(APP_LABELS[s.metric] ?? [])];
        for (const l of s.labels) if (!allowed.includes(l)) bad.push(`${e.where}: ${s.metric} has no label ${l}`);
      }
    }
  }
  return bad;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Starts the Debian prometheus-node-exporter on a free loopback port, scrapes
// it once and stops it; returns the metric names it exported.
async function nodeExporterNames() {
  const bin = ["/usr/bin/prometheus-node-exporter", "/usr/sbin/prometheus-node-exporter"].find((b) => fs.existsSync(b));
  assert.ok(bin, "prometheus-node-exporter is not installed (tests/policy/run installs it)");
  const port = await freePort();
  const child = spawn(bin, [`--web.listen-address=127.0.0.1:${port}`], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  try {
    for (let i = 0; i < 50; i++) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        if (res.ok) {
          const text = await res.text();
          return new Set(text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.match(/^[a-zA-Z_:][a-zA-Z0-9_:]*/)[0]));
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`node exporter did not answer on port ${port}: ${stderr}`);
  } finally {
    child.kill("SIGTERM");
  }
}

describe("metric names", () => {
  test("deploy/metrics-catalogue.txt lists exactly the app metrics", () => {
    assert.deepEqual(catalogue, [
      "http_requests_total", "http_request_duration_seconds_bucket", "http_request_duration_seconds_sum",
      "http_request_duration_seconds_count", "http_requests_in_flight", "http_connections_open",
      "http_connections_rejected_total", "http_request_body_bytes_buffered", "http_request_bodies_rejected_total",
      "db_pool_connections",
      "db_pool_max_connections", "db_pool_waiting", "process_resident_memory_bytes", "process_cpu_seconds_total",
      "process_open_fds", "process_start_time_seconds", "up",
    ]);
  });

  test("every expression in alert rules and dashboards parses as PromQL", () => {
    const bad = expressions().flatMap((e) => analyse(e.expr).errors.map((err) => `${e.where}: ${err}`));
    assert.deepEqual(bad, []);
  });

  test("app metrics used are in the catalogue, with only the labels the apps export", () => {
    assert.deepEqual(appMetricProblems(expressions()), []);
  });

  test("the app metric check rejects a misspelt name and a label the metric lacks", () => {
    const bad = appMetricProblems([
      { where: "misspelt", expr: "rate(http_request_total[5m])" },
      { where: "status on histogram", expr: 'http_request_duration_seconds_bucket{status="500"}' },
      { where: "unknown label", expr: 'db_pool_waiting{state="idle"}' },
    ]);
    assert.equal(bad.length, 3, bad.join("\n"));
  });

  test("node exporter metrics used are exported by the real prometheus-node-exporter", async () => {
    const used = new Set(expressions().flatMap((e) => analyse(e.expr).selectors.map((s) => s.metric)).filter((m) => m?.startsWith("node_")));
    assert.ok(used.size >= 8, "dashboards should use node exporter metrics");
    const real = await nodeExporterNames();
    assert.ok(real.size > 50, "scrape returned too few metrics");
    assert.deepEqual([...used].filter((m) => !real.has(m)), []);
  });
});

// --- grafana ---------------------------------------------------------------------

describe("grafana", () => {
  const datasources = readYaml(path.join(GRAFANA, "provisioning/datasources/prometheus.yml"));
  const providers = readYaml(path.join(GRAFANA, "provisioning/dashboards/tierstack.yml"));

  test("provisioning: one Prometheus datasource, a file provider at the path the monitoring host fills", () => {
    assert.equal(datasources.apiVersion, 1);
    assert.equal(datasources.datasources.length, 1);
    assert.equal(datasources.datasources[0].type, "prometheus");
    assert.equal(providers.providers[0].type, "file");
    const boot = fs.readFileSync(path.join(TERRAFORM, "modules/monitoring/templates/user-data.sh.tftpl"), "utf8");
    assert.ok(boot.includes(providers.providers[0].options.path), "monitoring boot script does not copy dashboards to the provider path");
  });

  test("committed dashboards are what build-dashboards.mjs generates", async () => {
    const { dashboards: generated, render } = await import(path.join(GRAFANA, "build-dashboards.mjs"));
    assert.deepEqual(Object.keys(generated).sort(), dashboardFiles.map((f) => path.basename(f)).sort());
    for (const [file, d] of Object.entries(generated)) {
      assert.equal(fs.readFileSync(path.join(GRAFANA, "dashboards", file), "utf8"), render(d), `${file} is stale: run node deploy/grafana/build-dashboards.mjs`);
    }
  });

  test("dashboards are well formed: unique uid, unique panel ids, grid within 24 columns, provisioned datasource", () => {
    const uid = datasources.datasources[0].uid;
    const uids = new Set();
    for (const { file, json } of dashboards) {
      assert.ok(json.uid && !uids.has(json.uid), `${file}: uid`);
      uids.add(json.uid);
      const ids = json.panels.map((p) => p.id);
      assert.equal(new Set(ids).size, ids.length, `${file}: duplicate panel id`);
      for (const p of json.panels) {
        assert.ok(p.gridPos.x + p.gridPos.w <= 24, `${file}: ${p.title} overflows the grid`);
        if (p.type === "row") continue;
        assert.equal(p.datasource.uid, uid, `${file}: ${p.title} uses another datasource`);
        assert.ok(p.targets.length > 0, `${file}: ${p.title} has no query`);
      }
    }
  });

  test("RED per app and route, USE per host and the database pool are all on a dashboard", () => {
    const all = dashboards.flatMap(({ json }) => json.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr))).join("\n");
    const want = {
      "request rate by route": /sum by \(app, route\) \(rate\(http_requests_total/,
      "errors": /status=~"5\.\."/,
      "p50 latency": /histogram_quantile\(0\.5, sum by \(app, route, le\)/,
      "p99 latency": /histogram_quantile\(0\.99, sum by \(app, route, le\)/,
      "CPU": /node_cpu_seconds_total/,
      "memory": /node_memory_MemAvailable_bytes/,
      "disk": /node_filesystem_avail_bytes/,
      "network": /node_network_receive_bytes_total/,
      "database pool": /db_pool_connections/,
    };
    for (const [what, re] of Object.entries(want)) assert.match(all, re, what);
  });
});
