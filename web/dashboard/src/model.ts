// The dashboards this page draws are the Grafana dashboards that
// deploy/grafana/build-dashboards.mjs generates (deploy/grafana/dashboards/*.json):
// one source, read here in the subset that generator writes (rows of
// time-series panels, query variables).

export interface Target {
  expr: string;
  legend: string;
}

export interface Panel {
  id: number;
  title: string;
  description: string;
  unit: string;
  min?: number;
  max?: number;
  width: number; // grid columns out of 24
  targets: Target[];
}

export interface Row {
  title: string;
  panels: Panel[];
}

export interface Variable {
  name: string;
  label: string;
  query: string; // label_values(selector, label)
  includeAll: boolean;
  allValue: string;
}

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  from: string; // default range, "now-6h"
  refresh: string; // default auto-refresh, "30s"
  variables: Variable[];
  rows: Row[];
}

interface GrafanaTarget {
  expr: string;
  legendFormat?: string;
}
interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { w: number };
  fieldConfig?: { defaults?: { unit?: string; min?: number; max?: number } };
  targets?: GrafanaTarget[];
}
interface GrafanaVariable {
  name: string;
  label?: string;
  type: string;
  definition?: string;
  query?: string | { query: string };
  includeAll?: boolean;
  allValue?: string;
}
export interface GrafanaDashboard {
  uid: string;
  title: string;
  description?: string;
  time?: { from: string };
  refresh?: string;
  templating?: { list: GrafanaVariable[] };
  panels: GrafanaPanel[];
}

/** The page's model of one Grafana dashboard; throws on a panel type it cannot draw. */
export function fromGrafana(g: GrafanaDashboard): Dashboard {
  const rows: Row[] = [];
  for (const p of g.panels) {
    if (p.type === 'row') {
      rows.push({ title: p.title, panels: [] });
      continue;
    }
    if (p.type !== 'timeseries') throw new Error(`${g.uid}: panel "${p.title}" has type ${p.type}, which this page does not draw`);
    if (rows.length === 0) rows.push({ title: '', panels: [] });
    const d = p.fieldConfig?.defaults ?? {};
    rows[rows.length - 1].panels.push({
      id: p.id,
      title: p.title,
      description: p.description ?? '',
      unit: d.unit ?? 'short',
      min: d.min,
      max: d.max,
      width: p.gridPos.w,
      targets: (p.targets ?? []).map((t) => ({ expr: t.expr, legend: t.legendFormat ?? '' })),
    });
  }
  const variables = (g.templating?.list ?? [])
    .filter((v) => v.type === 'query')
    .map((v) => ({
      name: v.name,
      label: v.label ?? v.name,
      query: typeof v.query === 'string' ? v.query : (v.query?.query ?? v.definition ?? ''),
      includeAll: v.includeAll ?? false,
      allValue: v.allValue ?? '.*',
    }));
  return {
    uid: g.uid,
    title: g.title,
    description: g.description ?? '',
    from: g.time?.from ?? 'now-1h',
    refresh: g.refresh ?? '',
    variables,
    rows,
  };
}
