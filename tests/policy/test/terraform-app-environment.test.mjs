// The app tier's environment on AWS, read from the user data the Terraform
// renders (runtime.env, the secrets unit, the database bootstrap) and from
// the launcher that starts each app:
//   - every app's <APP>_TRUST_PROXY_HOPS equals the number of proxies in
//     front of it that append to X-Forwarded-For, counted from each hop's
//     own configuration: the public ALB (xff_header_processing_mode), the
//     web tier's nginx (rendered by the tierstack-web package's renderer,
//     $proxy_add_x_forwarded_for) and the internal ALB. One too few and
//     every client shares the proxy's login bucket; one too many and the
//     client picks its own address.
//   - SHOP_PAYMENT_GATEWAY comes from the required variable, and the
//     sandbox is not allowed unless the environment says so.
//   - each app logs in with its own database role; the master secret is
//     read only by the bootstrap unit, which the services wait for, and the
//     launcher hands an app only its own credentials.
// Each check is proven able to fail by mutations of a copy of deploy/.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { loadTree, moduleSourceDir, blocks, refsTo } from "../lib/terraform.mjs";
import { renderTemplate } from "../lib/tftemplate.mjs";
import { REPO } from "../lib/paths.mjs";

const INTERNAL = "internal-lb.example.test";
const MASTER_ARN = "arn:test:secret:database-master";
const roleArn = (app) => `arn:test:secret:database-${app}`;
const appSecretArn = (app) => `arn:test:secret:session-${app}`;
const INPUTS = { shop_payment_gateway: "stripe", microblog_server_name: "blog.example.test" };

// --- evaluating the few expression shapes the root uses -----------------------

function localValue(root, name) {
  const v = root.locals[name];
  const m = typeof v === "string" && v.match(/^\$\{length\(local\.(\w+)\)\}$/);
  if (m) return asArray(root.locals[m[1]]).length;
  return v;
}

const asArray = (v) => (Array.isArray(v) ? v : []);

function variableValue(root, name, inputs) {
  if (name in inputs) return inputs[name];
  const v = root.variables.find((x) => x.name === name);
  return v && Object.prototype.hasOwnProperty.call(v.body, "default") ? v.body.default : `<var.${name}>`;
}

function evalExpr(expr, root, inputs) {
  if (typeof expr !== "string" || !expr.includes("${")) return expr;
  const m = expr.match(/^\$\{(.*)\}$/s);
  if (!m) return `<${expr}>`;
  const e = m[1].trim();
  let r;
  if ((r = e.match(/^var\.(\w+)$/))) return variableValue(root, r[1], inputs);
  if ((r = e.match(/^tostring\(var\.(\w+)\)$/))) return String(variableValue(root, r[1], inputs));
  if ((r = e.match(/^tostring\(local\.(\w+)(?:\["(\w+)"\])?\)$/))) {
    const v = localValue(root, r[1]);
    return String(r[2] ? v?.[r[2]] : v);
  }
  if ((r = e.match(/^module\.loadbalancer\.app_upstreams\["(\w+)"\]$/))) return `http://${INTERNAL}:${root.locals.app_ports[r[1]]}`;
  if ((r = e.match(/^module\.database\.app_role_secret_arns\["(\w+)"\]$/))) return roleArn(r[1]);
  if (e === "module.database.app_role_secret_arns") return Object.fromEntries(Object.keys(root.locals.app_ports).map((a) => [a, roleArn(a)]));
  if (e === "module.database.master_secret_arn") return MASTER_ARN;
  if ((r = e.match(/^aws_secretsmanager_secret\.app\["(\w+)"\]\.arn$/))) return appSecretArn(r[1]);
  return `<${e}>`;
}

function evalDeep(value, root, inputs) {
  if (Array.isArray(value)) return value.map((v) => evalDeep(v, root, inputs));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evalDeep(v, root, inputs)]));
  return evalExpr(value, root, inputs);
}

// fetched_environment: merge(local.a, local.b, ...) of literal maps, or of
// the one for-expression over the Stripe secret (present only when the
// shop charges through Stripe).
function evalFetched(expr, root, inputs) {
  if (expr && typeof expr === "object") return evalDeep(expr, root, inputs);
  const m = typeof expr === "string" && expr.match(/^\$\{merge\(([\w.,\s]+)\)\}$/);
  if (!m) throw new Error(`fetched_environment shape not understood: ${expr}`);
  const out = {};
  for (const part of m[1].split(",").map((x) => x.trim())) {
    const name = part.match(/^local\.(\w+)$/)?.[1];
    const v = root.locals[name];
    if (v && typeof v === "object") Object.assign(out, evalDeep(v, root, inputs));
    else if (typeof v === "string" && /aws_secretsmanager_secret\.stripe\b/.test(v) && /SHOP_STRIPE_SECRET_KEY/.test(v)) {
      if (inputs.shop_payment_gateway === "stripe") out.stripe = { secret_arn: "arn:test:secret:stripe", keys: { SHOP_STRIPE_SECRET_KEY: "" } };
    } else throw new Error(`fetched_environment part not understood: ${part}`);
  }
  return out;
}

// systemd EnvironmentFile= semantics for the simple KEY=value lines we write.
function parseEnvFile(text) {
  const env = {};
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (!t || t.startsWith("#") || t.startsWith(";")) continue;
    const i = t.indexOf("=");
    if (i > 0) env[t.slice(0, i).trim()] = t.slice(i + 1).trim().replace(/^'(.*)'$/, "$1");
  }
  return env;
}

function heredoc(script, file, marker) {
  const re = new RegExp(`cat > ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} <<'${marker}'\\n([\\s\\S]*?)\\n${marker}\\n`);
  return script.match(re)?.[1] ?? null;
}

// --- the hops in front of the apps ---------------------------------------------

// X-Forwarded-For entries an ALB appends: one in "append" mode (the
// provider's default), none in "preserve"; "remove" and client ports break
// the count.
function albAppends(lb, bad) {
  const mode = lb.body.xff_header_processing_mode ?? "append";
  if (lb.body.enable_xff_client_port === true || lb.body.enable_xff_client_port === "true") bad.push(`aws_lb.${lb.name} appends the client port: every connection would be its own client`);
  if (mode === "append") return 1;
  if (mode === "preserve") return 0;
  bad.push(`aws_lb.${lb.name}: xff_header_processing_mode ${mode} leaves the apps no client address`);
  return 0;
}

// Renders the web tier's nginx.conf with the packaged renderer and counts
// what its proxy locations do to X-Forwarded-For.
function webNginxAppends(deploy, unitEnv, bad) {
  const share = fs.mkdtempSync(path.join(os.tmpdir(), "appenv-share-"));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "appenv-run-"));
  try {
    fs.copyFileSync(path.join(deploy, "systemd/nginx.conf.in"), path.join(share, "nginx.conf.in"));
    fs.copyFileSync(path.join(deploy, "nginx/proxy.conf"), path.join(share, "proxy.conf"));
    const r = spawnSync("bash", [path.join(deploy, "systemd/tierstack-web-render"), out], {
      encoding: "utf8", env: { PATH: process.env.PATH, ...unitEnv, TIERSTACK_WEB_SHARE: share },
    });
    if (r.status !== 0) {
      bad.push(`web tier nginx renderer failed: ${r.stderr}`);
      return 0;
    }
    const conf = fs.readFileSync(path.join(out, "nginx.conf"), "utf8");
    const proxyConf = fs.readFileSync(path.join(share, "proxy.conf"), "utf8");
    const strip = (t) => t.replace(/#[^\n]*/g, "");
    const passes = (strip(conf).match(/\bproxy_pass\b/g) ?? []).length;
    const includes = (strip(conf).match(new RegExp(`include ${share.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/proxy\\.conf;`, "g")) ?? []).length;
    if (passes === 0 || passes !== includes) bad.push(`web tier nginx: ${passes} proxy_pass, ${includes} include proxy.conf: some location proxies without the shared settings`);
    const xff = [...strip(conf + "\n" + proxyConf).matchAll(/proxy_set_header\s+X-Forwarded-For\s+([^;]+);/gi)].map((m) => m[1].trim());
    if (xff.length === 0) return 0; // passed through unchanged
    if (xff.every((v) => v === "$proxy_add_x_forwarded_for")) return 1;
    bad.push(`web tier nginx sets X-Forwarded-For to ${xff.join(", ")}: it must append ($proxy_add_x_forwarded_for), not replace`);
    return 0;
  } finally {
    fs.rmSync(share, { recursive: true, force: true });
    fs.rmSync(out, { recursive: true, force: true });
  }
}

// Every violation in the deploy/ tree at `deploy`.
async function appEnvironment(deploy) {
  const bad = [];
  const tfRoot = path.join(deploy, "terraform");
  const envDir = path.join(tfRoot, "envs/prod");
  const tree = await loadTree(tfRoot, { roots: [envDir] });
  const root = tree.modules.get(envDir);
  const apps = Object.keys(root.locals.app_ports ?? {});
  const calls = (pkg) => root.moduleCalls.find((c) => JSON.stringify(c.body.packages ?? []).includes(`"${pkg}"`));
  const appTier = calls("tierstack-shop");
  const webTier = calls("tierstack-web");
  const lbCall = root.moduleCalls.find((c) => c.name === "loadbalancer");
  const lbMod = lbCall && tree.modules.get(moduleSourceDir(lbCall));
  if (!appTier || !webTier || !lbMod) return ["envs/prod lacks the app tier, the web tier or the load balancer module"];

  // 1. The chain as the Terraform defines it: public ALB -> web tier ->
  //    internal ALB -> app tier, each link checked, each hop's appends counted.
  const lbs = lbMod.resources.filter((r) => r.type === "aws_lb");
  const publicLb = lbs.find((r) => r.body.internal === false || r.body.internal === "false");
  const internalLb = lbs.find((r) => r.body.internal === true || r.body.internal === "true");
  if (!publicLb || !internalLb) return [...bad, "the load balancer module lacks a public or an internal ALB"];
  const output = (name) => lbMod.outputs.find((o) => o.name === name)?.body.value;
  const outputOf = (expr) => (typeof expr === "string" ? expr : JSON.stringify(expr ?? "")).match(/module\.loadbalancer\.(\w+)/)?.[1];

  const https = lbMod.resources.find((r) => r.type === "aws_lb_listener" && r.body.protocol === "HTTPS" && refsTo(r.body.load_balancer_arn, "aws_lb").includes(publicLb.name));
  const publicTg = https && blocks(https.body, "default_action").flatMap((a) => refsTo(a.target_group_arn, "aws_lb_target_group"))[0];
  const webTg = refsTo(output(outputOf(webTier.body.target_group_arns)), "aws_lb_target_group")[0];
  if (!publicTg || publicTg !== webTg) bad.push("the public ALB's HTTPS listener does not forward to the web tier's target group");

  const webInputs = Object.fromEntries(Object.entries(webTier.body.runtime_environment ?? {}).map(([k, x]) => [k, evalExpr(x, root, INPUTS)]));
  for (const app of apps) {
    const upstream = webTier.body.runtime_environment?.[`TIERSTACK_${app.toUpperCase()}_UPSTREAM`];
    if (!refsTo(output(outputOf(upstream)), "aws_lb").includes(internalLb.name)) bad.push(`the web tier's ${app} upstream is not the internal ALB`);
  }
  const appTgs = refsTo(output(outputOf(appTier.body.target_group_arns)), "aws_lb_target_group");
  const internalListeners = lbMod.resources.filter((r) => r.type === "aws_lb_listener" && refsTo(r.body.load_balancer_arn, "aws_lb").includes(internalLb.name));
  const internalTgs = internalListeners.flatMap((l) => blocks(l.body, "default_action").flatMap((a) => refsTo(a.target_group_arn, "aws_lb_target_group")));
  if (appTgs.length === 0 || !appTgs.every((t) => internalTgs.includes(t))) bad.push("the app tier is not behind the internal ALB's listeners");

  const hops = albAppends(publicLb, bad) + webNginxAppends(deploy, webInputs, bad) + albAppends(internalLb, bad);

  // 2. The app tier's user data, rendered.
  const runtime = Object.fromEntries(Object.entries(appTier.body.runtime_environment ?? {}).map(([k, x]) => [k, evalExpr(x, root, INPUTS)]));
  let fetched = {};
  try {
    fetched = evalFetched(appTier.body.fetched_environment, root, INPUTS);
  } catch (e) {
    bad.push(e.message);
  }
  const bootstrap = evalDeep(appTier.body.database_bootstrap ?? null, root, INPUTS);
  const compute = tree.modules.get(moduleSourceDir(appTier));
  let userData = "";
  try {
    userData = renderTemplate(fs.readFileSync(path.join(compute.dir, "templates/user-data.sh.tftpl"), "utf8"), {
      region: "us-east-1", artifact_bucket: "artifacts", artifact_prefix: "releases", release_version: "0123abcd",
      packages: JSON.parse(JSON.stringify(appTier.body.packages)), services: JSON.parse(JSON.stringify(appTier.body.services)),
      runtime_environment: runtime, fetched_environment: fetched,
      db_master_secret_arn: bootstrap?.master_secret_arn ?? "", db_roles: bootstrap?.roles ?? {},
    });
  } catch (e) {
    bad.push(`app tier user data does not render: ${e.message}`);
  }
  const envText = heredoc(userData, "/etc/tierstack/runtime.env", "RUNTIME_ENV");
  const env = parseEnvFile(envText ?? "");
  if (envText === null) bad.push("the app tier's user data writes no runtime.env");
  for (const app of apps) {
    const name = `${app.toUpperCase()}_TRUST_PROXY_HOPS`;
    if (env[name] !== String(hops)) bad.push(`${name} is ${env[name] ?? "unset"} in the rendered runtime.env; the chain appends ${hops} X-Forwarded-For entries`);
  }
  if (env.SHOP_PAYMENT_GATEWAY !== INPUTS.shop_payment_gateway) bad.push(`SHOP_PAYMENT_GATEWAY is ${env.SHOP_PAYMENT_GATEWAY ?? "unset"}, not var.shop_payment_gateway`);
  if (env.SHOP_ALLOW_SANDBOX !== "false") bad.push(`SHOP_ALLOW_SANDBOX is ${env.SHOP_ALLOW_SANDBOX ?? "unset"} by default, not false`);

  // 3. Database credentials: own roles for the services, master for the bootstrap only.
  const fetch = heredoc(userData, "/usr/local/sbin/tierstack-fetch-secrets", "FETCH") ?? "";
  const boot = heredoc(userData, "/usr/local/sbin/tierstack-db-bootstrap", "DB_BOOTSTRAP");
  if (fetch.includes(MASTER_ARN)) bad.push("the services' secrets (secrets.env) include the database master secret");
  if (/emit 'PG(USER|PASSWORD)'/.test(fetch)) bad.push("secrets.env sets PGUSER/PGPASSWORD for every service alike");
  for (const app of apps) {
    const P = app.toUpperCase();
    const own = new RegExp(`--secret-id '${roleArn(app)}'[^\\n]*\\n(?:emit[^\\n]*\\n)*?emit 'TIERSTACK_${P}_DB_PASSWORD'`);
    if (!own.test(fetch)) bad.push(`the ${app} service does not get its own role's password from ${roleArn(app)}`);
    if (!boot || !boot.includes(`'${roleArn(app)}'`) || !boot.includes(`-v role='${app}'`)) bad.push(`the database bootstrap does not make the ${app} role`);
  }
  if (!boot || !boot.includes(`'${MASTER_ARN}'`)) bad.push("no database bootstrap reads the master secret");
  for (const s of asArray(JSON.parse(JSON.stringify(appTier.body.services)))) {
    const dropIn = heredoc(userData, `/etc/systemd/system/${s}.service.d/aws.conf`, "DROPIN") ?? "";
    for (const line of ["Requires=tierstack-db-bootstrap.service", "After=tierstack-db-bootstrap.service", "EnvironmentFile=/etc/tierstack/runtime.env"]) {
      if (!dropIn.split("\n").includes(line)) bad.push(`${s}'s drop-in lacks ${line}`);
    }
  }

  // 4. The launcher gives each app its own credentials and nothing of the other's.
  const secrets = {};
  for (const app of apps) {
    const P = app.toUpperCase();
    Object.assign(secrets, { [`TIERSTACK_${P}_DB_USER`]: app, [`TIERSTACK_${P}_DB_PASSWORD`]: `pw-${app}`, [`TIERSTACK_${P}_SECRET_KEY`]: `key-${app}` });
  }
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "appenv-launch-"));
  try {
    fs.writeFileSync(path.join(bin, "fake-app"), "#!/bin/bash\nenv\n", { mode: 0o755 });
    const launcher = fs.readFileSync(path.join(deploy, "systemd/tierstack-launch"), "utf8").replace('exec "/usr/bin/$app"', `exec "${bin}/fake-app"`);
    fs.writeFileSync(path.join(bin, "launch"), launcher, { mode: 0o755 });
    for (const app of apps) {
      const P = app.toUpperCase();
      const r = spawnSync("bash", [path.join(bin, "launch"), app, "serve"], { encoding: "utf8", env: { PATH: process.env.PATH, ...env, ...secrets } });
      const got = parseEnvFile(r.stdout ?? "");
      if (r.status !== 0) bad.push(`launcher failed for ${app}: ${r.stderr}`);
      if (got.PGUSER !== app || got.PGPASSWORD !== `pw-${app}`) bad.push(`${app} does not log in as its own role (PGUSER=${got.PGUSER})`);
      if (got[`${P}_TRUST_PROXY_HOPS`] !== String(hops)) bad.push(`${app} starts with ${P}_TRUST_PROXY_HOPS=${got[`${P}_TRUST_PROXY_HOPS`]}`);
      const leaked = Object.keys(got).filter((k) => /^TIERSTACK_\w+_(DB_PASSWORD|DB_USER|SECRET_KEY)$/.test(k));
      if (leaked.length) bad.push(`${app} keeps ${leaked.join(", ")} in its environment`);
    }
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
  return bad;
}

// --- the configuration, and mutations proving each part of the check can fail ----

function copyDeploy() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "appenv-deploy-"));
  fs.cpSync(path.join(REPO, "deploy"), dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}.terraform`) });
  return dir;
}

function mutate(dir, file, find, replace) {
  const f = path.join(dir, file);
  const text = fs.readFileSync(f, "utf8");
  assert.equal(text.split(find).length - 1, 1, `mutation target not found exactly once in ${file}: ${find}`);
  fs.writeFileSync(f, text.replace(find, replace));
}

describe("app tier environment on AWS", () => {
  test("deploy/ trusts exactly the X-Forwarded-For entries of the proxy chain, requires the payment mode, and gives each app its own database role", async () => {
    assert.deepEqual(await appEnvironment(path.join(REPO, "deploy")), []);
  });

  const mutations = [
    ["the apps trust one hop too few (today's shared login bucket)", "terraform/envs/prod/main.tf",
      'proxy_chain        = ["public-alb", "web-nginx", "internal-alb"]', 'proxy_chain        = ["public-alb", "web-nginx"]'],
    ["the microblog gets no TRUST_PROXY_HOPS", "terraform/envs/prod/main.tf",
      "    MICROBLOG_TRUST_PROXY_HOPS       = tostring(local.trusted_proxy_hops)\n", ""],
    ["the public ALB stops appending (the apps would trust a client's entry)", "terraform/modules/loadbalancer/main.tf",
      '  idle_timeout               = 60\n  xff_header_processing_mode = "append"', '  idle_timeout               = 60\n  xff_header_processing_mode = "preserve"'],
    ["the internal ALB appends client ports", "terraform/modules/loadbalancer/main.tf",
      '  enable_deletion_protection = var.deletion_protection\n  xff_header_processing_mode = "append"\n  enable_xff_client_port     = false\n\n  access_logs {\n    bucket  = var.access_logs_bucket\n    prefix  = "alb/internal"',
      '  enable_deletion_protection = var.deletion_protection\n  xff_header_processing_mode = "append"\n  enable_xff_client_port     = true\n\n  access_logs {\n    bucket  = var.access_logs_bucket\n    prefix  = "alb/internal"'],
    ["the web tier's nginx replaces X-Forwarded-For", "nginx/proxy.conf",
      "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;", "proxy_set_header X-Forwarded-For $remote_addr;"],
    ["the payment gateway is written in as the sandbox", "terraform/envs/prod/main.tf",
      "SHOP_PAYMENT_GATEWAY             = var.shop_payment_gateway", 'SHOP_PAYMENT_GATEWAY             = "sandbox"'],
    ["the shop logs in with the master secret again", "terraform/envs/prod/main.tf",
      'secret_arn = module.database.app_role_secret_arns["shop"]', "secret_arn = module.database.master_secret_arn"],
    ["the services start without waiting for the database bootstrap", "terraform/modules/compute/templates/user-data.sh.tftpl",
      "Requires=tierstack-db-bootstrap.service\nAfter=tierstack-db-bootstrap.service\n", ""],
    ["the launcher leaves the other app's credentials in place", "systemd/tierstack-launch",
      "TIERSTACK_*_SECRET_KEY | TIERSTACK_*_DB_PASSWORD | TIERSTACK_*_DB_USER) unset", "TIERSTACK_NOTHING) unset"],
  ];
  for (const [what, file, find, replace] of mutations) {
    test(`fails when ${what}`, async () => {
      const dir = copyDeploy();
      try {
        mutate(dir, file, find, replace);
        const bad = await appEnvironment(dir);
        if (process.env.SHOW_VIOLATIONS) console.log(what, "=>", bad);
        assert.ok(bad.length > 0, `no violation found when ${what}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
