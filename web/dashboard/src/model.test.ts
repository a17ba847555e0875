import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { fromGrafana, type GrafanaDashboard } from './model';

const dir = path.resolve(__dirname, '../../../deploy/grafana/dashboards');
const grafana: GrafanaDashboard[] = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));

test('every generated dashboard is read whole: each panel with its queries, unit and width', () => {
  expect(grafana.length).toBe(3);
  for (const g of grafana) {
    const d = fromGrafana(g);
    const drawn = d.rows.flatMap((r) => r.panels);
    const source = g.panels.filter((p) => p.type !== 'row');
    expect(drawn.map((p) => p.title)).toEqual(source.map((p) => p.title));
    expect(d.rows.map((r) => r.title)).toEqual(g.panels.filter((p) => p.type === 'row').map((p) => p.title));
    for (const p of drawn) {
      expect(p.targets.length).toBeGreaterThan(0);
      expect(p.width).toBeGreaterThan(0);
      expect(p.unit).not.toBe('');
    }
    expect(d.variables.map((v) => v.name)).toEqual(g.templating!.list.map((v) => v.name));
    for (const v of d.variables) expect(v.query).toMatch(/^label_values\(/);
  }
});

test('a panel type the page cannot draw is refused, not dropped', () => {
  const g: GrafanaDashboard = { uid: 'x', title: 'x', panels: [{ id: 1, type: 'piechart', title: 'Pie', gridPos: { w: 12 } }] };
  expect(() => fromGrafana(g)).toThrow(/piechart/);
});
