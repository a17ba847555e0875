// Small inline-SVG charts (no chart library). Each chart is an image with a
// label and a <title> per bar, plus a visually hidden table of the same data.
// Charts are laid out in CSS pixels for the width their card gives them (not
// scaled from a fixed viewBox), so they fill the card and their text stays
// 12 px on any screen.
import { useId, useLayoutEffect, useState } from 'react';
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

/** The element's content width, kept up to date; `fallback` until it is known. */
function useWidth(fallback: number): [(el: HTMLElement | null) => void, number] {
  const [el, setEl] = useState<HTMLElement | null>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    if (!el) return;
    setWidth(el.clientWidth || fallback);
    const ro = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (w > 0) setWidth(w);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [el, fallback]);
  return [setEl, width];
}

const CHAR_PX = 7; // a 12 px label character, roughly

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Horizontal bars: a label on the left, the value's text after the bar. */
export function BarChart({ title, bars, testId, empty = 'No data yet.' }: ChartProps) {
  const id = useId();
  const [ref, width] = useWidth(600);
  if (!bars.length) return <p className="text-secondary small empty-state" data-testid={testId}>{empty}</p>;
  const W = Math.max(260, width);
  const valueW = Math.min(120, Math.max(...bars.map((b) => b.display.length)) * CHAR_PX + 12);
  const labelW = Math.round(Math.min(190, W * 0.38));
  const rowH = 28;
  const barMax = W - labelW - valueW;
  const max = niceMax(bars.map((b) => b.value));
  const H = bars.length * rowH + 4;
  return (
    <figure className="chart mb-0" data-testid={testId} ref={ref}>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-labelledby={`${id}-t`}>
        <title id={`${id}-t`}>{`${title}: ${bars.map((b) => `${b.label} ${b.display}`).join(', ')}`}</title>
        {bars.map((b, i) => {
          const y = i * rowH + 2;
          const w = Math.max(b.value > 0 ? 2 : 0, fraction(b.value, max) * barMax);
          return (
            <g key={b.key} className="chart-bar" data-label={b.label} data-value={b.value}>
              <title>{`${b.label}: ${b.display}`}</title>
              <text x={labelW - 8} y={y + rowH / 2} textAnchor="end" dominantBaseline="middle" className="chart-label">
                {truncate(b.label, Math.floor((labelW - 12) / CHAR_PX))}
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
  const [ref, width] = useWidth(600);
  if (!bars.length) return <p className="text-secondary small empty-state" data-testid={testId}>{empty}</p>;
  const max = niceMax(bars.map((b) => b.value));
  const fmt = axisText ?? ((v: number) => String(v));
  const left = Math.max(fmt(max).length, fmt(0).length) * CHAR_PX + 10;
  const plotH = 200;
  const top = 28;
  const bottom = 30;
  // Columns share the whole width; below 28 px each the chart scrolls inside its card.
  const available = Math.max(260, width) - left - 8;
  const colW = Math.max(28, available / bars.length);
  const barW = Math.min(72, colW * 0.7);
  const W = colW * bars.length > available ? left + colW * bars.length + 8 : Math.max(260, width);
  const H = top + plotH + bottom;
  const labelW = Math.max(...bars.map((b) => b.label.length)) * CHAR_PX;
  const labelEvery = Math.max(1, Math.ceil((labelW + 8) / colW)); // so month labels never overlap
  const valueFits = Math.max(...bars.map((b) => b.display.length)) * 6.5 + 6 <= colW;
  return (
    <figure className="chart mb-0" data-testid={testId}>
      <div className="chart-scroll" ref={ref}>
        <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-labelledby={`${id}-t`}>
          <title id={`${id}-t`}>{`${title}: ${bars.map((b) => `${b.label} ${b.display}`).join(', ')}`}</title>
          <line x1={left} x2={W - 4} y1={top + plotH} y2={top + plotH} className="chart-axis" />
          <line x1={left} x2={W - 4} y1={top} y2={top} className="chart-grid" />
          <line x1={left} x2={W - 4} y1={top + plotH / 2} y2={top + plotH / 2} className="chart-grid" />
          <text x={left - 6} y={top + plotH / 2} textAnchor="end" dominantBaseline="middle" className="chart-value">
            {fmt(max / 2)}
          </text>
          <text x={left - 6} y={top} textAnchor="end" dominantBaseline="middle" className="chart-value">
            {fmt(max)}
          </text>
          <text x={left - 6} y={top + plotH} textAnchor="end" dominantBaseline="middle" className="chart-value">
            {fmt(0)}
          </text>
          {bars.map((b, i) => {
            const h = Math.max(b.value > 0 ? 2 : 0, fraction(b.value, max) * plotH);
            const cx = left + i * colW + colW / 2;
            return (
              <g key={b.key} className="chart-bar" data-label={b.label} data-value={b.value}>
                <title>{`${b.label}: ${b.display}`}</title>
                <rect x={cx - barW / 2} y={top + plotH - h} width={barW} height={h} rx={3} className="chart-fill" />
                {valueFits && (
                  <text x={cx} y={top + plotH - h - 6} textAnchor="middle" className="chart-value">
                    {b.display}
                  </text>
                )}
                {(bars.length - 1 - i) % labelEvery === 0 && (
                  <text x={cx} y={top + plotH + 18} textAnchor="middle" className="chart-label">
                    {b.label}
                  </text>
                )}
              </g>
            );
          })}
        </svg>
      </div>
      <DataTable title={title} bars={bars} />
    </figure>
  );
}
