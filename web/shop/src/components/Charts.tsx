// Small inline-SVG charts (no chart library). Each chart is an image with a
// label and a <title> per bar, plus a visually hidden table of the same data.
import { useId } from 'react';
import { fraction, niceMax, type Bar } from '../lib/reports';

interface ChartProps {
  title: string;
  bars: Bar[];
  testId?: string;
  empty?: string;
}

function DataTable({ title, bars }: { title: string; bars: Bar[] }) {
  return (
    <table className="visually-hidden">
      <caption>{title}</caption>
      <tbody>
        {bars.map((b) => (
          <tr key={b.key}>
            <th scope="row">{b.label}</th>
            <td>{b.display}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Horizontal bars: a label on the left, the value's text after the bar. */
export function BarChart({ title, bars, testId, empty = 'No data yet.' }: ChartProps) {
  const id = useId();
  if (!bars.length) return <p className="text-secondary small empty-state" data-testid={testId}>{empty}</p>;
  const W = 600;
  const labelW = 170;
  const valueW = 120;
  const rowH = 28;
  const barMax = W - labelW - valueW;
  const max = niceMax(bars.map((b) => b.value));
  const H = bars.length * rowH + 4;
  return (
    <figure className="chart mb-0" data-testid={testId}>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-labelledby={`${id}-t`} preserveAspectRatio="xMinYMin meet">
        <title id={`${id}-t`}>{`${title}: ${bars.map((b) => `${b.label} ${b.display}`).join(', ')}`}</title>
        {bars.map((b, i) => {
          const y = i * rowH + 2;
          const w = Math.max(b.value > 0 ? 2 : 0, fraction(b.value, max) * barMax);
          return (
            <g key={b.key} className="chart-bar" data-label={b.label} data-value={b.value}>
              <title>{`${b.label}: ${b.display}`}</title>
              <text x={labelW - 8} y={y + rowH / 2} textAnchor="end" dominantBaseline="middle" className="chart-label">
                {truncate(b.label, 22)}
              </text>
              <rect x={labelW} y={y + 4} width={w} height={rowH - 8} rx={3} className="chart-fill" />
              <text x={labelW + w + 6} y={y + rowH / 2} dominantBaseline="middle" className="chart-value">
                {b.display}
              </text>
            </g>
          );
        })}
      </svg>
      <DataTable title={title} bars={bars} />
    </figure>
  );
}

/** Vertical columns, oldest first (months), with the axis maximum shown. */
export function ColumnChart({ title, bars, testId, empty = 'No data yet.', axisText }: ChartProps & { axisText?: (v: number) => string }) {
  const id = useId();
  if (!bars.length) return <p className="text-secondary small empty-state" data-testid={testId}>{empty}</p>;
  const colW = 56;
  const left = 96;
  const plotH = 180;
  const top = 24;
  const bottom = 30;
  const W = Math.max(360, left + bars.length * colW + 8);
  const H = top + plotH + bottom;
  const max = niceMax(bars.map((b) => b.value));
  const fmt = axisText ?? ((v: number) => String(v));
  return (
    <figure className="chart mb-0" data-testid={testId}>
      <div className="chart-scroll">
        <svg viewBox={`0 0 ${W} ${H}`} width={W} style={{ maxWidth: '100%', minWidth: Math.min(W, 320) }} role="img" aria-labelledby={`${id}-t`}>
          <title id={`${id}-t`}>{`${title}: ${bars.map((b) => `${b.label} ${b.display}`).join(', ')}`}</title>
          <line x1={left} x2={W - 4} y1={top + plotH} y2={top + plotH} className="chart-axis" />
          <line x1={left} x2={W - 4} y1={top} y2={top} className="chart-grid" />
          <text x={left - 6} y={top} textAnchor="end" dominantBaseline="middle" className="chart-value">
            {fmt(max)}
          </text>
          <text x={left - 6} y={top + plotH} textAnchor="end" dominantBaseline="middle" className="chart-value">
            {fmt(0)}
          </text>
          {bars.map((b, i) => {
            const h = Math.max(b.value > 0 ? 2 : 0, fraction(b.value, max) * plotH);
            const x = left + i * colW + 8;
            return (
              <g key={b.key} className="chart-bar" data-label={b.label} data-value={b.value}>
                <title>{`${b.label}: ${b.display}`}</title>
                <rect x={x} y={top + plotH - h} width={colW - 16} height={h} rx={3} className="chart-fill" />
                <text x={x + (colW - 16) / 2} y={top + plotH + 16} textAnchor="middle" className="chart-label">
                  {b.label}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
      <DataTable title={title} bars={bars} />
    </figure>
  );
}
