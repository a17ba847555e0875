// An approximation of `terraform fmt` for the two rules it enforces that a
// reader notices: indentation (two spaces per bracket-opening line, as
// hclwrite computes it) and the alignment of "=" across consecutive
// single-line attributes. Used only because the terraform binary is not
// available here; where it is, `terraform fmt -check` is authoritative.

// Splits one line into code tokens that matter: brackets, "=", comments.
// Strings (with nested ${...} interpolations) are skipped as a whole.
function scanLine(line) {
  const tokens = [];
  let i = 0;
  const skipString = () => {
    // at opening quote
    i++;
    while (i < line.length) {
      const c = line[i];
      if (c === "\\") { i += 2; continue; }
      if (c === '"') { i++; return; }
      if ((c === "$" || c === "%") && line[i + 1] === "{") {
        i += 2;
        let depth = 1;
        while (i < line.length && depth > 0) {
          if (line[i] === '"') { skipString(); continue; }
          if (line[i] === "{") depth++;
          else if (line[i] === "}") depth--;
          i++;
        }
        continue;
      }
      i++;
    }
  };
  while (i < line.length) {
    const c = line[i];
    if (c === '"') { skipString(); continue; }
    if (c === "#" || (c === "/" && line[i + 1] === "/")) { tokens.push({ t: "comment", at: i }); break; }
    if (c === "/" && line[i + 1] === "*") { tokens.push({ t: "comment", at: i }); break; }
    if (c === "<" && line[i + 1] === "<") {
      const m = line.slice(i).match(/^<<-?([A-Za-z_][A-Za-z0-9_]*)/);
      if (m) { tokens.push({ t: "heredoc", at: i, marker: m[1] }); break; }
    }
    if ("([{".includes(c)) tokens.push({ t: "open", at: i });
    else if (")]}".includes(c)) tokens.push({ t: "close", at: i });
    else if (c === "=") {
      const prev = line[i - 1];
      const next = line[i + 1];
      if (next === "=" || next === ">") { i += 2; continue; }
      if ("!<>=".includes(prev)) { i++; continue; }
      tokens.push({ t: "eq", at: i });
    }
    i++;
  }
  return tokens;
}

// Returns { expected: string, problems: [{ line, message }] }.
export function formatHcl(text) {
  const lines = text.split("\n");
  const out = [...lines];
  const problems = [];
  const info = [];
  let heredoc = null;
  const indents = [];
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n];
    if (heredoc) {
      if (raw.trim() === heredoc) heredoc = null;
      info.push(null);
      continue;
    }
    const body = raw.trim();
    if (body === "") { info.push(null); out[n] = ""; continue; }
    const tokens = scanLine(body);
    const hd = tokens.find((t) => t.t === "heredoc");
    if (hd) heredoc = hd.marker;
    let net = 0;
    for (const t of tokens) net += t.t === "open" ? 1 : t.t === "close" ? -1 : 0;
    let indent;
    if (net > 0) {
      indent = indents.length;
      indents.push(net);
    } else if (net < 0 && indents.length > 0) {
      indents[indents.length - 1] += net;
      if (indents[indents.length - 1] <= 0) {
        indent = indents.length - 1;
        indents.pop();
      } else indent = indents.length;
    } else indent = indents.length;
    out[n] = " ".repeat(2 * indent) + body;
    // An attribute line: an "=" after the first token whose right-hand side
    // is bracket-balanced on this line.
    let assign = null;
    const eq = tokens.find((t) => t.t === "eq");
    if (eq && eq.at > 0) {
      const before = tokens.filter((t) => t.at < eq.at && (t.t === "open" || t.t === "close"));
      let rhs = 0;
      for (const t of tokens) if (t.at > eq.at) rhs += t.t === "open" ? 1 : t.t === "close" ? -1 : 0;
      if (before.length === 0 && rhs === 0) assign = { lead: body.slice(0, eq.at).trimEnd(), rest: body.slice(eq.at + 1).trimStart() };
    }
    info.push(assign ? { n, indent, ...assign } : null);
  }
  // Align "=" in each run of consecutive attribute lines.
  let run = [];
  const flush = () => {
    const width = Math.max(...run.map((a) => a.lead.length));
    for (const a of run) out[a.n] = " ".repeat(2 * a.indent) + a.lead.padEnd(width) + " = " + a.rest;
    run = [];
  };
  for (const a of info) {
    if (a) run.push(a);
    else if (run.length) flush();
  }
  if (run.length) flush();
  for (let n = 0; n < lines.length; n++) {
    if (out[n] !== lines[n]) problems.push({ line: n + 1, message: `expected ${JSON.stringify(out[n])}, found ${JSON.stringify(lines[n])}` });
  }
  if (/\t/.test(text)) problems.push({ line: 0, message: "tab characters" });
  if (!text.endsWith("\n")) problems.push({ line: lines.length, message: "no newline at end of file" });
  return { expected: out.join("\n"), problems };
}
