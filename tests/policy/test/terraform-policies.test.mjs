// Every policy passes on deploy/terraform and fails on each of its fixtures.
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { loadTree, loadFiles } from "../lib/terraform.mjs";
import { policies } from "../lib/policies.mjs";
import { TERRAFORM, ENV_ROOTS, FIXTURES } from "../lib/paths.mjs";

const fixtureFiles = (id) => {
  const dir = path.join(FIXTURES, id);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".tf")).sort().map((f) => path.join(dir, f)) : [];
};

let tree;
before(async () => {
  tree = await loadTree(TERRAFORM, { roots: ENV_ROOTS });
});

test("every fixture directory belongs to a policy", () => {
  const ids = new Set(policies.map((p) => p.id));
  for (const dir of fs.readdirSync(FIXTURES)) assert.ok(ids.has(dir), `fixtures/${dir} matches no policy`);
});

for (const policy of policies) {
  describe(`policy ${policy.id}: ${policy.description}`, () => {
    test("passes on deploy/terraform", () => {
      assert.deepEqual(policy.check(tree), []);
    });

    const files = fixtureFiles(policy.id);
    test("has at least one violating fixture", () => {
      assert.ok(files.length > 0, `add tests/policy/fixtures/${policy.id}/*.tf`);
    });

    for (const file of files) {
      test(`fails on fixture ${path.basename(file)}`, async () => {
        const fixture = await loadFiles([file]);
        fixture.roots = [path.dirname(path.resolve(file))];
        const violations = policy.check(fixture);
        assert.ok(violations.length > 0, `${file} should violate ${policy.id}`);
      });
    }
  });
}
