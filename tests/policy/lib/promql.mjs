// Metric names and label names used by PromQL expressions, read with the
// Prometheus project's own PromQL grammar (@prometheus-io/lezer-promql).
import { parser } from "@prometheus-io/lezer-promql";

// Grafana's built-in interval variables are not PromQL; give them a value.
export function substituteGrafana(expr) {
  return expr.replace(/\$\{?__(rate_interval|interval|range)(:\w+)?\}?/g, "5m");
}

// Returns { selectors: [{ metric, labels: [names] }], errors: [text] }.
export function analyse(expr) {
  const src = substituteGrafana(expr);
  const tree = parser.parse(src);
  const selectors = [];
  const errors = [];
  const cur = tree.cursor();
  do {
    if (cur.type.isError) errors.push(`syntax error at ${cur.from}: ${JSON.stringify(src.slice(Math.max(0, cur.from - 20), cur.from + 20))}`);
    if (cur.name === "VectorSelector") {
      const node = cur.node;
      const id = node.getChild("Identifier");
      const labels = [];
      const matchers = node.getChild("LabelMatchers");
      if (matchers) {
        const inner = matchers.cursor();
        do {
          if (inner.name === "LabelName") labels.push(src.slice(inner.from, inner.to));
        } while (inner.next() && inner.from < matchers.to);
      }
      selectors.push({ metric: id ? src.slice(id.from, id.to) : null, labels });
    }
  } while (cur.next());
  return { selectors, errors };
}
