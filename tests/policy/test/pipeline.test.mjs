// The CI/CD definitions: .github/workflows/ci.yml (YAML, validated against
// a schema of the parts used, and the job order) and deploy/jenkins/Jenkinsfile
// (a structural check of the declarative pipeline: Jenkins itself is not
// available here to lint it).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import { spawnSync } from "node:child_process";
import YAML from "yaml";
import Ajv from "ajv";
import { REPO, POLICY_DIR } from "../lib/paths.mjs";

const ORDER = ["build", "test", "security", "package", "upload", "plan", "apply", "deploy", "smoke"];
const STAGES = ["Build", "Test", "Security", "Package", "Upload Packages", "Terraform Plan", "Approval", "Apply", "Rolling Deploy", "Smoke Test"];
// The one command that puts a release's packages in the artifact bucket,
// keyed by commit.
const UPLOAD = /deploy\/jenkins\/upload-packages\.sh /;
// cppcheck runs through the script ctest also runs (test `cppcheck`), so the
// pipelines and the local test suite check the same thing the same way.
const CPPCHECK = /^\s*(?:sh ')?tests\/static\/cppcheck'?$/m;
const AWS_KEY = /AKIA[0-9A-Z]{16}|aws_secret_access_key|aws-secret-access-key|secrets\.AWS_/i;

const workflowText = fs.readFileSync(path.join(REPO, ".github/workflows/ci.yml"), "utf8");
const jenkinsText = fs.readFileSync(path.join(REPO, "deploy/jenkins/Jenkinsfile"), "utf8");

describe("github actions workflow", () => {
  const doc = YAML.parseDocument(workflowText);
  const wf = doc.toJS();
  const jobs = wf.jobs ?? {};
  const needs = (j) => [].concat(jobs[j]?.needs ?? []);
  const steps = (j) => jobs[j].steps.map((s) => `${s.uses ?? ""}\n${s.run ?? ""}\n${JSON.stringify(s.with ?? {})}`).join("\n");

  test("parses as YAML and matches the workflow schema", () => {
    assert.deepEqual(doc.errors, []);
    const schema = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "lib/workflow-schema.json"), "utf8"));
    const validate = new Ajv({ allErrors: true }).compile(schema);
    assert.ok(validate(wf), JSON.stringify(validate.errors, null, 2));
  });

  test("the schema rejects a malformed workflow", () => {
    const schema = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "lib/workflow-schema.json"), "utf8"));
    const validate = new Ajv({ allErrors: true }).compile(schema);
    assert.equal(validate({ name: "x", on: { push: {} }, jobs: { a: { steps: [{ run: "true" }] } } }), false, "job without runs-on");
    assert.equal(validate({ name: "x", on: { push: {} }, jobs: { a: { "runs-on": "x", steps: [{ name: "nothing" }] } } }), false, "step without run or uses");
  });

  test("jobs run in the order build, test, security, package, upload, plan, apply, deploy, smoke", () => {
    assert.deepEqual(Object.keys(jobs), ORDER);
    for (let i = 1; i < ORDER.length; i++) assert.deepEqual(needs(ORDER[i]), [ORDER[i - 1]], `${ORDER[i]} must need ${ORDER[i - 1]}`);
    assert.deepEqual(needs("build"), []);
  });

  test("test runs scripts/test with JUnit output and publishes it", () => {
    assert.match(steps("test"), /scripts\/test --output-junit/);
    assert.match(steps("test"), /upload-artifact/);
    assert.match(steps("test"), /junit/i);
  });

  test("security runs cppcheck, clang-tidy, npm audit of web/shop and the policy tests", () => {
    for (const re of [CPPCHECK, /clang-tidy/, /web\/shop\/package-lock\.json/, /npm audit/, /tests\/policy\/run/]) assert.match(steps("security"), re);
  });

  test("package runs scripts/package; plan saves a plan file that apply applies", () => {
    assert.match(steps("package"), /scripts\/package/);
    assert.match(steps("plan"), /terraform plan .*-out=tfplan/);
    assert.match(steps("apply"), /terraform apply -input=false tfplan/);
  });

  test("upload puts the packages and SHA256SUMS in the artifact bucket under the commit, after package and before plan", () => {
    assert.match(steps("package"), /build\/packages\/SHA256SUMS/, "package must keep SHA256SUMS in its artifact");
    const uploadSteps = steps("upload");
    assert.match(uploadSteps, /download-artifact[\s\S]*"name":"packages"/);
    assert.match(uploadSteps, /upload-packages\.sh "\$\{\{ vars\.ARTIFACT_BUCKET \}\}" "\$\{\{ github\.sha \}\}" packages/);
    // the plan's release_version is the same commit the upload used
    assert.equal(jobs.plan.env?.RELEASE, "${{ github.sha }}");
    assert.match(steps("plan"), /-var "release_version=\$RELEASE"/);
    assert.equal(jobs.upload.if, jobs.plan.if, "upload and plan run on the same events");
    // exactly one job uploads, and it is the one between package and plan
    const uploaders = ORDER.filter((j) => UPLOAD.test(steps(j)) || /aws s3 (cp|sync)/.test(steps(j)));
    assert.deepEqual(uploaders, ["upload"]);
    assert.ok(ORDER.indexOf("package") < ORDER.indexOf("upload") && ORDER.indexOf("upload") < ORDER.indexOf("plan"));
  });

  test("the plan passes the microblog's host name and the payment gateway; smoke checks it", () => {
    assert.match(steps("plan"), /-var "microblog_server_name=\$\{\{ vars\.MICROBLOG_HOST \}\}"/);
    assert.match(steps("plan"), /-var "shop_payment_gateway=\$\{\{ vars\.SHOP_PAYMENT_GATEWAY \}\}"/);
    assert.match(steps("smoke"), /smoke-test\.sh "\$\{\{ vars\.SITE_HOST \}\}" "\$\{\{ vars\.MICROBLOG_HOST \}\}"/);
  });

  test("apply waits for a manual approval (protected environment) and nothing destroys", () => {
    assert.equal(jobs.apply.environment, "production");
    assert.doesNotMatch(workflowText.replace(/^\s*#.*$/gm, ""), /\bdestroy\b|-destroy|apply -auto-approve/);
  });

  test("AWS access comes from the OIDC role, never from stored keys", () => {
    assert.doesNotMatch(workflowText, AWS_KEY);
    for (const j of ["upload", "plan", "apply", "deploy"]) {
      assert.equal(jobs[j].permissions?.["id-token"], "write", `${j} needs id-token: write`);
      assert.match(steps(j), /aws-actions\/configure-aws-credentials@v4[\s\S]*role-to-assume/);
    }
  });

  test("deploy rolls the Auto Scaling groups; smoke checks /readyz through the load balancer", () => {
    assert.match(steps("deploy"), /deploy\/jenkins\/rolling-deploy\.sh/);
    assert.match(steps("smoke"), /deploy\/jenkins\/smoke-test\.sh/);
    const smoke = fs.readFileSync(path.join(REPO, "deploy/jenkins/smoke-test.sh"), "utf8");
    assert.match(smoke, /curl .*https:\/\/\$host\/readyz/);
    const roll = fs.readFileSync(path.join(REPO, "deploy/jenkins/rolling-deploy.sh"), "utf8");
    assert.match(roll, /start-instance-refresh/);
  });
});

// Removes comments and string contents from Groovy source, keeping the
// quote marks, so braces and words can be checked structurally.
function groovyCode(src) {
  let out = "";
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === "/" && src[i + 1] === "/") { while (i < src.length && src[i] !== "\n") i++; continue; }
    if (c === "/" && src[i + 1] === "*") { i = src.indexOf("*/", i + 2) + 2; continue; }
    const triple = src.slice(i, i + 3);
    if (triple === "'''" || triple === '"""') {
      const end = src.indexOf(triple, i + 3);
      out += triple + src.slice(i + 3, end).replace(/[{}]/g, " ") + triple;
      i = end + 3;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === "\\" ? 2 : 1;
      out += c + src.slice(i + 1, j).replace(/[{}]/g, " ") + c;
      i = j + 1;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

// Top-level stage blocks: [{ name, body }] in order.
function stages(code) {
  const out = [];
  const re = /stage\(\s*'([^']+)'\s*\)\s*\{/g;
  let m;
  while ((m = re.exec(code))) {
    let depth = 1;
    let j = re.lastIndex;
    while (depth > 0 && j < code.length) {
      if (code[j] === "{") depth++;
      else if (code[j] === "}") depth--;
      j++;
    }
    out.push({ name: m[1], body: code.slice(re.lastIndex, j - 1) });
  }
  return out;
}

describe("jenkinsfile", () => {
  const code = groovyCode(jenkinsText);
  const st = stages(code);
  const stage = (n) => st.find((s) => s.name === n)?.body ?? "";

  test("is a declarative pipeline with balanced braces, an agent and stages", () => {
    let depth = 0;
    for (const ch of code) {
      if (ch === "{") depth++;
      else if (ch === "}") depth--;
      assert.ok(depth >= 0, "a } closes nothing");
    }
    assert.equal(depth, 0, "unclosed {");
    assert.match(code, /^\s*pipeline\s*\{/m);
    assert.match(code, /\bagent\b/);
    assert.match(code, /\bstages\s*\{/);
  });

  test("has the stages in order", () => {
    assert.deepEqual(st.map((s) => s.name), STAGES);
  });

  test("publishes JUnit results of scripts/test", () => {
    assert.match(stage("Test"), /scripts\/test --output-junit/);
    assert.match(stage("Test"), /\bjunit\b/);
  });

  test("security stage runs the analysers, npm audit and the policy tests", () => {
    for (const re of [CPPCHECK, /clang-tidy/, /npm audit/, /tests\/policy\/run/]) assert.match(stage("Security"), re);
  });

  test("an input step comes before apply, and nothing destroys", () => {
    const approval = st.findIndex((s) => /\binput\b/.test(s.body));
    const apply = st.findIndex((s) => /terraform apply/.test(s.body));
    assert.ok(approval >= 0, "no input step");
    assert.ok(apply > approval, "apply is not after the input step");
    assert.doesNotMatch(code, /\bdestroy\b/);
    assert.doesNotMatch(jenkinsText, /terraform\s+destroy|-destroy\b|apply\s+-auto-approve/);
  });

  test("Upload Packages runs after Package and before Terraform Plan, keyed by the commit the plan deploys", () => {
    const names = st.map((s) => s.name);
    const uploaders = st.filter((s) => UPLOAD.test(s.body) || /aws s3 (cp|sync)/.test(s.body)).map((s) => s.name);
    assert.deepEqual(uploaders, ["Upload Packages"], "exactly one stage uploads the packages");
    assert.ok(names.indexOf("Package") < names.indexOf("Upload Packages"), "upload before package");
    assert.ok(names.indexOf("Upload Packages") < names.indexOf("Terraform Plan"), "upload after plan");
    assert.match(jenkinsText, /upload-packages\.sh "\$TIERSTACK_ARTIFACT_BUCKET" "\$RELEASE" build\/packages/);
    assert.match(jenkinsText, /RELEASE = "\$\{env\.GIT_COMMIT\}"/);
    assert.match(stage("Terraform Plan"), /release_version=\$RELEASE/);
    assert.match(stage("Terraform Plan"), /microblog_server_name=\$TIERSTACK_MICROBLOG_HOST/);
    assert.match(stage("Terraform Plan"), /shop_payment_gateway=\$TIERSTACK_SHOP_PAYMENT_GATEWAY/);
    assert.match(stage("Upload Packages"), /when \{ branch 'main' \}/);
  });

  test("AWS credentials come from the Jenkins credential store", () => {
    assert.doesNotMatch(jenkinsText, AWS_KEY);
    for (const n of ["Upload Packages", "Terraform Plan", "Apply", "Rolling Deploy"]) assert.match(stage(n), /withCredentials\(\[\[\$class: 'AmazonWebServicesCredentialsBinding'/);
  });
});

describe("pipeline helper scripts", () => {
  for (const f of ["rolling-deploy.sh", "smoke-test.sh", "upload-packages.sh"]) {
    test(`${f} is executable and passes bash -n`, () => {
      const file = path.join(REPO, "deploy/jenkins", f);
      assert.ok(fs.statSync(file).mode & 0o111, "not executable");
      const r = spawnSync("bash", ["-n", file], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
    });
  }

  test("tests/static/cppcheck, which both pipelines run, is the ctest test cppcheck and runs the pipeline command", () => {
    const file = path.join(REPO, "tests/static/cppcheck");
    assert.ok(fs.statSync(file).mode & 0o111, "not executable");
    assert.equal(spawnSync("bash", ["-n", file], { encoding: "utf8" }).status, 0);
    const script = fs.readFileSync(file, "utf8");
    assert.match(script, /^flags=\(--enable=warning,performance,portability --inline-suppr --error-exitcode=1 --quiet\)$/m);
    assert.match(script, /^cppcheck "\$\{flags\[@\]\}" -I src src\b/m);
    const cmake = fs.readFileSync(path.join(REPO, "tests/CMakeLists.txt"), "utf8");
    assert.match(cmake, /add_test\(NAME cppcheck COMMAND \$\{CMAKE_CURRENT_SOURCE_DIR\}\/static\/cppcheck\)/);
  });
});

// upload-packages.sh against a stand-in `aws` on PATH that records its calls.
describe("upload-packages.sh", () => {
  const script = path.join(REPO, "deploy/jenkins/upload-packages.sh");
  const setup = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upload-test-"));
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "bin/aws"), [
      "#!/bin/bash",
      'echo "$*" >> "$AWS_LOG"',
      'if [ "$1 $2" = "s3api head-object" ]; then',
      '  case "$HEAD" in',
      "    present) exit 0 ;;",
      '    denied) echo "An error occurred (403) when calling the HeadObject operation: Forbidden" >&2; exit 254 ;;',
      '    *) echo "An error occurred (404) when calling the HeadObject operation: Not Found" >&2; exit 254 ;;',
      "  esac",
      "fi",
      "exit 0",
      "",
    ].join("\n"), { mode: 0o755 });
    const pkgs = path.join(dir, "packages");
    fs.mkdirSync(pkgs);
    for (const f of ["tierstack-shop_0.1.0-1_amd64.deb", "tierstack-web_0.1.0-1_all.deb"]) fs.writeFileSync(path.join(pkgs, f), `contents of ${f}\n`);
    const sums = spawnSync("sh", ["-c", "sha256sum -- *.deb > SHA256SUMS"], { cwd: pkgs, encoding: "utf8" });
    assert.equal(sums.status, 0, sums.stderr);
    return { dir, pkgs, log: path.join(dir, "aws.log") };
  };
  const run = (t, args, head = "absent") => {
    const r = spawnSync("bash", [script, ...args], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${t.dir}/bin:${process.env.PATH}`, AWS_LOG: t.log, HEAD: head },
    });
    const calls = fs.existsSync(t.log) ? fs.readFileSync(t.log, "utf8").trim().split("\n") : [];
    fs.rmSync(t.log, { force: true });
    return { ...r, calls, copies: calls.filter((c) => c.startsWith("s3 cp ")) };
  };

  test("uploads every package under releases/<commit>/, SHA256SUMS last", () => {
    const t = setup();
    const r = run(t, ["tierstack-artifacts-1", "0123abcd", t.pkgs]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.copies.map((c) => c.split(" ").pop()), [
      "s3://tierstack-artifacts-1/releases/0123abcd/tierstack-shop_0.1.0-1_amd64.deb",
      "s3://tierstack-artifacts-1/releases/0123abcd/tierstack-web_0.1.0-1_all.deb",
      "s3://tierstack-artifacts-1/releases/0123abcd/SHA256SUMS",
    ]);
    fs.rmSync(t.dir, { recursive: true });
  });

  test("leaves a release that is already uploaded alone", () => {
    const t = setup();
    const r = run(t, ["tierstack-artifacts-1", "0123abcd", t.pkgs], "present");
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.copies, []);
    fs.rmSync(t.dir, { recursive: true });
  });

  test("refuses packages that do not match SHA256SUMS, an unclear bucket state and bad names", () => {
    const t = setup();
    fs.appendFileSync(path.join(t.pkgs, "tierstack-web_0.1.0-1_all.deb"), "tampered\n");
    let r = run(t, ["tierstack-artifacts-1", "0123abcd", t.pkgs]);
    assert.notEqual(r.status, 0);
    assert.deepEqual(r.copies, []);
    const t2 = setup();
    r = run(t2, ["tierstack-artifacts-1", "0123abcd", t2.pkgs], "denied");
    assert.notEqual(r.status, 0);
    assert.deepEqual(r.copies, []);
    for (const args of [["tierstack-artifacts-1", "../other", t2.pkgs], ["Bad_Bucket", "0123abcd", t2.pkgs]]) {
      r = run(t2, args);
      assert.equal(r.status, 2, args.join(" "));
      assert.deepEqual(r.copies, []);
    }
    fs.rmSync(t.dir, { recursive: true });
    fs.rmSync(t2.dir, { recursive: true });
  });
});
