// What issue 7 asks of the Terraform beyond the generic policies: the module
// set, the wiring, and the properties each tier must have.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { loadTree, findTfFiles, allResources, blocks, moduleSourceDir } from "../lib/terraform.mjs";
import { formatHcl } from "../lib/hclstyle.mjs";
import { TERRAFORM, ENV_ROOTS, FIXTURES } from "../lib/paths.mjs";

const MODULES = ["network", "security", "compute", "loadbalancer", "database", "monitoring", "artifacts", "logs"];
let tree;
const mod = (name) => tree.modules.get(path.join(TERRAFORM, "modules", name));
const res = (m, type, name) => mod(m).resources.find((r) => r.type === type && r.name === name);

before(async () => {
  tree = await loadTree(TERRAFORM, { roots: ENV_ROOTS });
});

test("HCL layout follows terraform fmt (indentation, aligned =) in every .tf file", () => {
  const problems = [];
  for (const f of [...findTfFiles(TERRAFORM), ...findTfFiles(FIXTURES)]) {
    for (const p of formatHcl(fs.readFileSync(f, "utf8")).problems) problems.push(`${path.relative(TERRAFORM, f)}:${p.line}: ${p.message}`);
  }
  assert.deepEqual(problems, []);
});

test("all eight modules exist and the prod environment calls each of them", () => {
  const prod = tree.modules.get(ENV_ROOTS[0]);
  const called = new Set(prod.moduleCalls.map((c) => path.basename(moduleSourceDir(c))));
  for (const m of MODULES) {
    assert.ok(mod(m), `modules/${m} is missing`);
    assert.ok(called.has(m), `envs/prod does not call modules/${m}`);
  }
});

test("module arguments come from other modules' outputs, never literal IDs", () => {
  const text = findTfFiles(TERRAFORM).map((f) => fs.readFileSync(f, "utf8")).join("\n");
  assert.doesNotMatch(text, /"(vpc|subnet|sg|igw|nat|rtb|ami|i|lt)-[0-9a-f]{8,17}"/, "hard-coded AWS resource ID");
  // 12-digit numbers are account IDs; the only one allowed is Debian's AMI owner.
  const accounts = [...text.matchAll(/\b\d{12}\b/g)].map((m) => m[0]).filter((a) => a !== "136693071363");
  assert.deepEqual(accounts, []);
  const prod = tree.modules.get(ENV_ROOTS[0]);
  for (const call of prod.moduleCalls) {
    for (const key of ["vpc_id", "subnet_ids", "public_subnet_ids", "private_subnet_ids", "subnet_id", "security_group_id", "target_group_arns"]) {
      if (call.body[key] !== undefined) assert.match(JSON.stringify(call.body[key]), /module\./, `module.${call.name}.${key} is not wired from an output`);
    }
  }
});

test("network: two zones, public and private subnet per zone, IGW, NAT per zone or single by variable", () => {
  for (const kind of ["public", "private"]) assert.equal(res("network", "aws_subnet", kind).body.count, "${local.zone_count}");
  assert.match(JSON.stringify(mod("network").locals), /"zone_count":2/);
  assert.ok(res("network", "aws_internet_gateway", "this"));
  assert.equal(res("network", "aws_nat_gateway", "this").body.count, "${local.nat_count}");
  assert.match(mod("network").locals.nat_count, /var\.single_nat_gateway \? 1 : local\.zone_count/);
  assert.ok(res("network", "aws_route_table", "public") && res("network", "aws_route_table", "private"));
});

test("security: one group per tier; app and database reachable only from the tier in front", () => {
  const tiers = allResources(tree, "aws_security_group").map((r) => r.name).sort();
  assert.deepEqual(tiers, ["app", "app_lb", "db", "lb", "monitoring", "web"]);
  const ingress = allResources(tree, "aws_vpc_security_group_ingress_rule");
  const sources = (sg) => ingress.filter((r) => r.body.security_group_id === `\${aws_security_group.${sg}.id}`)
    .map((r) => r.body.referenced_security_group_id ?? r.body.cidr_ipv4);
  assert.deepEqual([...new Set(sources("web"))].sort(), ["${aws_security_group.lb.id}", "${aws_security_group.monitoring.id}"]);
  assert.deepEqual([...new Set(sources("app"))].sort(), ["${aws_security_group.app_lb.id}", "${aws_security_group.monitoring.id}"]);
  assert.deepEqual(sources("db"), ["${aws_security_group.app.id}"]);
  assert.deepEqual(sources("monitoring"), []);
  assert.deepEqual(allResources(tree, "aws_security_group").flatMap((r) => blocks(r.body, "ingress")), []);
});

test("compute: SSM instance profile, IMDSv2, rolling instance refresh gated by load balancer health", () => {
  const attach = res("compute", "aws_iam_role_policy_attachment", "ssm");
  assert.match(attach.body.policy_arn, /AmazonSSMManagedInstanceCore$/);
  const asg = res("compute", "aws_autoscaling_group", "this");
  const refresh = blocks(asg.body, "instance_refresh")[0];
  assert.equal(refresh.strategy, "Rolling");
  assert.equal(blocks(refresh, "preferences")[0].auto_rollback, true);
  assert.match(asg.body.health_check_type, /"ELB"/);
  assert.equal(asg.body.vpc_zone_identifier, "${var.subnet_ids}");
  assert.equal(blocks(asg.body, "launch_template")[0].version, "${aws_launch_template.this.latest_version}");
});

test("compute: user data installs the release packages, starts the units, and fetches secrets at boot", () => {
  const tpl = fs.readFileSync(path.join(TERRAFORM, "modules/compute/templates/user-data.sh.tftpl"), "utf8");
  assert.match(tpl, /aws s3 cp --only-show-errors "\$RELEASE_URL\/SHA256SUMS"/);
  assert.match(tpl, /sha256sum --check --strict/);
  assert.match(tpl, /apt-get install -y "\$\$\{debs\[@\]\}"/);
  assert.match(tpl, /secretsmanager get-secret-value/);
  assert.match(tpl, /systemctl enable \$\{join\(" ", services\)\}/);
  assert.doesNotMatch(tpl, /\bsed\b/);
  const prod = fs.readFileSync(path.join(ENV_ROOTS[0], "main.tf"), "utf8");
  for (const unit of ["tierstack-shop", "tierstack-microblog", "tierstack-web"]) assert.match(prod, new RegExp(`"${unit}"`));
});

test("loadbalancer: every target group is health-checked on /readyz", () => {
  const tgs = allResources(tree, "aws_lb_target_group");
  assert.equal(tgs.length, 2);
  const lbVars = mod("loadbalancer").variables.find((v) => v.name === "health_check_path");
  assert.equal(lbVars.body.default, "/readyz");
  for (const tg of tgs) assert.equal(blocks(tg.body, "health_check")[0].path, "${var.health_check_path}");
});

test("database: generated password kept in Secrets Manager, Multi-AZ by variable", () => {
  const db = res("database", "aws_db_instance", "this");
  assert.equal(db.body.password, "${random_password.master.result}");
  assert.equal(db.body.multi_az, "${var.multi_az}");
  const version = res("database", "aws_secretsmanager_secret_version", "master");
  assert.match(version.body.secret_string, /random_password\.master\.result/);
});

test("monitoring: Prometheus and Grafana instance with configuration provisioned from deploy/", () => {
  const tpl = fs.readFileSync(path.join(TERRAFORM, "modules/monitoring/templates/user-data.sh.tftpl"), "utf8");
  for (const s of ["prometheus", "grafana", "/etc/grafana/provisioning/", "/var/lib/grafana/dashboards/tierstack"]) assert.ok(tpl.includes(s), s);
  const call = tree.modules.get(ENV_ROOTS[0]).moduleCalls.find((c) => c.name === "monitoring");
  assert.ok(fs.existsSync(path.resolve(ENV_ROOTS[0], call.body.prometheus_dir.replace("${path.root}", "."), "prometheus.yml.tftpl")));
  assert.ok(fs.existsSync(path.resolve(ENV_ROOTS[0], call.body.grafana_dir.replace("${path.root}", "."), "provisioning")));
});
