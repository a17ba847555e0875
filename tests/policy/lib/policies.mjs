// Each policy: id (also the fixture directory name), what it enforces, and
// check(tree) returning a list of violation messages (empty = passes).
// They follow what tfsec and checkov report for the same resources.
import path from "node:path";
import {
  allResources, allVariables, blocks, blocksWithDynamic, moduleSourceDir, refsTo, resolve, where, wholeVarRef,
} from "./terraform.mjs";
import { dbDurabilityPolicies } from "./db-durability.mjs";

const WORLD = new Set(["0.0.0.0/0", "::/0"]);
const LB_SG_NAMES = new Set(["lb", "alb", "elb", "load_balancer", "public_lb"]);

const asList = (v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const num = (v) => (typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : null);
const isTrue = (v) => v === true || v === "true";
const isFalse = (v) => v === false || v === "false";

// --- security group ingress, in all three spellings ------------------------------

function sgResourceFor(tree, mod, expr) {
  const names = refsTo(expr, "aws_security_group");
  return names.length ? mod.resources.find((r) => r.type === "aws_security_group" && r.name === names[0]) : null;
}

function isAllProtocols(p) {
  return p === "-1" || p === -1 || p === "all";
}

// Normalised ingress rules: { sg, cidrs, from, to, allPorts, item }
export function ingressRules(tree) {
  const rules = [];
  for (const r of allResources(tree, "aws_security_group")) {
    for (const ing of blocksWithDynamic(r.body, "ingress")) {
      rules.push({
        sg: r,
        cidrs: [...asList(resolve(ing.cidr_blocks, r.module)), ...asList(resolve(ing.ipv6_cidr_blocks, r.module))],
        from: num(resolve(ing.from_port, r.module)),
        to: num(resolve(ing.to_port, r.module)),
        allPorts: isAllProtocols(ing.protocol),
        item: r,
      });
    }
  }
  for (const r of allResources(tree, "aws_security_group_rule")) {
    if (r.body.type !== "ingress") continue;
    rules.push({
      sg: sgResourceFor(tree, r.module, r.body.security_group_id),
      cidrs: [...asList(resolve(r.body.cidr_blocks, r.module)), ...asList(resolve(r.body.ipv6_cidr_blocks, r.module))],
      from: num(resolve(r.body.from_port, r.module)),
      to: num(resolve(r.body.to_port, r.module)),
      allPorts: isAllProtocols(r.body.protocol),
      item: r,
    });
  }
  for (const r of allResources(tree, "aws_vpc_security_group_ingress_rule")) {
    rules.push({
      sg: sgResourceFor(tree, r.module, r.body.security_group_id),
      cidrs: [...asList(resolve(r.body.cidr_ipv4, r.module)), ...asList(resolve(r.body.cidr_ipv6, r.module))],
      from: num(resolve(r.body.from_port, r.module)),
      to: num(resolve(r.body.to_port, r.module)),
      allPorts: isAllProtocols(r.body.ip_protocol),
      item: r,
    });
  }
  return rules;
}

function isLbSecurityGroup(sg) {
  if (!sg) return false;
  const tags = blocks(sg.body, "tags")[0] ?? {};
  return LB_SG_NAMES.has(sg.name) || tags["tierstack:tier"] === "lb";
}

function covers(rule, port) {
  if (rule.allPorts) return true;
  if (rule.from === null || rule.to === null) return true; // unknown: assume the worst
  return rule.from <= port && port <= rule.to;
}

// --- CIDR arithmetic (IPv4) for "inside the VPC" --------------------------------

function parseCidr4(c) {
  const m = typeof c === "string" && c.match(/^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/);
  if (!m) return null;
  const ip = ((+m[1] << 24) >>> 0) + (+m[2] << 16) + (+m[3] << 8) + +m[4];
  return { ip, bits: +m[5] };
}

function cidrInside(inner, outer) {
  const a = parseCidr4(inner);
  const b = parseCidr4(outer);
  if (!a || !b || a.bits < b.bits) return false;
  const mask = b.bits === 0 ? 0 : (0xffffffff << (32 - b.bits)) >>> 0;
  return ((a.ip & mask) >>> 0) === ((b.ip & mask) >>> 0);
}

function vpcCidrs(tree) {
  return allResources(tree, "aws_vpc").map((v) => resolve(v.body.cidr_block, v.module)).filter((c) => parseCidr4(c));
}

function isInsideVpc(tree, cidr) {
  if (typeof cidr === "string" && /aws_vpc\.[\w-]+(\[[^\]]*\])?\.cidr_block|var\.vpc_cidr\b|module\.[\w-]+\.vpc_cidr\b/.test(cidr)) return true;
  return vpcCidrs(tree).some((vpc) => cidrInside(cidr, vpc));
}

// --- tracing subnets through module calls -----------------------------------------

// Resolves an expression in `mod` to the resources of `type` it denotes,
// following var -> caller's argument -> module output across modules.
function traceResources(tree, mod, expr, type, depth = 0) {
  if (depth > 8) return null;
  const direct = refsTo(expr, type);
  if (direct.length) {
    const found = direct.map((n) => mod.resources.find((r) => r.type === type && r.name === n));
    return found.every(Boolean) ? found : null;
  }
  const text = typeof expr === "string" ? expr : JSON.stringify(expr ?? "");
  const varName = (text.match(/\bvar\.([\w-]+)/) || [])[1];
  if (varName) {
    const calls = [];
    for (const caller of tree.modules.values()) {
      for (const call of caller.moduleCalls) if (moduleSourceDir(call) === mod.dir) calls.push(call);
    }
    if (calls.length === 0) return null;
    const result = [];
    for (const call of calls) {
      const arg = call.body[varName];
      if (arg === undefined) return null;
      const sub = traceResources(tree, call.module, arg, type, depth + 1);
      if (!sub) return null;
      result.push(...sub);
    }
    return result;
  }
  const outRef = text.match(/\bmodule\.([\w-]+)\.([\w-]+)/);
  if (outRef) {
    const call = mod.moduleCalls.find((c) => c.name === outRef[1]);
    const target = call && tree.modules.get(moduleSourceDir(call));
    const output = target?.outputs.find((o) => o.name === outRef[2]);
    if (!output) return null;
    return traceResources(tree, target, output.body.value, type, depth + 1);
  }
  return null;
}

function traceSubnets(tree, mod, expr) {
  return traceResources(tree, mod, expr, "aws_subnet");
}

function subnetIsPublic(subnet) {
  const mod = subnet.module;
  if (isTrue(resolve(subnet.body.map_public_ip_on_launch, mod))) return "maps public IPs on launch";
  const igwTables = new Set();
  for (const rt of mod.resources.filter((r) => r.type === "aws_route_table")) {
    if (blocks(rt.body, "route").some((rr) => refsTo(rr.gateway_id, "aws_internet_gateway").length)) igwTables.add(rt.name);
  }
  for (const route of mod.resources.filter((r) => r.type === "aws_route")) {
    if (refsTo(route.body.gateway_id, "aws_internet_gateway").length) {
      for (const n of refsTo(route.body.route_table_id, "aws_route_table")) igwTables.add(n);
    }
  }
  for (const assoc of mod.resources.filter((r) => r.type === "aws_route_table_association")) {
    if (!refsTo(assoc.body.subnet_id, "aws_subnet").includes(subnet.name)) continue;
    if (refsTo(assoc.body.route_table_id, "aws_route_table").some((n) => igwTables.has(n))) return "routes to an internet gateway";
  }
  return null;
}

// --- S3 buckets and their separate configuration resources ------------------------

// Resources of `type` in the bucket's module whose `bucket` argument refers
// to that aws_s3_bucket (by .id or .bucket).
function bucketConfigs(bucket, type) {
  return bucket.module.resources.filter((r) => r.type === type && refsTo(r.body.bucket, "aws_s3_bucket").includes(bucket.name));
}

const PUBLIC_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);
const BLOCK_FLAGS = ["block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets"];
const SSE_ALGORITHMS = new Set(["AES256", "aws:kms", "aws:kms:dsse"]);

// Default encryption algorithms of a bucket, in either spelling.
function bucketSseAlgorithms(b) {
  const rules = [
    ...bucketConfigs(b, "aws_s3_bucket_server_side_encryption_configuration").flatMap((c) => blocks(c.body, "rule")),
    ...blocks(b.body, "server_side_encryption_configuration").flatMap((c) => blocks(c, "rule")),
  ];
  return rules.flatMap((r) => blocks(r, "apply_server_side_encryption_by_default")).map((d) => resolve(d.sse_algorithm, b.module));
}

// Why the log destination `expr` (in `mod`) is not a provably encrypted
// bucket, or null. Load balancers deliver access logs only to SSE-S3
// buckets, so `sseS3Only` refuses SSE-KMS there.
function unencryptedLogBucket(tree, mod, expr, sseS3Only) {
  const buckets = traceResources(tree, mod, expr, "aws_s3_bucket");
  if (!buckets || buckets.length === 0) return `cannot trace ${JSON.stringify(expr)} to an aws_s3_bucket`;
  for (const b of buckets) {
    const algorithms = bucketSseAlgorithms(b);
    if (sseS3Only ? !algorithms.includes("AES256") : !algorithms.some((a) => SSE_ALGORITHMS.has(a))) {
      return `bucket ${b.name} has no default ${sseS3Only ? "SSE-S3 (AES256) " : ""}encryption`;
    }
  }
  return null;
}

const HSTS_MIN_SECONDS = 31536000;

// Textual references, in `mod`, that denote a database's master
// credentials: the secret holding the generated master password, the
// password itself, and RDS's own managed master secret.
function masterCredentialRefs(mod) {
  const refs = [];
  const dbs = mod.resources.filter((r) => r.type === "aws_db_instance" || r.type === "aws_rds_cluster");
  const passwords = new Set(dbs.flatMap((db) => refsTo(db.body.password ?? db.body.master_password, "random_password")));
  for (const db of dbs) refs.push(`${db.type}.${db.name}.master_user_secret`, `${db.type}.${db.name}.password`, `${db.type}.${db.name}.master_password`);
  for (const p of passwords) refs.push(`random_password.${p}.result`);
  for (const v of mod.resources.filter((r) => r.type === "aws_secretsmanager_secret_version")) {
    const text = JSON.stringify(v.body.secret_string ?? "");
    if ([...passwords].some((p) => text.includes(`random_password.${p}.result`)) || /aws_(db_instance|rds_cluster)\.[\w-]+\.(master_)?password/.test(text)) {
      for (const n of refsTo(v.body.secret_id, "aws_secretsmanager_secret")) refs.push(`aws_secretsmanager_secret.${n}`);
    }
  }
  return refs;
}

const mentions = (value, refs) => {
  const text = JSON.stringify(value ?? "");
  return refs.filter((r) => new RegExp(`\\b${r.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`).test(text));
};

// Every reference to master credentials visible in `mod`: its own, and the
// outputs of the modules it calls that expose theirs (module.<call>.<output>).
function masterRefsIn(tree, mod, depth = 0) {
  const refs = masterCredentialRefs(mod);
  if (depth > 4) return refs;
  for (const call of mod.moduleCalls) {
    const target = tree.modules.get(moduleSourceDir(call));
    if (!target) continue;
    const inner = masterRefsIn(tree, target, depth + 1);
    for (const o of target.outputs) if (mentions(o.body.value, inner).length) refs.push(`module.${call.name}.${o.name}`);
  }
  return refs;
}

// --- the policies --------------------------------------------------------------------

const SECRET_NAME = /(password|passwd|secret|token|credential|private_?key|access_?key|api_?key|(^|_)key($|_))/i;
// Names that contain "key" but identify, not hold, a key: an EC2 key pair
// name, a KMS key's ARN or ID, an S3 object key prefix.
const NOT_SECRET_NAME = /((^|_)key_name$|(^|_)key_pair|kms_key_(arn|id)$|_key_(arn|id)$|key_prefix$)/i;

export const policies = [
  {
    id: "sg-ingress-world",
    description: "no ingress from 0.0.0.0/0 or ::/0 except the load balancer's security group on TCP 80/443",
    check(tree) {
      const bad = [];
      for (const rule of ingressRules(tree)) {
        if (!rule.cidrs.some((c) => WORLD.has(c))) continue;
        const webPorts = !rule.allPorts && rule.from === rule.to && (rule.from === 80 || rule.from === 443);
        if (isLbSecurityGroup(rule.sg) && webPorts) continue;
        bad.push(`${where(rule.item)}: ingress from the internet on ${rule.allPorts ? "all ports" : `${rule.from}-${rule.to}`}`);
      }
      return bad;
    },
  },
  {
    id: "ssh-outside-vpc",
    description: "no ingress on port 22 from any CIDR outside the VPC (use SSM Session Manager)",
    check(tree) {
      const bad = [];
      for (const rule of ingressRules(tree)) {
        if (!covers(rule, 22)) continue;
        for (const c of rule.cidrs) {
          if (!isInsideVpc(tree, c)) bad.push(`${where(rule.item)}: SSH reachable from ${c}`);
        }
      }
      return bad;
    },
  },
  {
    id: "db-not-public",
    description: "every database instance sets publicly_accessible = false",
    check(tree) {
      return allResources(tree, "aws_db_instance", "aws_rds_cluster_instance")
        .filter((db) => !isFalse(resolve(db.body.publicly_accessible, db.module)))
        .map((db) => `${where(db)}: publicly_accessible is not false`);
    },
  },
  {
    id: "db-encrypted",
    description: "every database instance and cluster sets storage_encrypted = true",
    check(tree) {
      return allResources(tree, "aws_db_instance", "aws_rds_cluster")
        .filter((db) => !(db.type === "aws_db_instance" && db.body.replicate_source_db))
        .filter((db) => !isTrue(resolve(db.body.storage_encrypted, db.module)))
        .map((db) => `${where(db)}: storage_encrypted is not true`);
    },
  },
  {
    id: "db-private-subnets",
    description: "every database instance uses a subnet group whose subnets are provably private (no public IPs, no route to an internet gateway)",
    check(tree) {
      const bad = [];
      for (const db of allResources(tree, "aws_db_instance", "aws_rds_cluster")) {
        const groupName = refsTo(db.body.db_subnet_group_name, "aws_db_subnet_group")[0];
        const group = groupName && db.module.resources.find((r) => r.type === "aws_db_subnet_group" && r.name === groupName);
        if (!group) {
          bad.push(`${where(db)}: no db_subnet_group_name referencing an aws_db_subnet_group (would land in the default VPC)`);
          continue;
        }
        const subnets = traceSubnets(tree, group.module, group.body.subnet_ids);
        if (!subnets || subnets.length === 0) {
          bad.push(`${where(group)}: cannot trace subnet_ids to aws_subnet resources`);
          continue;
        }
        for (const s of subnets) {
          const why = subnetIsPublic(s);
          if (why) bad.push(`${where(group)}: subnet ${s.name} ${why}`);
        }
      }
      return bad;
    },
  },
  {
    id: "imdsv2",
    description: "every launch template and instance requires IMDSv2 (metadata_options.http_tokens = \"required\")",
    check(tree) {
      const bad = [];
      for (const r of allResources(tree, "aws_launch_template", "aws_instance", "aws_launch_configuration")) {
        const md = blocks(r.body, "metadata_options")[0];
        const endpoint = md && resolve(md.http_endpoint, r.module);
        if (endpoint === "disabled") continue;
        if (!md || resolve(md.http_tokens, r.module) !== "required") bad.push(`${where(r)}: IMDSv2 not required`);
      }
      return bad;
    },
  },
  {
    id: "ebs-encrypted",
    description: "every EBS volume (launch template mappings, instance root and data volumes, standalone volumes) is encrypted",
    check(tree) {
      const bad = [];
      const byDefault = allResources(tree, "aws_ebs_encryption_by_default").some((r) => r.body.enabled !== false);
      for (const r of allResources(tree, "aws_launch_template")) {
        const maps = blocks(r.body, "block_device_mappings").filter((m) => blocks(m, "ebs").length);
        if (maps.length === 0 && !byDefault) bad.push(`${where(r)}: no block_device_mappings with an encrypted ebs block`);
        for (const m of maps) {
          for (const ebs of blocks(m, "ebs")) {
            if (!isTrue(resolve(ebs.encrypted, r.module)) && !byDefault) bad.push(`${where(r)}: ${m.device_name ?? "volume"} not encrypted`);
          }
        }
      }
      for (const r of allResources(tree, "aws_instance", "aws_launch_configuration")) {
        const root = blocks(r.body, "root_block_device")[0];
        if (!byDefault && (!root || !isTrue(resolve(root.encrypted, r.module)))) bad.push(`${where(r)}: root volume not encrypted`);
        for (const ebs of blocks(r.body, "ebs_block_device")) {
          if (!byDefault && !isTrue(resolve(ebs.encrypted, r.module))) bad.push(`${where(r)}: ${ebs.device_name ?? "data volume"} not encrypted`);
        }
      }
      for (const r of allResources(tree, "aws_ebs_volume")) {
        if (!byDefault && !isTrue(resolve(r.body.encrypted, r.module))) bad.push(`${where(r)}: volume not encrypted`);
      }
      return bad;
    },
  },
  {
    id: "https-listener",
    description: "every internet-facing application load balancer has an HTTPS listener with a certificate, and its HTTP listeners redirect to HTTPS",
    check(tree) {
      const bad = [];
      const lbs = allResources(tree, "aws_lb", "aws_alb").filter(
        (lb) => !isTrue(resolve(lb.body.internal, lb.module)) && (lb.body.load_balancer_type ?? "application") === "application",
      );
      if (lbs.length === 0) bad.push("no internet-facing application load balancer found");
      const listeners = allResources(tree, "aws_lb_listener", "aws_alb_listener");
      for (const lb of lbs) {
        const own = listeners.filter((l) => l.module === lb.module && refsTo(l.body.load_balancer_arn, lb.type).includes(lb.name));
        const https = own.filter((l) => l.body.protocol === "HTTPS" && l.body.certificate_arn);
        if (https.length === 0) bad.push(`${where(lb)}: no HTTPS listener with a certificate`);
        for (const l of own) {
          if (l.body.protocol === "HTTPS") continue;
          const actions = blocks(l.body, "default_action");
          const redirects = actions.length > 0 && actions.every(
            (a) => a.type === "redirect" && blocks(a, "redirect").some((rd) => rd.protocol === "HTTPS"),
          );
          if (!redirects) bad.push(`${where(l)}: ${l.body.protocol ?? "HTTP"} listener does not redirect to HTTPS`);
        }
      }
      return bad;
    },
  },
  {
    id: "secret-variable-default",
    description: "no variable whose name looks secret (password, secret, token, key, credential) or that is marked sensitive has a default",
    check(tree) {
      return allVariables(tree)
        .filter((v) => (SECRET_NAME.test(v.name) && !NOT_SECRET_NAME.test(v.name)) || isTrue(v.body.sensitive))
        .filter((v) => Object.prototype.hasOwnProperty.call(v.body, "default"))
        .map((v) => `${where(v)}: secret-looking variable has a default`);
    },
  },
  {
    id: "variable-description",
    description: "every variable of every module has a non-empty description",
    check(tree) {
      return allVariables(tree)
        .filter((v) => typeof v.body.description !== "string" || v.body.description.trim() === "")
        .map((v) => `${where(v)}: no description`);
    },
  },
  {
    id: "backend-s3-locking",
    description: "every root configuration keeps its state in an encrypted S3 backend with locking (dynamodb_table or use_lockfile)",
    check(tree) {
      const bad = [];
      for (const dir of tree.roots) {
        const mod = tree.modules.get(dir);
        const rel = path.relative(process.cwd(), dir) || ".";
        const backends = (mod?.terraform ?? []).flatMap((t) => blocks(t.body, "backend"));
        if (backends.length === 0) {
          bad.push(`${rel}: no backend block (state would stay on the machine running terraform)`);
          continue;
        }
        for (const b of backends) {
          for (const [type, bodies] of Object.entries(b)) {
            if (type !== "s3") {
              bad.push(`${rel}: backend "${type}" is not s3`);
              continue;
            }
            for (const body of Array.isArray(bodies) ? bodies : [bodies]) {
              if (!(body.dynamodb_table || isTrue(body.use_lockfile))) bad.push(`${rel}: s3 backend without locking`);
              if (!isTrue(body.encrypt)) bad.push(`${rel}: s3 backend without encrypt = true`);
            }
          }
        }
      }
      return bad;
    },
  },
  {
    id: "provider-credentials",
    description: "no provider block carries credentials (access_key, secret_key, token); they come from the CI credential store or an OIDC role",
    check(tree) {
      const bad = [];
      for (const mod of tree.modules.values()) {
        for (const p of mod.providers) {
          for (const k of ["access_key", "secret_key", "token", "password"]) {
            if (p.body[k] !== undefined) bad.push(`${where(p)}: provider sets ${k}`);
          }
        }
      }
      return bad;
    },
  },
  {
    id: "no-secret-outputs",
    description: "no output exposes a generated password or a secret-looking variable",
    check(tree) {
      const bad = [];
      for (const mod of tree.modules.values()) {
        for (const o of mod.outputs) {
          const text = JSON.stringify(o.body.value ?? "");
          const varRefs = [...text.matchAll(/\bvar\.([\w-]+)/g)].map((m) => m[1]);
          if (/random_password\.|\.password\b|\.result\b|master_user_secret/.test(text) ||
            varRefs.some((n) => SECRET_NAME.test(n) && !NOT_SECRET_NAME.test(n))) {
            bad.push(`${where(o)}: output exposes a secret`);
          }
        }
      }
      return bad;
    },
  },
  {
    id: "user-data-no-secrets",
    description: "user data never contains a password or secret value (instances fetch secrets at boot)",
    check(tree) {
      const bad = [];
      for (const r of allResources(tree, "aws_instance", "aws_launch_template", "aws_launch_configuration")) {
        const mod = r.module;
        // The user data expression, plus any local it is built from.
        let text = JSON.stringify([r.body.user_data ?? "", r.body.user_data_base64 ?? ""]);
        for (const m of [...text.matchAll(/\blocal\.([\w-]+)/g)]) text += JSON.stringify(mod.locals[m[1]] ?? "");
        const varRefs = [...text.matchAll(/\bvar\.([\w-]+)/g)].map((m) => m[1]);
        if (/random_password\.|\.password\b|\.result\b/.test(text) ||
          varRefs.some((n) => SECRET_NAME.test(n) && !NOT_SECRET_NAME.test(n))) {
          bad.push(`${where(r)}: user data is built from a secret value`);
        }
      }
      return bad;
    },
  },
  {
    id: "s3-public-access-blocked",
    description: "every S3 bucket has a public access block with all four settings true, and no public canned ACL",
    check(tree) {
      const bad = [];
      for (const b of allResources(tree, "aws_s3_bucket")) {
        const blocksOf = bucketConfigs(b, "aws_s3_bucket_public_access_block");
        if (blocksOf.length === 0) bad.push(`${where(b)}: no aws_s3_bucket_public_access_block`);
        for (const pab of blocksOf) {
          for (const flag of BLOCK_FLAGS) {
            if (!isTrue(resolve(pab.body[flag], pab.module))) bad.push(`${where(pab)}: ${flag} is not true`);
          }
        }
        const acls = [b.body.acl, ...bucketConfigs(b, "aws_s3_bucket_acl").map((a) => a.body.acl)];
        for (const acl of acls.map((a) => resolve(a, b.module))) {
          if (PUBLIC_ACLS.has(acl)) bad.push(`${where(b)}: canned ACL ${acl}`);
        }
      }
      return bad;
    },
  },
  {
    id: "s3-encrypted",
    description: "every S3 bucket has default server-side encryption (SSE-S3 or SSE-KMS)",
    check(tree) {
      const bad = [];
      for (const b of allResources(tree, "aws_s3_bucket")) {
        const rules = [
          ...bucketConfigs(b, "aws_s3_bucket_server_side_encryption_configuration").flatMap((c) => blocks(c.body, "rule")),
          ...blocks(b.body, "server_side_encryption_configuration").flatMap((c) => blocks(c, "rule")),
        ];
        const algorithms = rules.flatMap((r) => blocks(r, "apply_server_side_encryption_by_default")).map((d) => resolve(d.sse_algorithm, b.module));
        if (!algorithms.some((a) => SSE_ALGORITHMS.has(a))) bad.push(`${where(b)}: no default server-side encryption`);
      }
      return bad;
    },
  },
  {
    id: "alb-access-logs",
    description: "every application load balancer writes access logs (access_logs enabled = true) to a bucket with default SSE-S3 encryption",
    check(tree) {
      const bad = [];
      for (const lb of allResources(tree, "aws_lb", "aws_alb")) {
        if ((lb.body.load_balancer_type ?? "application") !== "application") continue;
        const logs = blocks(lb.body, "access_logs")[0];
        if (!logs || !isTrue(resolve(logs.enabled, lb.module))) {
          bad.push(`${where(lb)}: access logs not enabled`);
          continue;
        }
        const why = unencryptedLogBucket(tree, lb.module, logs.bucket, true);
        if (why) bad.push(`${where(lb)}: access log bucket: ${why}`);
      }
      return bad;
    },
  },
  {
    id: "vpc-flow-logs",
    description: "every VPC has a flow log of ALL traffic delivered to an S3 bucket with default server-side encryption",
    check(tree) {
      const bad = [];
      const flowLogs = allResources(tree, "aws_flow_log");
      for (const vpc of allResources(tree, "aws_vpc")) {
        const own = flowLogs.filter((f) => f.module === vpc.module && refsTo(f.body.vpc_id, "aws_vpc").includes(vpc.name));
        if (own.length === 0) {
          bad.push(`${where(vpc)}: no aws_flow_log`);
          continue;
        }
        const problems = own.map((f) => {
          if (resolve(f.body.traffic_type, f.module) !== "ALL") return `${where(f)}: traffic_type is not ALL`;
          if (resolve(f.body.log_destination_type, f.module) !== "s3") return `${where(f)}: not delivered to S3`;
          const why = unencryptedLogBucket(tree, f.module, f.body.log_destination, false);
          return why ? `${where(f)}: ${why}` : null;
        });
        if (!problems.includes(null)) bad.push(...problems);
      }
      return bad;
    },
  },
  {
    id: "https-hsts",
    description: `every HTTPS listener of an internet-facing load balancer adds Strict-Transport-Security with max-age of at least ${HSTS_MIN_SECONDS} s`,
    check(tree) {
      const bad = [];
      const publicLbs = allResources(tree, "aws_lb", "aws_alb").filter((lb) => !isTrue(resolve(lb.body.internal, lb.module)));
      for (const l of allResources(tree, "aws_lb_listener", "aws_alb_listener")) {
        if (l.body.protocol !== "HTTPS") continue;
        if (!publicLbs.some((lb) => lb.module === l.module && refsTo(l.body.load_balancer_arn, lb.type).includes(lb.name))) continue;
        const value = resolve(l.body.routing_http_response_strict_transport_security_header_value, l.module);
        const age = typeof value === "string" ? value.match(/^max-age=(\d+)(;|$)/) : null;
        if (!age) bad.push(`${where(l)}: no Strict-Transport-Security header value (or not max-age=N)`);
        else if (Number(age[1]) < HSTS_MIN_SECONDS) bad.push(`${where(l)}: HSTS max-age ${age[1]} is under ${HSTS_MIN_SECONDS}`);
      }
      return bad;
    },
  },
  {
    id: "db-app-roles",
    description: "no service logs in as the database master user: the master secret or password never reaches a service environment (fetched_environment, runtime_environment) or user data",
    check(tree) {
      const bad = [];
      for (const mod of tree.modules.values()) {
        const refs = masterRefsIn(tree, mod);
        if (refs.length === 0) continue;
        for (const call of mod.moduleCalls) {
          for (const arg of ["fetched_environment", "runtime_environment", "environment"]) {
            for (const r of mentions(call.body[arg], refs)) bad.push(`${where(call)}: ${arg} uses the master credentials (${r})`);
          }
        }
        for (const r of allResources({ modules: new Map([[mod.dir, mod]]) }, "aws_instance", "aws_launch_template")) {
          for (const m of mentions([r.body.user_data, r.body.user_data_base64], refs)) bad.push(`${where(r)}: user data uses the master credentials (${m})`);
        }
      }
      return bad;
    },
  },
  {
    id: "payment-gateway-required",
    description: "every module call that installs tierstack-shop sets SHOP_PAYMENT_GATEWAY from a variable without a default (never the sandbox by omission)",
    check(tree) {
      const bad = [];
      for (const mod of tree.modules.values()) {
        for (const call of mod.moduleCalls) {
          if (!JSON.stringify(call.body.packages ?? []).includes('"tierstack-shop"')) continue;
          const value = (call.body.runtime_environment ?? {}).SHOP_PAYMENT_GATEWAY;
          const name = wholeVarRef(value);
          const v = name && mod.variables.find((x) => x.name === name);
          if (value === undefined) bad.push(`${where(call)}: SHOP_PAYMENT_GATEWAY not set (the shop would default to the sandbox)`);
          else if (!v) bad.push(`${where(call)}: SHOP_PAYMENT_GATEWAY is ${JSON.stringify(value)}, not a variable of the environment`);
          else if (Object.prototype.hasOwnProperty.call(v.body, "default")) bad.push(`${where(v)}: the payment gateway variable has a default`);
        }
      }
      return bad;
    },
  },
  {
    id: "s3-versioning",
    description: "every S3 bucket has versioning enabled (an overwritten or deleted release can be recovered)",
    check(tree) {
      const bad = [];
      for (const b of allResources(tree, "aws_s3_bucket")) {
        const statuses = [
          ...bucketConfigs(b, "aws_s3_bucket_versioning").flatMap((v) => blocks(v.body, "versioning_configuration")).map((c) => resolve(c.status, b.module)),
          ...blocks(b.body, "versioning").filter((v) => isTrue(resolve(v.enabled, b.module))).map(() => "Enabled"),
        ];
        if (!statuses.includes("Enabled")) bad.push(`${where(b)}: versioning not enabled`);
      }
      return bad;
    },
  },
  {
    id: "iam-least-privilege",
    description: "IAM policies grant no wildcard actions, and Resource \"*\" only to actions that cannot be scoped (Describe*, List*)",
    check(tree) {
      const bad = [];
      const check = (item, actions, resources) => {
        const acts = asList(actions);
        const res = asList(resources);
        for (const a of acts) {
          if (a === "*" || /:\*$/.test(a)) bad.push(`${where(item)}: wildcard action ${a}`);
        }
        if (res.includes("*") && !acts.every((a) => /^[a-z0-9-]+:(Describe|List|Get)[A-Za-z]+$/.test(a) && !/^(s3|secretsmanager|ssm|kms):/.test(a))) {
          bad.push(`${where(item)}: Resource "*" for ${acts.join(", ")}`);
        }
      };
      for (const d of [...tree.modules.values()].flatMap((m) => m.data).filter((d) => d.type === "aws_iam_policy_document")) {
        for (const st of blocks(d.body, "statement")) {
          if ((st.effect ?? "Allow") !== "Allow") continue;
          if (st.resources !== undefined || st.actions !== undefined) check(d, st.actions, st.resources);
        }
      }
      for (const r of allResources(tree, "aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy")) {
        const p = r.body.policy;
        const m = typeof p === "string" && p.match(/^\$\{jsonencode\(([\s\S]*)\)\}$/);
        if (!m) continue;
        const text = m[1];
        for (const st of text.matchAll(/Action\s*=\s*(\[[^\]]*\]|"[^"]*")[\s\S]*?Resource\s*=\s*(\[[^\]]*\]|"[^"]*")/g)) {
          const list = (s) => [...s.matchAll(/"([^"]*)"/g)].map((x) => x[1]);
          check(r, list(st[1]), list(st[2]));
        }
      }
      return bad;
    },
  },
  // Backups, deletion protection, final snapshot, Multi-AZ, replicated
  // backups and restores of the database (issue 13): lib/db-durability.mjs.
  ...dbDurabilityPolicies,
];
