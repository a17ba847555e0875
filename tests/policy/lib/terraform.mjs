// Loads Terraform configuration through @cdktf/hcl2json into a small model:
// one "module" per directory, with its resources, variables, outputs,
// module calls and terraform blocks, each remembering the file it came from.
import { parse } from "@cdktf/hcl2json";
import fs from "node:fs";
import path from "node:path";

export function findTfFiles(root) {
  const out = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".tf")) out.push(full);
    }
  };
  walk(root);
  return out.sort();
}

function emptyModule(dir) {
  return { dir, files: [], resources: [], data: [], variables: [], outputs: [], moduleCalls: [], providers: [], terraform: [], locals: {} };
}

// hcl2json keeps every block as an array of bodies; flatten them.
function eachBody(v) {
  return Array.isArray(v) ? v : [v];
}

export async function parseFile(file) {
  const text = fs.readFileSync(file, "utf8");
  try {
    return await parse(path.basename(file), text);
  } catch (err) {
    throw new Error(`${file}: HCL does not parse: ${err.message ?? err}`);
  }
}

// Builds the model of every .tf file in `files` (grouped by directory).
export async function loadFiles(files) {
  const modules = new Map();
  for (const file of files) {
    const dir = path.dirname(path.resolve(file));
    if (!modules.has(dir)) modules.set(dir, emptyModule(dir));
    const mod = modules.get(dir);
    mod.files.push(file);
    const json = await parseFile(file);
    for (const [type, byName] of Object.entries(json.resource ?? {})) {
      for (const [name, bodies] of Object.entries(byName)) {
        for (const body of eachBody(bodies)) mod.resources.push({ type, name, body, file, module: mod });
      }
    }
    for (const [type, byName] of Object.entries(json.data ?? {})) {
      for (const [name, bodies] of Object.entries(byName)) {
        for (const body of eachBody(bodies)) mod.data.push({ type, name, body, file, module: mod });
      }
    }
    for (const [name, bodies] of Object.entries(json.variable ?? {})) {
      for (const body of eachBody(bodies)) mod.variables.push({ name, body, file, module: mod });
    }
    for (const [name, bodies] of Object.entries(json.output ?? {})) {
      for (const body of eachBody(bodies)) mod.outputs.push({ name, body, file, module: mod });
    }
    for (const [name, bodies] of Object.entries(json.module ?? {})) {
      for (const body of eachBody(bodies)) mod.moduleCalls.push({ name, body, file, module: mod });
    }
    for (const [name, bodies] of Object.entries(json.provider ?? {})) {
      for (const body of eachBody(bodies)) mod.providers.push({ name, body, file, module: mod });
    }
    for (const body of eachBody(json.terraform ?? [])) mod.terraform.push({ body, file, module: mod });
    for (const body of eachBody(json.locals ?? [])) Object.assign(mod.locals, body);
  }
  return { modules };
}

// A tree rooted at `root`; `roots` are the directories Terraform is run in.
export async function loadTree(root, { roots } = {}) {
  const tree = await loadFiles(findTfFiles(root));
  tree.root = path.resolve(root);
  tree.roots = roots ? roots.map((r) => path.resolve(r)) : [...tree.modules.keys()].filter((d) => !isCalledModule(tree, d));
  return tree;
}

function isCalledModule(tree, dir) {
  for (const mod of tree.modules.values()) {
    for (const call of mod.moduleCalls) {
      if (moduleSourceDir(call) === dir) return true;
    }
  }
  return false;
}

export function moduleSourceDir(call) {
  const src = call.body.source;
  if (typeof src !== "string" || !(src.startsWith("./") || src.startsWith("../"))) return null;
  return path.resolve(call.module.dir, src);
}

export function allResources(tree, ...types) {
  const out = [];
  for (const mod of tree.modules.values()) {
    for (const r of mod.resources) if (types.length === 0 || types.includes(r.type)) out.push(r);
  }
  return out;
}

export function allVariables(tree) {
  return [...tree.modules.values()].flatMap((m) => m.variables);
}

// --- expressions -------------------------------------------------------------

// "${var.x}" -> "x" (only when the whole value is that one reference)
export function wholeVarRef(value) {
  const m = typeof value === "string" && value.match(/^\$\{var\.([A-Za-z0-9_-]+)\}$/);
  return m ? m[1] : null;
}

// Replaces a whole-value reference to a variable of the same module by that
// variable's default, when it has one; anything else is returned unchanged.
export function resolve(value, mod) {
  const name = wholeVarRef(value);
  if (!name) return value;
  const v = mod.variables.find((x) => x.name === name);
  if (v && Object.prototype.hasOwnProperty.call(v.body, "default")) return v.body.default;
  return value;
}

export function where(item) {
  const kind = item.type ? `${item.type}.${item.name}` : item.name;
  return `${path.relative(process.cwd(), item.file)}: ${kind}`;
}

// Names of resources of `type` referenced anywhere in `value`.
export function refsTo(value, type) {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? "");
  const re = new RegExp(`\\b${type.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.([A-Za-z0-9_-]+)`, "g");
  return [...new Set([...text.matchAll(re)].map((m) => m[1]))];
}

export function blocks(body, name) {
  const v = body?.[name];
  if (v === undefined) return [];
  return eachBody(v);
}

// Nested blocks including the content of `dynamic "<name>"` blocks.
export function blocksWithDynamic(body, name) {
  const out = blocks(body, name);
  for (const dyn of blocks(body, "dynamic")) {
    for (const inner of blocks(dyn, name)) out.push(...blocks(inner, "content"));
  }
  return out;
}
