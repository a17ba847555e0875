// docs/architecture.md "Where to find an endpoint" stays true: every route the
// apps register is listed, every file named exists, the handler file holds the
// route, and every function named is defined in its file and called by the
// handler (or, for SQL, by the flow named in the same row).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { REPO } from "../lib/paths.mjs";

const doc = fs.readFileSync(path.join(REPO, "docs/architecture.md"), "utf8");
const read = (rel) => fs.readFileSync(path.join(REPO, rel), "utf8");
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// Every source file of an app, recursively.
function sources(dir) {
  const out = [];
  for (const e of fs.readdirSync(path.join(REPO, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(rel));
    else if (/\.(cpp|hpp)$/.test(e.name)) out.push(rel);
  }
  return out;
}

// Routes registered with a literal path: `router.get("/x", …)` or `r.post("/x", …)`.
function registeredRoutes(app) {
  const routes = new Set();
  for (const file of sources(`src/${app}`)) {
    const text = read(file);
    for (const m of text.matchAll(/\b(?:r|router)\.(get|post|put|patch|del)\(\s*"([^"]+)"/g)) {
      const method = m[1] === "del" ? "DELETE" : m[1].toUpperCase();
      routes.add(`${method} ${m[2]}`);
    }
  }
  return routes;
}

// A cell naming a function: `file` `fn` (or — for none).
function parseRef(cell) {
  const m = cell.trim().match(/^`([^`]+)`\s+`([A-Za-z_][A-Za-z0-9_]*)`$/);
  if (cell.trim() === "—") return null;
  assert.ok(m, `cell "${cell.trim()}" is neither — nor \`file\` \`function\``);
  return { file: m[1], fn: m[2] };
}

function table(app) {
  const start = doc.indexOf(`<!-- where-to-find:${app}:start -->`);
  const end = doc.indexOf(`<!-- where-to-find:${app}:end -->`);
  assert.ok(start >= 0 && end > start, `docs/architecture.md has the ${app} table markers`);
  const rows = doc
    .slice(start, end)
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .map((l) => l.split("|").slice(1, -1));
  return rows.map(([endpoint, handler, rule, sql]) => ({
    endpoint: endpoint.trim().replace(/`/g, ""),
    handler: handler.trim().replace(/`/g, ""),
    rule: parseRef(rule),
    sql: parseRef(sql),
  }));
}

const calls = (text, fn) => new RegExp(`\\b${escape(fn)}\\s*\\(`).test(text);

// The handler file holds the path as a literal, or (for a path built in a
// loop, e.g. /api/users/{id:int}/followers) its stem and last segment.
function holdsRoute(text, routePath) {
  if (text.includes(`"${routePath}"`)) return true;
  const cut = routePath.lastIndexOf("/") + 1;
  return text.includes(`"${routePath.slice(0, cut)}"`) && text.includes(`"${routePath.slice(cut)}"`);
}

for (const app of ["shop", "microblog"]) {
  describe(`where to find (${app})`, () => {
    const rows = table(app);
    const listed = new Set(rows.map((r) => r.endpoint));

    test("every registered route is listed once", () => {
      assert.equal(listed.size, rows.length, "no endpoint is listed twice");
      const missing = [...registeredRoutes(app)].filter((r) => !listed.has(r));
      assert.deepEqual(missing, [], "routes registered in the code but missing from the table");
    });

    for (const row of rows) {
      test(row.endpoint, () => {
        const [, routePath] = row.endpoint.split(" ");
        assert.ok(fs.existsSync(path.join(REPO, row.handler)), `${row.handler} exists`);
        const handler = read(row.handler);
        assert.ok(holdsRoute(handler, routePath), `${row.handler} registers ${routePath}`);
        const users = [handler];
        for (const ref of [row.rule, row.sql]) {
          if (!ref) continue;
          const file = path.join("src", app, ref.file);
          assert.ok(fs.existsSync(path.join(REPO, file)), `${file} exists`);
          const text = read(file);
          assert.ok(calls(text, ref.fn), `${ref.fn} is defined in ${file}`);
          assert.ok(
            users.some((u) => calls(u, ref.fn)),
            `${ref.fn} (${ref.file}) is called from ${row.handler}${users.length > 1 ? " or the flow beside it" : ""}`,
          );
          users.push(text);
        }
      });
    }
  });
}
