// Renders the subset of Terraform's template language that the user data
// templates use: ${name}, ${a.b}, ${join("sep", list)}, $${ (a literal ${),
// %{ for x in list ~}, %{ for k, v in map ~}, %{ if a == "" ~} / %{ else ~}
// / %{ endif ~}, %{ endfor ~}. A "~" strips the whitespace (newline included)
// on its side of the directive, as Terraform does. Anything else throws, so a
// template that outgrows this subset fails the test instead of rendering
// wrongly.

function tokenize(src) {
  const tokens = [];
  let i = 0;
  let text = "";
  const flush = () => {
    if (text) tokens.push({ t: "text", v: text });
    text = "";
  };
  while (i < src.length) {
    if ((src.startsWith("$${", i)) || src.startsWith("%%{", i)) {
      text += src[i] + "{";
      i += 3;
      continue;
    }
    if (src.startsWith("${", i) || src.startsWith("%{", i)) {
      const kind = src[i] === "$" ? "interp" : "directive";
      let j = i + 2;
      let depth = 1;
      let inString = false;
      while (j < src.length && depth > 0) {
        const c = src[j];
        if (inString) {
          if (c === "\\") j++;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === "{") depth++;
        else if (c === "}") depth--;
        j++;
      }
      let body = src.slice(i + 2, j - 1);
      const stripLeft = body.startsWith("~");
      const stripRight = body.endsWith("~");
      body = body.replace(/^~/, "").replace(/~$/, "").trim();
      if (stripLeft) text = text.replace(/\s+$/, "");
      flush();
      tokens.push({ t: kind, v: body });
      i = j;
      if (stripRight) while (i < src.length && /\s/.test(src[i])) i++;
      continue;
    }
    text += src[i++];
  }
  flush();
  return tokens;
}

function lookup(expr, scope) {
  const e = expr.trim();
  let m = e.match(/^join\(\s*"((?:[^"\\]|\\.)*)"\s*,\s*([\w.]+)\s*\)$/);
  if (m) return lookup(m[2], scope).join(JSON.parse(`"${m[1]}"`));
  m = e.match(/^"((?:[^"\\]|\\.)*)"$/);
  if (m) return JSON.parse(e);
  if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(e)) throw new Error(`template expression not supported: ${e}`);
  let v = scope;
  for (const part of e.split(".")) {
    if (v === null || typeof v !== "object" || !(part in v)) throw new Error(`template: ${e} is not defined`);
    v = v[part];
  }
  return v;
}

function parse(tokens, pos, stops) {
  const nodes = [];
  while (pos < tokens.length) {
    const tok = tokens[pos];
    if (tok.t === "directive") {
      const word = tok.v.split(/\s+/)[0];
      if (stops.includes(word)) return { nodes, pos, stop: word };
      if (word === "for") {
        const m = tok.v.match(/^for\s+(\w+)(?:\s*,\s*(\w+))?\s+in\s+(.+)$/);
        if (!m) throw new Error(`template: bad for: ${tok.v}`);
        const body = parse(tokens, pos + 1, ["endfor"]);
        if (body.stop !== "endfor") throw new Error("template: for without endfor");
        nodes.push({ t: "for", a: m[1], b: m[2], over: m[3], body: body.nodes });
        pos = body.pos + 1;
        continue;
      }
      if (word === "if") {
        const cond = tok.v.slice(2).trim();
        const then = parse(tokens, pos + 1, ["else", "endif"]);
        let other = { nodes: [], pos: then.pos };
        if (then.stop === "else") other = parse(tokens, then.pos + 1, ["endif"]);
        if ((other.stop ?? then.stop) !== "endif") throw new Error("template: if without endif");
        nodes.push({ t: "if", cond, then: then.nodes, other: other.nodes });
        pos = other.pos + 1;
        continue;
      }
      throw new Error(`template directive not supported: ${tok.v}`);
    }
    nodes.push(tok);
    pos++;
  }
  return { nodes, pos, stop: null };
}

function evalCond(cond, scope) {
  const m = cond.match(/^(.+?)\s*(==|!=)\s*(.+)$/);
  if (!m) throw new Error(`template condition not supported: ${cond}`);
  const eq = lookup(m[1], scope) === lookup(m[3], scope);
  return m[2] === "==" ? eq : !eq;
}

function run(nodes, scope) {
  let out = "";
  for (const n of nodes) {
    if (n.t === "text") out += n.v;
    else if (n.t === "interp") out += String(lookup(n.v, scope));
    else if (n.t === "if") out += run(evalCond(n.cond, scope) ? n.then : n.other, scope);
    else if (n.t === "for") {
      const over = lookup(n.over, scope);
      if (Array.isArray(over)) {
        if (n.b) throw new Error("template: two loop variables over a list");
        for (const x of over) out += run(n.body, { ...scope, [n.a]: x });
      } else {
        for (const k of Object.keys(over).sort()) out += run(n.body, n.b ? { ...scope, [n.a]: k, [n.b]: over[k] } : { ...scope, [n.a]: over[k] });
      }
    }
  }
  return out;
}

export function renderTemplate(src, vars) {
  const parsed = parse(tokenize(src), 0, []);
  if (parsed.stop) throw new Error(`template: unexpected ${parsed.stop}`);
  return run(parsed.nodes, vars);
}
