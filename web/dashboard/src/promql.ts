// What Grafana does to a panel's query before sending it to Prometheus, in
// the subset the generated dashboards use: template variables ($app), the
// built-in $__rate_interval, legend formats ({{app}} {{route}}) and the step.

/** Seconds of a Prometheus/Grafana duration: "15s", "5m", "1h30m", "2d". NaN when malformed. */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return NaN;
  return parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]], 0);
}

/** A duration in the largest whole unit PromQL accepts ("90s" → "90s", "120s" → "2m"). */
export function formatDuration(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

/** The query step: about one point per two pixels of width, never finer than a scrape. */
export function stepFor(rangeSeconds: number, widthPx: number, scrapeSeconds: number): number {
  const points = Math.max(50, Math.floor(widthPx / 2));
  return Math.max(scrapeSeconds, Math.ceil(rangeSeconds / points));
}

/** Grafana's $__rate_interval: at least four scrapes, and a step plus one scrape. */
export function rateInterval(stepSeconds: number, scrapeSeconds: number): number {
  return Math.max(stepSeconds + scrapeSeconds, 4 * scrapeSeconds);
}

const REGEX_SPECIAL = /[\\^$.|?*+()[\]{}]/g;

/**
 * A variable's value as it goes into a regex matcher (=~"$app"): the
 * variable's all-value when nothing in particular is chosen, else the chosen
 * values, escaped and joined as alternatives.
 */
export function regexValue(chosen: string[] | 'all', allValue: string): string {
  if (chosen === 'all') return allValue;
  if (chosen.length === 1) return escapeRegex(chosen[0]);
  return `(${chosen.map(escapeRegex).join('|')})`;
}

function escapeRegex(v: string): string {
  // Inside a PromQL string a backslash is itself escaped.
  return v.replace(REGEX_SPECIAL, (c) => `\\\\${c}`);
}

/** Replaces $name and ${name} of the given variables; other $words stay as they are. */
export function interpolate(expr: string, vars: Record<string, string>): string {
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    return Object.hasOwn(vars, name) ? vars[name] : whole;
  });
}

/** The parts of a variable query label_values(selector, label) (selector optional). */
export function parseLabelValues(query: string): { selector: string; label: string } | null {
  const m = query.trim().match(/^label_values\(\s*(?:(.*\S)\s*,\s*)?(\w+)\s*\)$/);
  return m ? { selector: m[1] ?? '', label: m[2] } : null;
}

/** A series' name from a legend format: {{label}} replaced by the series' label value. */
export function legendName(format: string, labels: Record<string, string>): string {
  if (!format) {
    const { __name__: name = '', ...rest } = labels;
    const inner = Object.entries(rest).map(([k, v]) => `${k}="${v}"`).join(', ');
    return `${name}{${inner}}`;
  }
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, l: string) => labels[l] ?? '').trim();
}
