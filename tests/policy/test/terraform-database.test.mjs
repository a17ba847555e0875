// The database's durability on AWS (issue 13), through the whole
// configuration rather than one file: the policies of lib/db-durability.mjs
// evaluated on deploy/terraform with envs/prod as the root, plus the wiring a
// restore depends on (the environment's variables reach the module, the apps
// and the role bootstrap follow the instance's address, replication is off
// by default and goes through the aws.backup_replica provider). Mutations of
// a copy of deploy/terraform prove each part can fail, including the cases a
// single-file fixture cannot show (a value passed through a module call).
// Last, the restore runbook in docs/operations-aws.md names only variables
// and fields that exist.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadTree, moduleSourceDir, blocks } from "../lib/terraform.mjs";
import { dbDurabilityPolicies } from "../lib/db-durability.mjs";
import { REPO } from "../lib/paths.mjs";

const policyIds = dbDurabilityPolicies.map((p) => p.id);

// Every violation, each prefixed with the policy or check that found it.
async function databaseDurability(tfRoot) {
  const envDir = path.join(tfRoot, "envs/prod");
  const tree = await loadTree(tfRoot, { roots: [envDir] });
  const bad = [];
  for (const p of dbDurabilityPolicies) for (const v of p.check(tree)) bad.push(`${p.id}: ${v}`);

  const env = tree.modules.get(envDir);
  const dbDir = path.join(tfRoot, "modules/database");
  const db = tree.modules.get(dbDir);
  const call = env.moduleCalls.find((c) => moduleSourceDir(c) === dbDir);
  if (!call) return [...bad, "wiring: envs/prod does not call modules/database"];
  const envVar = (n) => env.variables.find((v) => v.name === n);
  const modVar = (n) => db.variables.find((v) => v.name === n);
  const instance = db.resources.find((r) => r.type === "aws_db_instance" && r.name === "this");

  // The restore is driven by the environment's variables, unchanged.
  if (call.body.restore !== "${var.db_restore}") bad.push(`wiring: module.database restore is ${JSON.stringify(call.body.restore)}, not var.db_restore`);
  if (call.body.identifier !== "${var.db_identifier}") bad.push(`wiring: module.database identifier is ${JSON.stringify(call.body.identifier)}, not var.db_identifier`);
  for (const n of ["db_restore", "db_identifier"]) {
    const v = envVar(n);
    if (!v) bad.push(`wiring: envs/prod has no variable ${n}`);
    else if (v.body.default !== null) bad.push(`wiring: ${n} defaults to ${JSON.stringify(v.body.default)}, not null (a new environment starts empty, never restored)`);
  }
  if (envVar("db_restore") && modVar("restore") && envVar("db_restore").body.type !== modVar("restore").body.type) {
    bad.push("wiring: the type of envs/prod var.db_restore differs from modules/database var.restore");
  }
  if (instance?.body.identifier !== "${local.identifier}" || db.locals.identifier !== "${coalesce(var.identifier, var.name)}") {
    bad.push(`wiring: the instance's identifier is ${JSON.stringify(instance?.body.identifier)} (local.identifier = ${JSON.stringify(db.locals.identifier)}), not coalesce(var.identifier, var.name)`);
  }
  const snapshotLocal = db.locals.restore_snapshot ?? "";
  const pitrLocal = db.locals.restore_pitr ?? "";
  if (instance?.body.snapshot_identifier !== "${local.restore_snapshot}" || !/var\.restore\.snapshot_identifier/.test(snapshotLocal)) bad.push("wiring: snapshot_identifier does not come from var.restore.snapshot_identifier");
  const dyn = blocks(instance?.body, "dynamic").flatMap((d) => blocks(d, "restore_to_point_in_time"))[0];
  if (!dyn || dyn.for_each !== "${local.restore_pitr}" || !/\[var\.restore\]/.test(pitrLocal)) bad.push("wiring: restore_to_point_in_time is not one block per var.restore");
  const content = blocks(dyn, "content")[0] ?? {};
  for (const f of ["source_db_instance_identifier", "source_dbi_resource_id", "source_db_instance_automated_backups_arn", "restore_time", "use_latest_restorable_time"]) {
    if (content[f] !== `\${restore_to_point_in_time.value.${f}}`) bad.push(`wiring: restore_to_point_in_time.${f} is not taken from var.restore`);
  }

  // The apps and the role bootstrap follow the instance, so a restored one
  // is picked up by the same apply (the app tier's user data changes, and
  // its instance refresh rolls the apps over).
  const app = env.moduleCalls.find((c) => JSON.stringify(c.body.packages ?? []).includes('"tierstack-shop"'));
  if (app?.body.runtime_environment?.PGHOST !== "${module.database.address}") bad.push("wiring: the app tier's PGHOST is not module.database.address");
  const addr = db.outputs.find((o) => o.name === "address");
  if (addr?.body.value !== "${aws_db_instance.this.address}") bad.push("wiring: modules/database output address is not the instance's address");
  const master = db.resources.find((r) => r.type === "aws_secretsmanager_secret_version" && r.name === "master");
  if (!/host\s*=\s*aws_db_instance\.this\.address/.test(master?.body.secret_string ?? "")) bad.push("wiring: the master secret (read by the role bootstrap) does not carry the instance's address");

  // Replication: off by default, through the aliased provider of another
  // region, which envs/prod configures and passes.
  if (envVar("db_backup_replication_enabled")?.body.default !== false) bad.push("wiring: db_backup_replication_enabled is not false by default");
  if (modVar("backup_replication_enabled")?.body.default !== false) bad.push("wiring: backup_replication_enabled is not false by default");
  if (call.body.backup_replication_enabled !== "${var.db_backup_replication_enabled}") bad.push("wiring: module.database backup_replication_enabled is not var.db_backup_replication_enabled");
  if ((call.body.providers ?? {})["aws.backup_replica"] !== "${aws.backup_replica}") bad.push("wiring: module.database is not given the aws.backup_replica provider");
  const replicaProvider = env.providers.find((p) => p.name === "aws" && p.body.alias === "backup_replica");
  if (!replicaProvider || replicaProvider.body.region !== "${var.db_backup_replica_region}") bad.push("wiring: envs/prod has no aws provider alias backup_replica in var.db_backup_replica_region");
  const replication = db.resources.find((r) => r.type === "aws_db_instance_automated_backups_replication");
  if (!replication) bad.push("wiring: modules/database has no aws_db_instance_automated_backups_replication");
  else if (replication.body.count !== "${var.backup_replication_enabled ? 1 : 0}") bad.push(`wiring: the replication's count is ${replication.body.count}, not var.backup_replication_enabled`);
  return bad;
}

function copyTerraform() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "db-durability-"));
  fs.cpSync(path.join(REPO, "deploy/terraform"), dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}.terraform`) });
  return dir;
}

function mutate(dir, file, find, replace) {
  const f = path.join(dir, file);
  const text = fs.readFileSync(f, "utf8");
  assert.equal(text.split(find).length - 1, 1, `mutation target not found exactly once in ${file}: ${find}`);
  fs.writeFileSync(f, text.replace(find, replace));
}

describe("database durability on AWS", () => {
  test("deploy/terraform keeps backups, protection, Multi-AZ and restores as required, and wires the restore through", async () => {
    assert.deepEqual(await databaseDurability(path.join(REPO, "deploy/terraform")), []);
  });

  const MAIN = "modules/database/main.tf";
  const VARS = "modules/database/variables.tf";
  const ENV = "envs/prod/main.tf";
  const ENV_VARS = "envs/prod/variables.tf";
  // [what, expected finding (regex), [file, find, replace]...]
  const mutations = [
    ["production turns Multi-AZ off by default", /^db-multi-az: .*multi_az is false .*\(default of var\.db_multi_az\)/,
      [ENV_VARS, "(automatic failover, typically 60-120 s). Production keeps it on: tests/policy checks it.\"\n  type        = bool\n  default     = true",
        "(automatic failover, typically 60-120 s). Production keeps it on: tests/policy checks it.\"\n  type        = bool\n  default     = false"]],
    ["production passes multi_az = false", /^db-multi-az: .*multi_az is false \(via module\.database\)/,
      [ENV, "multi_az                          = var.db_multi_az", "multi_az                          = false"]],
    ["production leaves multi_az to a module that defaults to single-AZ", /^db-multi-az: .*default of var\.multi_az/,
      [ENV, "  multi_az                          = var.db_multi_az\n", ""],
      [VARS, "RDS fails over to it in typically 60-120 s when the primary or its zone fails).\"\n  type        = bool\n  default     = true",
        "RDS fails over to it in typically 60-120 s when the primary or its zone fails).\"\n  type        = bool\n  default     = false"]],
    ["production passes three days of backups", /^db-backup-retention: .*backup_retention_period is 3 \(via module\.database\)/,
      [ENV, "backup_retention_days             = var.db_backup_retention_days", "backup_retention_days             = 3"]],
    ["the module's retention variable accepts fewer than 7 days", /^db-backup-retention: .*whose validation does not refuse fewer than 7 days/,
      [VARS, "condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35", "condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35"]],
    ["deletion protection is off by default in production", /^db-deletion-protection: .*default of var\.deletion_protection/,
      [ENV_VARS, "set false only to tear the environment down.\"\n  type        = bool\n  default     = true", "set false only to tear the environment down.\"\n  type        = bool\n  default     = false"]],
    ["the automated backups are deleted with the instance", /^db-final-snapshot: .*delete_automated_backups is not set/,
      [MAIN, "  delete_automated_backups  = false\n", ""]],
    ["the final snapshot is skipped", /^db-final-snapshot: .*skip_final_snapshot is true/,
      [MAIN, "skip_final_snapshot       = false", "skip_final_snapshot       = true"]],
    ["the replicated backups stay in the database's region", /^db-backup-replication-encrypted: .*no provider alias/,
      [MAIN, "  count    = var.backup_replication_enabled ? 1 : 0\n  provider = aws.backup_replica\n\n  source_db_instance_arn", "  count = var.backup_replication_enabled ? 1 : 0\n\n  source_db_instance_arn"]],
    ["the replica's key is made in the database's region", /^db-backup-replication-encrypted: .*created in another region/,
      [MAIN, "  count    = var.backup_replication_enabled && var.backup_replication_kms_key_arn == null ? 1 : 0\n  provider = aws.backup_replica\n",
        "  count = var.backup_replication_enabled && var.backup_replication_kms_key_arn == null ? 1 : 0\n"]],
    ["the replicated backups are not encrypted", /^db-backup-replication-encrypted: .*no kms_key_id/,
      [MAIN, "  kms_key_id             = var.backup_replication_kms_key_arn != null ? var.backup_replication_kms_key_arn : aws_kms_key.backup_replica[0].arn\n", ""]],
    ["a restore may reuse the live identifier (no precondition)", /^db-restore-new-instance: .*no precondition/,
      [MAIN, "condition     = var.restore == null || (var.identifier != null && local.identifier != var.name && local.identifier != try(var.restore.source_db_instance_identifier, null))",
        "condition     = var.restore == null || var.identifier != null"]],
    ["a plan may replace the live instance", /^db-restore-new-instance: .*neither prevent_destroy nor create_before_destroy/,
      [MAIN, "    prevent_destroy = true\n", ""]],
    ["every instance's final snapshot has the same name", /^db-restore-new-instance: .*final_snapshot_identifier .* does not follow the identifier/,
      [MAIN, "final_snapshot_identifier = \"${local.identifier}-final\"", "final_snapshot_identifier = \"${var.name}-final\""]],
    ["the identifier ignores var.identifier", /^wiring: the instance's identifier/,
      [MAIN, "  identifier     = local.identifier\n", "  identifier     = var.name\n"]],
    ["production does not pass its restore variable", /^wiring: module\.database restore/,
      [ENV, "  restore                           = var.db_restore\n", ""]],
    ["production does not pass its identifier", /^wiring: module\.database identifier/,
      [ENV, "  identifier                        = var.db_identifier\n", ""]],
    ["the restore time is not passed on", /^wiring: restore_to_point_in_time\.restore_time/,
      [MAIN, "      restore_time                             = restore_to_point_in_time.value.restore_time\n", ""]],
    ["the apps keep a fixed database host", /^wiring: the app tier's PGHOST/,
      [ENV, "PGHOST                           = module.database.address", "PGHOST                           = \"tierstack-prod.example.rds.amazonaws.com\""]],
    ["replication is on by default", /^wiring: db_backup_replication_enabled is not false/,
      [ENV_VARS, "for a restore when this region is down.\"\n  type        = bool\n  default     = false", "for a restore when this region is down.\"\n  type        = bool\n  default     = true"]],
    ["the module is not given the replica region's provider", /^wiring: module\.database is not given the aws\.backup_replica provider/,
      [ENV, "    aws.backup_replica = aws.backup_replica\n", ""]],
  ];
  for (const [what, expected, ...edits] of mutations) {
    test(`fails when ${what}`, async () => {
      const dir = copyTerraform();
      try {
        for (const [file, find, replace] of edits) mutate(dir, file, find, replace);
        const bad = await databaseDurability(dir);
        if (process.env.SHOW_VIOLATIONS) console.log(what, "=>", bad);
        assert.ok(bad.some((b) => expected.test(b)), `expected ${expected} when ${what}; found ${JSON.stringify(bad)}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe("the restore runbook (docs/operations-aws.md)", () => {
  const doc = fs.readFileSync(path.join(REPO, "docs/operations-aws.md"), "utf8");
  const start = doc.indexOf("## Restoring the database");
  const runbook = start < 0 ? "" : doc.slice(start, doc.indexOf("\n## ", start + 1) > 0 ? doc.indexOf("\n## ", start + 1) : undefined);

  test("exists and walks from the lost database to serving again", () => {
    assert.ok(runbook, "docs/operations-aws.md has no \"## Restoring the database\" section");
    for (const needle of ["aws rds describe-db-instance-automated-backups", "terraform plan", "terraform apply", "db_identifier", "db_restore",
      "/readyz", "RPO", "RTO", "shop", "microblog", "tierstack-db-bootstrap", "describe-instance-refreshes"]) {
      assert.ok(runbook.includes(needle), `the runbook does not mention ${needle}`);
    }
  });

  test("names only variables of envs/prod and fields of db_restore", async () => {
    const envDir = path.join(REPO, "deploy/terraform/envs/prod");
    const tree = await loadTree(path.join(REPO, "deploy/terraform"), { roots: [envDir] });
    const env = tree.modules.get(envDir);
    const vars = new Set(env.variables.map((v) => v.name));
    const restoreType = env.variables.find((v) => v.name === "db_restore")?.body.type ?? "";
    // Every "name = value" line of the runbook's tfvars examples.
    const blocksHcl = [...runbook.matchAll(/```hcl\n([\s\S]*?)```/g)].map((m) => m[1]);
    assert.ok(blocksHcl.length > 0, "the runbook has no ```hcl example of the variables to set");
    for (const block of blocksHcl) {
      for (const line of block.split("\n")) {
        const m = line.match(/^\s*([a-z_]+)\s*=/);
        if (!m) continue;
        const nested = /^\s{2,}/.test(line);
        if (nested) assert.ok(restoreType.includes(`${m[1]} `) || restoreType.includes(`${m[1]}=`) || new RegExp(`\\b${m[1]}\\b`).test(restoreType), `the runbook sets db_restore.${m[1]}, which var.db_restore does not have`);
        else assert.ok(vars.has(m[1]), `the runbook sets ${m[1]}, which is not a variable of envs/prod`);
      }
    }
    for (const [, name] of runbook.matchAll(/terraform output -raw ([a-z_]+)/g)) {
      assert.ok(env.outputs.some((o) => o.name === name), `the runbook reads terraform output ${name}, which envs/prod does not have`);
    }
  });
});
