// The microblog on AWS, end to end through the configuration:
//   envs/prod var.microblog_server_name
//     -> web tier's runtime_environment (TIERSTACK_MICROBLOG_SERVER_NAME)
//     -> the compute module's user data (rendered here) writes runtime.env and
//        the tierstack-web drop-in reads it
//     -> the tierstack-web package's renderer (run here) makes an nginx server
//        block for those names that proxies to the microblog upstream;
//   the public ALB forwards those host names to the web tier; the microblog's
//   port is reachable only web -> internal ALB -> app, and its metrics port
//   only from monitoring.
// Each check is proven able to fail by mutations of a copy of deploy/.
// Also: the user data's package step, run against a stand-in S3 and apt,
// installs exactly the packages in the release's SHA256SUMS.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { loadTree, moduleSourceDir, allResources, blocks } from "../lib/terraform.mjs";
import { renderTemplate } from "../lib/tftemplate.mjs";
import { REPO } from "../lib/paths.mjs";

const HOSTS = "blog.example.test www.blog.example.test";
const INTERNAL = "internal-lb.example.test";

// --- evaluating the few expression shapes the root uses -------------------------

function evalExpr(expr, root, inputs) {
  if (typeof expr !== "string" || !expr.includes("${")) return expr;
  const m = expr.match(/^\$\{(.*)\}$/s);
  if (!m) return `<${expr}>`;
  const e = m[1].trim();
  let r;
  if ((r = e.match(/^var\.(\w+)$/))) return inputs[r[1]] ?? `<${e}>`;
  if ((r = e.match(/^tostring\(local\.(\w+)(?:\["(\w+)"\])?\)$/))) {
    const v = root.locals[r[1]];
    return String(r[2] ? v?.[r[2]] : v);
  }
  if ((r = e.match(/^module\.loadbalancer\.app_upstreams\["(\w+)"\]$/))) return `http://${INTERNAL}:${root.locals.app_ports[r[1]]}`;
  return `<${e}>`;
}

// systemd EnvironmentFile= semantics for the simple KEY=value lines we write.
function parseEnvFile(text) {
  const env = {};
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (!t || t.startsWith("#") || t.startsWith(";")) continue;
    const i = t.indexOf("=");
    if (i > 0) env[t.slice(0, i).trim()] = t.slice(i + 1).trim();
  }
  return env;
}

function heredoc(script, path_, marker) {
  const re = new RegExp(`cat > ${path_.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} <<'${marker}'\\n([\\s\\S]*?)\\n${marker}\\n`);
  return script.match(re)?.[1] ?? null;
}

// Every violation of the microblog wiring in the deploy/ tree at `deploy`.
async function microblogWiring(deploy) {
  const bad = [];
  const tfRoot = path.join(deploy, "terraform");
  const envDir = path.join(tfRoot, "envs/prod");
  const tree = await loadTree(tfRoot, { roots: [envDir] });
  const root = tree.modules.get(envDir);

  // 1. the variable: required (no default to fall back to silently)
  const v = root.variables.find((x) => x.name === "microblog_server_name");
  if (!v) bad.push("envs/prod has no variable microblog_server_name");
  else if (Object.prototype.hasOwnProperty.call(v.body, "default")) bad.push("microblog_server_name has a default; it must be set per environment");

  // 2. the web tier's environment
  const web = root.moduleCalls.find((c) => JSON.stringify(c.body.packages ?? []).includes('"tierstack-web"'));
  if (!web) return [...bad, "no module call installs tierstack-web"];
  const inputs = { microblog_server_name: HOSTS };
  const runtime = Object.fromEntries(Object.entries(web.body.runtime_environment ?? {}).map(([k, x]) => [k, evalExpr(x, root, inputs)]));
  if (runtime.TIERSTACK_MICROBLOG_SERVER_NAME !== HOSTS) bad.push(`web tier: TIERSTACK_MICROBLOG_SERVER_NAME is ${runtime.TIERSTACK_MICROBLOG_SERVER_NAME ?? "unset"}, not var.microblog_server_name`);
  const mbUpstream = `http://${INTERNAL}:${root.locals.app_ports?.microblog}`;
  if (runtime.TIERSTACK_MICROBLOG_UPSTREAM !== mbUpstream) bad.push("web tier: TIERSTACK_MICROBLOG_UPSTREAM is not the internal load balancer's microblog listener");

  // 3. the user data writes it where the tierstack-web unit reads it
  const compute = tree.modules.get(moduleSourceDir(web));
  const tplFile = path.join(compute.dir, "templates/user-data.sh.tftpl");
  let userData = "";
  try {
    userData = renderTemplate(fs.readFileSync(tplFile, "utf8"), {
      region: "us-east-1", artifact_bucket: "artifacts", artifact_prefix: "releases", release_version: "0123abcd",
      packages: JSON.parse(JSON.stringify(web.body.packages)), services: JSON.parse(JSON.stringify(web.body.services)),
      runtime_environment: runtime, fetched_environment: {}, db_master_secret_arn: "", db_roles: {},
    });
  } catch (e) {
    bad.push(`user data does not render: ${e.message}`);
  }
  const envText = heredoc(userData, "/etc/tierstack/runtime.env", "RUNTIME_ENV");
  const dropIn = heredoc(userData, "/etc/systemd/system/tierstack-web.service.d/aws.conf", "DROPIN");
  const unitEnv = {};
  if (envText === null) bad.push("user data writes no /etc/tierstack/runtime.env");
  else if (parseEnvFile(envText).TIERSTACK_MICROBLOG_SERVER_NAME !== HOSTS) bad.push("runtime.env of the web tier lacks TIERSTACK_MICROBLOG_SERVER_NAME");
  if (dropIn === null || !/^EnvironmentFile=\/etc\/tierstack\/runtime\.env$/m.test(dropIn)) bad.push("the tierstack-web drop-in does not read /etc/tierstack/runtime.env");
  else Object.assign(unitEnv, parseEnvFile(envText ?? ""));

  // 4. the packaged renderer turns it into an nginx server block
  const unit = fs.readFileSync(path.join(deploy, "systemd/tierstack-web.service"), "utf8");
  if (!/^ExecStartPre=\/usr\/lib\/tierstack\/web\/render /m.test(unit)) bad.push("tierstack-web.service does not render its configuration at start");
  const share = fs.mkdtempSync(path.join(os.tmpdir(), "wiring-share-"));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "wiring-run-"));
  try {
    fs.copyFileSync(path.join(deploy, "systemd/nginx.conf.in"), path.join(share, "nginx.conf.in"));
    fs.copyFileSync(path.join(deploy, "nginx/proxy.conf"), path.join(share, "proxy.conf"));
    const r = spawnSync("bash", [path.join(deploy, "systemd/tierstack-web-render"), out], {
      encoding: "utf8", env: { PATH: process.env.PATH, ...unitEnv, TIERSTACK_WEB_SHARE: share },
    });
    const conf = r.status === 0 ? fs.readFileSync(path.join(out, "nginx.conf"), "utf8") : "";
    if (r.status !== 0) bad.push(`render failed: ${r.stderr}`);
    const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const block = new RegExp(`server \\{ listen ${root.locals.web_port}; server_name ${esc(HOSTS)}; set \\$mb_upstream ${esc(mbUpstream)};[\\s\\S]*?location / \\{ proxy_pass \\$mb_upstream;`);
    if (r.status === 0 && !block.test(conf)) bad.push("the rendered nginx.conf has no server block routing the microblog's host names to its upstream");
  } finally {
    fs.rmSync(share, { recursive: true, force: true });
    fs.rmSync(out, { recursive: true, force: true });
  }

  // 5. the public ALB forwards those host names to the web tier
  const lbCall = root.moduleCalls.find((c) => c.name === "loadbalancer");
  const lb = lbCall && tree.modules.get(moduleSourceDir(lbCall));
  if (!/var\.microblog_server_name/.test(JSON.stringify(lbCall?.body.web_host_names ?? ""))) bad.push("the load balancer is not given the microblog's host names");
  const rules = (lb?.resources ?? []).filter((r) => r.type === "aws_lb_listener_rule");
  const hostRule = rules.find((r) =>
    r.body.for_each === "${var.web_host_names}" &&
    r.body.listener_arn === "${aws_lb_listener.https.arn}" &&
    blocks(r.body, "action").some((a) => a.type === "forward" && a.target_group_arn === "${aws_lb_target_group.web.arn}") &&
    blocks(r.body, "condition").some((c) => blocks(c, "host_header").some((h) => h.values === "${each.value}")));
  if (!hostRule) bad.push("no HTTPS listener rule forwards the web_host_names to the web target group");

  // 6. security groups: the microblog port only along web -> internal ALB -> app
  const secCall = root.moduleCalls.find((c) => c.name === "security");
  const sec = secCall && tree.modules.get(moduleSourceDir(secCall));
  const portsOf = (r) => {
    const ref = (x) => {
      const m = typeof x === "string" && x.match(/^\$\{var\.(\w+)\}$/);
      if (!m) return null;
      const arg = secCall.body[m[1]];
      const lm = typeof arg === "string" && arg.match(/^\$\{local\.(\w+)\}$/);
      if (lm) return root.locals[lm[1]];
      return arg ?? sec.variables.find((vv) => vv.name === m[1])?.body.default;
    };
    if (r.body.ip_protocol === "-1") return "all";
    if (r.body.for_each && r.body.from_port === "${each.value}" && r.body.to_port === "${each.value}") {
      const map = ref(r.body.for_each);
      return map && typeof map === "object" ? Object.values(map).map(Number) : "all";
    }
    const from = typeof r.body.from_port === "number" ? r.body.from_port : Number(ref(r.body.from_port));
    const to = typeof r.body.to_port === "number" ? r.body.to_port : Number(ref(r.body.to_port));
    if (!Number.isFinite(from) || !Number.isFinite(to)) return "all";
    return { from, to };
  };
  const covers = (ports, p) => ports === "all" || (Array.isArray(ports) ? ports.includes(p) : ports.from <= p && p <= ports.to);
  const sgOf = (x) => (typeof x === "string" && x.match(/^\$\{aws_security_group\.(\w+)\.id\}$/)?.[1]) ?? `<${JSON.stringify(x)}>`;
  const rulesOn = (type, port) => allResources({ modules: new Map([[sec.dir, sec]]) }, type)
    .filter((r) => covers(portsOf(r), port))
    .map((r) => `${sgOf(r.body.security_group_id)}<-${r.body.referenced_security_group_id ? sgOf(r.body.referenced_security_group_id) : r.body.cidr_ipv4 ?? r.body.cidr_ipv6 ?? "?"}`)
    .sort();
  const egressOn = (port) => allResources({ modules: new Map([[sec.dir, sec]]) }, "aws_vpc_security_group_egress_rule")
    .filter((r) => covers(portsOf(r), port))
    .map((r) => `${sgOf(r.body.security_group_id)}->${r.body.referenced_security_group_id ? sgOf(r.body.referenced_security_group_id) : r.body.cidr_ipv4 ?? "?"}`);
  const mbPort = Number(root.locals.app_ports?.microblog);
  const mbMetrics = Number(root.locals.metrics_ports?.microblog);
  if (!sec) bad.push("envs/prod does not call the security module");
  else {
    const inbound = rulesOn("aws_vpc_security_group_ingress_rule", mbPort);
    const only = { modules: new Map([[sec.dir, sec]]) };
    if (allResources(only, "aws_security_group_rule").length || allResources(only, "aws_security_group").some((g) => g.body.ingress || g.body.egress)) {
      bad.push("security rules outside aws_vpc_security_group_*_rule are not analysed; keep to that spelling");
    }
    if (JSON.stringify(inbound) !== JSON.stringify(["app<-app_lb", "app_lb<-web"])) bad.push(`microblog port ${mbPort} ingress is ${JSON.stringify(inbound)}, not only web -> app_lb -> app`);
    for (const e of ["web->app_lb", "app_lb->app"]) if (!egressOn(mbPort).includes(e)) bad.push(`no egress ${e} on the microblog port ${mbPort}`);
    const metrics = rulesOn("aws_vpc_security_group_ingress_rule", mbMetrics);
    if (JSON.stringify(metrics) !== JSON.stringify(["app<-monitoring"])) bad.push(`microblog metrics port ${mbMetrics} ingress is ${JSON.stringify(metrics)}, not only from monitoring`);
    if (!egressOn(mbMetrics).includes("monitoring->app")) bad.push(`no egress monitoring->app on the metrics port ${mbMetrics}`);
  }
  return bad;
}

// --- the wiring, and mutations proving each part of the check can fail ------------

function copyDeploy() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wiring-deploy-"));
  fs.cpSync(path.join(REPO, "deploy"), dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}.terraform`) });
  return dir;
}

function mutate(dir, file, find, replace) {
  const f = path.join(dir, file);
  const text = fs.readFileSync(f, "utf8");
  assert.equal(text.split(find).length - 1, 1, `mutation target not found exactly once in ${file}: ${find}`);
  fs.writeFileSync(f, text.replace(find, replace));
}

describe("microblog wiring", () => {
  test("deploy/ routes the microblog's host names from Terraform to nginx, and only web reaches its port", async () => {
    assert.deepEqual(await microblogWiring(path.join(REPO, "deploy")), []);
  });

  const mutations = [
    ["the web tier does not get the server name", "terraform/envs/prod/main.tf",
      "    TIERSTACK_MICROBLOG_SERVER_NAME = var.microblog_server_name\n", ""],
    ["the server name variable has an empty default", "terraform/envs/prod/variables.tf",
      'space-separated (for example \\"blog.example.com\\"). The load balancer forwards them to the web tier, whose nginx routes them to the microblog; every other host name is the shop. The ACM certificate must cover them."\n  type        = string\n',
      'space-separated (for example \\"blog.example.com\\"). The load balancer forwards them to the web tier, whose nginx routes them to the microblog; every other host name is the shop. The ACM certificate must cover them."\n  type        = string\n  default     = ""\n'],
    ["the web tier's upstream points at the shop", "terraform/envs/prod/main.tf",
      'TIERSTACK_MICROBLOG_UPSTREAM    = module.loadbalancer.app_upstreams["microblog"]', 'TIERSTACK_MICROBLOG_UPSTREAM    = module.loadbalancer.app_upstreams["shop"]'],
    ["the drop-in no longer reads runtime.env", "terraform/modules/compute/templates/user-data.sh.tftpl",
      "[Service]\nEnvironmentFile=/etc/tierstack/runtime.env\n", "[Service]\n"],
    ["the renderer ignores the server name", "systemd/tierstack-web-render",
      "mb_name=${TIERSTACK_MICROBLOG_SERVER_NAME:-}", "mb_name="],
    ["the ALB rule forwards to another target group", "terraform/modules/loadbalancer/main.tf",
      "  action {\n    type             = \"forward\"\n    target_group_arn = aws_lb_target_group.web.arn\n  }\n",
      "  action {\n    type             = \"forward\"\n    target_group_arn = aws_lb_target_group.app[\"microblog\"].arn\n  }\n"],
    ["the internal ALB takes the microblog port from monitoring", "terraform/modules/security/main.tf",
      "  description                  = \"${each.key} from the web tier\"\n  referenced_security_group_id = aws_security_group.web.id\n",
      "  description                  = \"${each.key} from the web tier\"\n  referenced_security_group_id = aws_security_group.monitoring.id\n"],
    ["the app tier opens the microblog port to the VPC", "terraform/modules/security/main.tf",
      "# --- database ---",
      "resource \"aws_vpc_security_group_ingress_rule\" \"app_microblog_vpc\" {\n  security_group_id = aws_security_group.app.id\n  cidr_ipv4         = \"10.0.0.0/16\"\n  ip_protocol       = \"tcp\"\n  from_port         = 8000\n  to_port           = 8010\n}\n\n# --- database ---"],
    ["the metrics ports are opened to the web tier instead of monitoring", "terraform/modules/security/main.tf",
      "  description                  = \"${each.key} /metrics from monitoring\"\n  referenced_security_group_id = aws_security_group.monitoring.id\n",
      "  description                  = \"${each.key} /metrics from monitoring\"\n  referenced_security_group_id = aws_security_group.web.id\n"],
  ];
  for (const [what, file, find, replace] of mutations) {
    test(`fails when ${what}`, async () => {
      const dir = copyDeploy();
      try {
        mutate(dir, file, find, replace);
        const bad = await microblogWiring(dir);
        assert.ok(bad.length > 0, `no violation found when ${what}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

// --- the user data's package step, against stand-ins for aws and apt-get ----------

describe("user data installs exactly the release's packages", () => {
  const tpl = fs.readFileSync(path.join(REPO, "deploy/terraform/modules/compute/templates/user-data.sh.tftpl"), "utf8");
  const rendered = renderTemplate(tpl, {
    region: "us-east-1", artifact_bucket: "artifacts", artifact_prefix: "releases", release_version: "0123abcd",
    packages: ["tierstack-shop", "tierstack-microblog"], services: ["tierstack-shop", "tierstack-microblog"],
    runtime_environment: {}, fetched_environment: {}, db_master_secret_arn: "", db_roles: {},
  });
  // The script from its start up to the settings: variables, then the package step.
  const head = rendered.slice(0, rendered.indexOf("\n# Non-secret settings"));
  const packageStep = head.slice(head.indexOf("# Release packages"));

  const run = (files, mutateSums = (s) => s) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "userdata-"));
    const bucket = path.join(dir, "s3/artifacts/releases/0123abcd");
    fs.mkdirSync(bucket, { recursive: true });
    fs.mkdirSync(path.join(dir, "bin"));
    for (const f of files) fs.writeFileSync(path.join(bucket, f), `package ${f}\n`);
    const sums = spawnSync("sh", ["-c", "sha256sum -- *.deb"], { cwd: bucket, encoding: "utf8" }).stdout;
    const manifest = mutateSums(sums, bucket);
    if (manifest !== null) fs.writeFileSync(path.join(bucket, "SHA256SUMS"), manifest);
    // aws s3 cp s3://<bucket>/<key> <file>: copy from the stand-in bucket, or fail like the CLI.
    fs.writeFileSync(path.join(dir, "bin/aws"), `#!/bin/bash
[ "$1 $2" = "s3 cp" ] || exit 1
for a in "$@"; do case "$a" in s3://*) src=$a ;; esac; done
dst=\${@: -1}
cp "${dir}/s3/\${src#s3://}" "$dst" 2>/dev/null || { echo "fatal error: (404) Not Found: $src" >&2; exit 1; }
`, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "bin/apt-get"), `#!/bin/bash\necho "$*" > "${dir}/apt-get.args"\n`, { mode: 0o755 });
    const script = `set -euo pipefail\nRELEASE_URL='s3://artifacts/releases/0123abcd'\n${packageStep.replaceAll("/var/cache/tierstack/", `${dir}/cache/`)}`;
    const r = spawnSync("bash", ["-c", script], { encoding: "utf8", env: { PATH: `${dir}/bin:${process.env.PATH}` } });
    const args = fs.existsSync(path.join(dir, "apt-get.args")) ? fs.readFileSync(path.join(dir, "apt-get.args"), "utf8").trim() : null;
    fs.rmSync(dir, { recursive: true, force: true });
    return { ...r, args: args && args.replaceAll(`${dir}/cache/0123abcd/`, "") };
  };
  const FILES = ["tierstack-shop_0.1.0-1_amd64.deb", "tierstack-microblog_0.1.0-1_amd64.deb", "tierstack-web_0.1.0-1_all.deb", "tierstack_0.1.0-1_amd64.deb"];

  test("the release's user data renders with the package step", () => {
    assert.match(packageStep, /SHA256SUMS/);
    assert.match(rendered, /^RELEASE_URL='s3:\/\/artifacts\/releases\/0123abcd'$/m);
  });

  test("installs the tier's packages named in SHA256SUMS, after checking their hashes", () => {
    const r = run(FILES);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.args, "install -y tierstack-shop_0.1.0-1_amd64.deb tierstack-microblog_0.1.0-1_amd64.deb");
  });

  test("refuses a package whose bytes differ from SHA256SUMS", () => {
    const r = run(FILES, (sums, bucket) => {
      fs.appendFileSync(path.join(bucket, "tierstack-microblog_0.1.0-1_amd64.deb"), "changed after upload\n");
      return sums;
    });
    assert.notEqual(r.status, 0);
    assert.equal(r.args, null, "apt-get must not run");
  });

  test("refuses a release whose SHA256SUMS lacks a package or names two versions of it", () => {
    let r = run(FILES.filter((f) => !f.startsWith("tierstack-microblog_")));
    assert.notEqual(r.status, 0);
    assert.equal(r.args, null);
    r = run([...FILES, "tierstack-shop_0.2.0-1_amd64.deb"]);
    assert.notEqual(r.status, 0);
    assert.equal(r.args, null);
  });

  test("refuses a release without SHA256SUMS (upload incomplete)", () => {
    const r = run(FILES, () => null);
    assert.notEqual(r.status, 0);
    assert.equal(r.args, null);
  });
});
