// Shapes of the shop's admin report endpoints (docs/api/shop.yaml, tag
// "reports") and their mapping to chart bars.
import { formatPrice } from './format';

export interface ReportGroup {
  product_id?: number | null;
  state?: string;
  name?: string;
  month?: string;
  orders: number;
  revenue_cents: number;
  revenue: string;
}
export interface CountsReport {
  users: number;
  products: number;
  orders: number;
  addresses: number;
  cards: number;
}
export interface StatesReport {
  paid_only: boolean;
  states: number;
  orders_without_state: number;
  top: ReportGroup[];
  bottom: ReportGroup[];
}
export interface ProductsReport {
  paid_only: boolean;
  by_orders: ReportGroup[];
  by_revenue: ReportGroup[];
}
export interface RevenueReport {
  paid_only: boolean;
  months: ReportGroup[];
  orders: number;
  revenue_cents: number;
  revenue: string;
}

/** One bar: its label, numeric value (scale) and the text shown for it. */
export interface Bar {
  key: string;
  label: string;
  value: number;
  display: string;
}

export type Measure = 'orders' | 'revenue';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2024-03" → "Mar 2024"; anything else is shown as is. */
export function monthLabel(month: string | undefined): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month ?? '');
  if (!m) return month || '—';
  const i = Number(m[2]) - 1;
  return i >= 0 && i < 12 ? `${MONTHS[i]} ${m[1]}` : (month as string);
}

/** The group's label: state, product name or month; empty keys read "(none)". */
export function groupLabel(g: ReportGroup): string {
  if (g.month !== undefined) return monthLabel(g.month);
  const t = (g.state ?? g.name ?? '').trim();
  return t || '(none)';
}

export function ordersText(n: number): string {
  return `${n} ${n === 1 ? 'order' : 'orders'}`;
}

/** Report rows → bars of orders or revenue (cents → rupees, formatted like prices). */
export function toBars(rows: ReportGroup[] | null | undefined, measure: Measure): Bar[] {
  return (rows ?? []).map((g, i) => {
    const label = groupLabel(g);
    const key = `${g.product_id ?? ''}|${g.state ?? g.name ?? g.month ?? ''}|${i}`;
    if (measure === 'orders') {
      const v = Number(g.orders) || 0;
      return { key, label, value: v, display: ordersText(v) };
    }
    const cents = Number(g.revenue_cents) || 0;
    return { key, label, value: cents / 100, display: formatPrice(g.revenue ?? cents / 100) };
  });
}

/** Upper end of the value axis: 1, 2 or 5 × 10^k at or above the largest value (0 → 1). */
export function niceMax(values: number[]): number {
  const max = Math.max(0, ...values.filter((v) => Number.isFinite(v)));
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/** Bar length as a fraction 0..1 of the axis. */
export function fraction(value: number, max: number): number {
  if (!(max > 0) || !Number.isFinite(value) || value <= 0) return 0;
  return Math.min(1, value / max);
}

/** Query string for the ranking endpoints. */
export function reportQuery(paidOnly: boolean, top?: number): string {
  const q = new URLSearchParams();
  if (top !== undefined) q.set('top', String(top));
  if (paidOnly) q.set('paid_only', 'true');
  const s = q.toString();
  return s ? `?${s}` : '';
}
