// Policies for the database's durability (issue 13): backups kept long enough
// and past the instance's deletion, deletion protection, a final snapshot,
// Multi-AZ in every environment, encrypted cross-region copies of the
// backups, and restores that always go into a new instance.
//
// Unlike a single resource's attribute, most of these settings travel
// through module calls (envs/prod var.db_multi_az -> module "database"
// multi_az -> var.multi_az -> aws_db_instance.multi_az), so the values are
// evaluated the way Terraform would for each root configuration: a variable
// takes the argument of the module call that reached its module, or its
// default when the call leaves it out.
import { allResources, blocks, blocksWithDynamic, moduleSourceDir, refsTo, where, wholeVarRef } from "./terraform.mjs";

const MIN_RETENTION_DAYS = 7;

const isTrue = (v) => v === true || v === "true";
const isFalse = (v) => v === false || v === "false";
const num = (v) => (typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : null);
const has = (o, k) => o !== null && typeof o === "object" && Object.prototype.hasOwnProperty.call(o, k);
const text = (v) => (typeof v === "string" ? v : JSON.stringify(v ?? ""));
const isExpression = (v) => typeof v === "string" && v.includes("${");

// The chains of module calls by which Terraform reaches `mod` from the root
// configurations (tree.roots); a module no root reaches is taken on its own,
// with its variables' defaults (as a fixture is).
function callChains(tree, mod) {
  const chains = [];
  const walk = (dir, chain, depth) => {
    if (depth > 8) return;
    if (dir === mod.dir) chains.push(chain);
    const here = tree.modules.get(dir);
    for (const call of here?.moduleCalls ?? []) {
      const target = moduleSourceDir(call);
      if (target && tree.modules.has(target)) walk(target, [...chain, call], depth + 1);
    }
  };
  for (const root of tree.roots ?? []) walk(root, [], 0);
  return chains.length ? chains : [[]];
}

// What `expr` (written in `mod`) evaluates to when `mod` is reached by
// `chain`: { value } for a literal, { unset: true }, { required: variable }
// for a variable without a default that no caller sets, or { expr } for an
// expression this evaluator does not compute (a conditional, a function).
function evaluate(tree, mod, chain, expr) {
  if (expr === undefined) return { unset: true };
  if (!isExpression(expr)) return { value: expr };
  const name = wholeVarRef(expr);
  if (!name) return { expr };
  const call = chain.at(-1);
  if (call && call.body[name] !== undefined) return evaluate(tree, call.module, chain.slice(0, -1), call.body[name]);
  const v = mod.variables.find((x) => x.name === name);
  if (!v) return { expr };
  if (!has(v.body, "default")) return { required: v };
  return { value: v.body.default, from: v };
}

// Every value `attr` of resource `r` takes, one per way a root reaches it.
function effectiveValues(tree, r, attr) {
  return callChains(tree, r.module).map((chain) => ({ ...evaluate(tree, r.module, chain, r.body[attr]), chain }));
}

function describe(result) {
  const via = result.chain.length ? ` (via ${result.chain.map((c) => `module.${c.name}`).join(" -> ")})` : "";
  if (result.unset) return `not set${via}`;
  if (result.required) return `the required variable ${result.required.name}${via}`;
  if (has(result, "expr")) return `${result.expr}${via}`;
  return `${JSON.stringify(result.value)}${via}${result.from ? ` (default of var.${result.from.name})` : ""}`;
}

// The validation of variable `v` that holds it at `min` or more, if any:
// a condition containing "var.<name> >= N" (N >= min) or "var.<name> > N"
// (N >= min - 1).
function validatesAtLeast(v, min) {
  const name = v.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return blocks(v.body, "validation").some((val) => {
    const cond = text(val.condition);
    const ge = cond.match(new RegExp(`var\\.${name}\\s*>=\\s*(\\d+)`));
    const gt = cond.match(new RegExp(`var\\.${name}\\s*>\\s*(\\d+)`));
    return (ge && Number(ge[1]) >= min) || (gt && Number(gt[1]) >= min - 1);
  });
}

// Violations for a retention-like attribute: every value it can take is at
// least `min` days, and when it comes from a variable, that variable's
// validation refuses less (a tfvars file can pass anything).
function retentionViolations(tree, r, attr, { required }) {
  const bad = [];
  const expr = r.body[attr];
  if (expr === undefined) {
    if (required) bad.push(`${where(r)}: ${attr} not set (RDS keeps 1 day of backups by default)`);
    return bad;
  }
  const name = wholeVarRef(expr);
  if (isExpression(expr) && !name) return [`${where(r)}: ${attr} is ${expr}, which cannot be checked against ${MIN_RETENTION_DAYS} days`];
  if (name) {
    const v = r.module.variables.find((x) => x.name === name);
    if (!v || !validatesAtLeast(v, MIN_RETENTION_DAYS)) bad.push(`${where(r)}: ${attr} comes from var.${name}, whose validation does not refuse fewer than ${MIN_RETENTION_DAYS} days`);
  }
  for (const res of effectiveValues(tree, r, attr)) {
    if (res.required) continue; // any value passes the validation checked above
    const days = num(res.value);
    if (days === null || days < MIN_RETENTION_DAYS) bad.push(`${where(r)}: ${attr} is ${describe(res)}, under ${MIN_RETENTION_DAYS} days`);
  }
  return bad;
}

// Violations unless every value of `attr` is `want` (true or false).
function mustBe(tree, r, attr, want, why) {
  const ok = want ? isTrue : isFalse;
  return effectiveValues(tree, r, attr)
    .filter((res) => !(has(res, "value") && ok(res.value)))
    .map((res) => `${where(r)}: ${attr} is ${describe(res)}, not ${want} (${why})`);
}

const primaryInstances = (tree) => allResources(tree, "aws_db_instance").filter((db) => !db.body.replicate_source_db);

// --- restores -------------------------------------------------------------------------

// Variables and locals an expression refers to, following locals of `mod`
// (one level is all the module uses; three for safety).
function references(mod, value, depth = 0) {
  const t = text(value);
  const vars = new Set([...t.matchAll(/\bvar\.([\w-]+)/g)].map((m) => m[1]));
  const locals = new Set([...t.matchAll(/\blocal\.([\w-]+)/g)].map((m) => m[1]));
  if (depth < 3) {
    for (const l of [...locals]) {
      const inner = references(mod, mod.locals[l], depth + 1);
      inner.vars.forEach((v) => vars.add(v));
      inner.locals.forEach((x) => locals.add(x));
    }
  }
  return { vars, locals };
}

// How `db` can be restored: its restore blocks (static or dynamic, with the
// dynamic block's for_each) and snapshot_identifier. Null if it cannot.
function restoreSources(db) {
  const dynamics = blocks(db.body, "dynamic").flatMap((d) => blocks(d, "restore_to_point_in_time"));
  const pitr = blocksWithDynamic(db.body, "restore_to_point_in_time");
  const snapshot = db.body.snapshot_identifier;
  if (pitr.length === 0 && snapshot === undefined) return null;
  return { pitr, dynamics, snapshot };
}

export const dbDurabilityPolicies = [
  {
    id: "db-backup-retention",
    description: `every database keeps automated backups (point-in-time recovery) for at least ${MIN_RETENTION_DAYS} days in every environment, and a variable that sets it refuses less`,
    check(tree) {
      const bad = [];
      for (const db of [...primaryInstances(tree), ...allResources(tree, "aws_rds_cluster")]) {
        bad.push(...retentionViolations(tree, db, "backup_retention_period", { required: true }));
      }
      return bad;
    },
  },
  {
    id: "db-deletion-protection",
    description: "every database instance and cluster has deletion_protection = true in every environment",
    check(tree) {
      return [...allResources(tree, "aws_db_instance"), ...allResources(tree, "aws_rds_cluster")]
        .flatMap((db) => mustBe(tree, db, "deletion_protection", true, "a stray destroy or console click would delete it"));
    },
  },
  {
    id: "db-final-snapshot",
    description: "deleting a database leaves a final snapshot (skip_final_snapshot false, final_snapshot_identifier set) and keeps its automated backups (delete_automated_backups = false)",
    check(tree) {
      const bad = [];
      for (const db of [...primaryInstances(tree), ...allResources(tree, "aws_rds_cluster")]) {
        for (const res of effectiveValues(tree, db, "skip_final_snapshot")) {
          if (!(res.unset || (has(res, "value") && isFalse(res.value)))) bad.push(`${where(db)}: skip_final_snapshot is ${describe(res)}`);
        }
        const id = db.body.final_snapshot_identifier;
        if (typeof id !== "string" || id.trim() === "") bad.push(`${where(db)}: no final_snapshot_identifier`);
        if (db.type === "aws_db_instance") {
          bad.push(...mustBe(tree, db, "delete_automated_backups", false, "the provider's default deletes the point-in-time backups with the instance"));
        }
      }
      return bad;
    },
  },
  {
    id: "db-multi-az",
    description: "every database instance an environment creates runs Multi-AZ (multi_az evaluates to true through the module calls)",
    check(tree) {
      return primaryInstances(tree).flatMap((db) => mustBe(tree, db, "multi_az", true, "a single-AZ instance is down until RDS replaces it"));
    },
  },
  {
    id: "db-backup-replication-encrypted",
    description: `replicated automated backups go to another region (a provider alias other than the database's), encrypted with a KMS key of that region, kept at least ${MIN_RETENTION_DAYS} days`,
    check(tree) {
      const bad = [];
      for (const r of allResources(tree, "aws_db_instance_automated_backups_replication")) {
        const provider = r.body.provider;
        const dbs = refsTo(r.body.source_db_instance_arn, "aws_db_instance").map((n) => r.module.resources.find((x) => x.type === "aws_db_instance" && x.name === n)).filter(Boolean);
        if (!provider) bad.push(`${where(r)}: no provider alias, so the copy stays in the database's own region`);
        for (const db of dbs) {
          if (provider && (db.body.provider ?? "${aws}") === provider) bad.push(`${where(r)}: replicates with the database's own provider (${provider}), into the same region`);
        }
        const kms = r.body.kms_key_id;
        if (kms === undefined || kms === null || kms === "") {
          bad.push(`${where(r)}: no kms_key_id (the replicated backups of an encrypted database need a key in the destination region)`);
        } else {
          const keys = refsTo(kms, "aws_kms_key");
          const name = wholeVarRef(kms);
          if (keys.length) {
            for (const k of keys) {
              const key = r.module.resources.find((x) => x.type === "aws_kms_key" && x.name === k);
              if (!key) bad.push(`${where(r)}: kms_key_id refers to aws_kms_key.${k}, which this module does not define`);
              else if ((key.body.provider ?? "${aws}") !== (provider ?? "${aws}")) bad.push(`${where(key)}: the replica's key is created in another region (provider ${key.body.provider ?? "default"}) than the replica (${provider ?? "default"})`);
              else if (!isTrue(key.body.enable_key_rotation)) bad.push(`${where(key)}: the replica's key does not rotate (enable_key_rotation)`);
            }
          } else if (name) {
            const v = r.module.variables.find((x) => x.name === name);
            if (!v || (has(v.body, "default") && (v.body.default === null || v.body.default === ""))) bad.push(`${where(r)}: kms_key_id is var.${name}, which may be null and has no key to fall back on`);
          } else {
            bad.push(`${where(r)}: kms_key_id ${text(kms)} cannot be traced to a KMS key of the destination region`);
          }
        }
        if (!refsTo(r.body.source_db_instance_arn, "aws_db_instance").length) bad.push(`${where(r)}: source_db_instance_arn is not an aws_db_instance of this module`);
        bad.push(...retentionViolations(tree, r, "retention_period", { required: false }));
      }
      return bad;
    },
  },
  {
    id: "db-restore-new-instance",
    description: "a database that can be restored (restore_to_point_in_time or snapshot_identifier) is restored into a new instance: prevent_destroy (or at least create_before_destroy), an identifier that a precondition keeps apart from the live instance and the restore source, and a final snapshot named after its own identifier",
    check(tree) {
      const bad = [];
      for (const db of allResources(tree, "aws_db_instance")) {
        const src = restoreSources(db);
        if (!src) continue;
        const mod = db.module;
        const lifecycle = blocks(db.body, "lifecycle");
        // prevent_destroy: no plan can replace the live instance (a restore
        // creates the new one beside it); create_before_destroy: a
        // replacement at least creates the restored one first.
        if (!lifecycle.some((l) => isTrue(l.prevent_destroy) || isTrue(l.create_before_destroy))) {
          bad.push(`${where(db)}: neither prevent_destroy nor create_before_destroy: a restore would delete the live instance before the restored one exists`);
        }

        const id = db.body.identifier;
        const idRefs = references(mod, id);
        // Every source expression: the blocks' fields, the dynamic blocks'
        // for_each, the snapshot.
        const sourceExprs = [...src.pitr.flatMap((b) => Object.values(b)), ...src.dynamics.map((d) => d.for_each), src.snapshot].filter((x) => x !== undefined);
        const srcRefs = { vars: new Set(), locals: new Set() };
        for (const e of sourceExprs) {
          const r = references(mod, e);
          r.vars.forEach((v) => srcRefs.vars.add(v));
          r.locals.forEach((v) => srcRefs.locals.add(v));
        }
        for (const b of src.pitr) {
          if (refsTo(b.source_db_instance_identifier, "aws_db_instance").includes(db.name)) bad.push(`${where(db)}: restores from itself`);
          if (!isExpression(id) && b.source_db_instance_identifier === id) bad.push(`${where(db)}: restores from ${id} into ${id}: the live instance's identifier`);
        }

        const fixedId = id === undefined || idRefs.vars.size === 0;
        const variableSource = srcRefs.vars.size > 0;
        if (variableSource && fixedId) {
          bad.push(`${where(db)}: the restore source comes from variables but the identifier ${text(id)} is fixed, so a restore would take the live instance's identifier`);
        }
        if (variableSource && !fixedId) {
          // A precondition must tie the two: it names a restore variable and
          // the identifier (a variable or local of it) and compares with !=.
          const guarded = lifecycle.flatMap((l) => blocks(l, "precondition")).some((p) => {
            const c = text(p.condition);
            const mentions = (set, kind) => [...set].some((n) => new RegExp(`\\b${kind}\\.${n}\\b`).test(c));
            // The identifier itself on one side of a "!=", something other
            // than null on the other (being set is not being different).
            const compared = (set, kind) => [...set].some((n) => new RegExp(`\\b${kind}\\.${n}\\s*!=\\s*(?!null\\b)[\\w(]|(?<!\\bnull\\s*)!=\\s*${kind}\\.${n}\\b`).test(c));
            const restoreVars = new Set([...srcRefs.vars].filter((v) => !idRefs.vars.has(v)));
            return mentions(restoreVars, "var") && (compared(idRefs.vars, "var") || compared(idRefs.locals, "local"));
          });
          if (!guarded) bad.push(`${where(db)}: no precondition keeps the restore's identifier apart from the live instance and the restore source`);
        }

        const fs = db.body.final_snapshot_identifier;
        if (fs !== undefined) {
          const idText = text(id);
          const fsRefs = references(mod, fs);
          const follows = (isExpression(idText) && text(fs).includes(idText.slice(2, -1))) ||
            [...idRefs.locals].some((l) => fsRefs.locals.has(l)) ||
            (!isExpression(id) && text(fs).includes(idText));
          if (!follows) bad.push(`${where(db)}: final_snapshot_identifier ${text(fs)} does not follow the identifier: the restored instance's final snapshot would collide with the original's`);
        }
      }
      return bad;
    },
  },
];
