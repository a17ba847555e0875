import { useState } from 'react';
import { useAuth } from '../auth';
import { BarChart, ColumnChart } from '../components/Charts';
import { ErrorAlert, Spinner } from '../components/ui';
import { formatPrice } from '../lib/format';
import {
  reportQuery,
  toBars,
  type CountsReport,
  type ProductsReport,
  type RevenueReport,
  type StatesReport,
} from '../lib/reports';
import { useApi, type ApiState } from '../lib/useApi';
import { useTitle } from '../lib/title';

export const REPORT_TOP = 5;

/** A card whose body waits for its report: spinner, error (with retry), or content. */
function Panel<T>({ title, state, children, testId }: { title: string; state: ApiState<T>; children(d: T): React.ReactNode; testId?: string }) {
  return (
    <section className="card h-100" aria-label={title} data-testid={testId}>
      <div className="card-body">
        <h2 className="h6 card-title">{title}</h2>
        {state.error ? (
          <>
            <ErrorAlert message={state.error} />
            <button className="btn btn-sm btn-outline-secondary" onClick={state.reload}>
              Retry
            </button>
          </>
        ) : state.loading || !state.data ? (
          <Spinner />
        ) : (
          children(state.data)
        )}
      </div>
    </section>
  );
}

const COUNT_LABELS: [keyof CountsReport, string][] = [
  ['orders', 'Orders'],
  ['users', 'Users'],
  ['products', 'Products'],
  ['addresses', 'Addresses'],
  ['cards', 'Saved cards'],
];

export function Reports() {
  useTitle('Reports');
  const { user } = useAuth();
  const [paidOnly, setPaidOnly] = useState(false);
  const admin = !!user?.admin;
  // Non-admins never call the endpoints (they would get 403).
  const counts = useApi<CountsReport>(admin ? '/api/reports/counts/' : null);
  const states = useApi<StatesReport>(admin ? `/api/reports/states/${reportQuery(paidOnly, REPORT_TOP)}` : null);
  const products = useApi<ProductsReport>(admin ? `/api/reports/products/${reportQuery(paidOnly, REPORT_TOP)}` : null);
  const revenue = useApi<RevenueReport>(admin ? `/api/reports/revenue/${reportQuery(paidOnly)}` : null);

  if (!admin) {
    return (
      <div className="alert alert-warning" role="alert">
        Reports are for admins only.
      </div>
    );
  }
  const scope = paidOnly ? 'paid orders' : 'all orders';

  return (
    <>
      <div className="d-flex flex-wrap align-items-center justify-content-between gap-2 mb-3">
        <h1 className="h3 mb-0">Reports</h1>
        <div className="form-check form-switch">
          <input className="form-check-input" type="checkbox" role="switch" id="paid-only" checked={paidOnly} onChange={(e) => setPaidOnly(e.target.checked)} />
          <label className="form-check-label" htmlFor="paid-only">
            Paid only
          </label>
        </div>
      </div>

      <section aria-label="Counts" className="mb-3">
        <ErrorAlert message={counts.error} />
        {counts.loading || !counts.data ? (
          !counts.error && <Spinner />
        ) : (
          <div className="row g-2" data-testid="report-counts">
            {COUNT_LABELS.map(([k, label]) => (
              <div className="col-6 col-md" key={k}>
                <div className="card text-center">
                  <div className="card-body py-2">
                    <div className="fs-4 fw-semibold" data-testid={`count-${k}`}>
                      {counts.data![k]}
                    </div>
                    <div className="small text-secondary">{label}</div>
                  </div>
                </div>
              </div>
            ))}
          </div>
        )}
      </section>

      <div className="row g-3">
        <div className="col-12">
          <Panel title={`Revenue by month (${scope})`} state={revenue} testId="report-revenue">
            {(d) => (
              <>
                <p className="small text-secondary mb-2">
                  Total {formatPrice(d.revenue)} from {d.orders} {d.orders === 1 ? 'order' : 'orders'}.
                </p>
                <ColumnChart title="Revenue by month" bars={toBars(d.months, 'revenue')} testId="chart-revenue" axisText={(v) => formatPrice(v)} empty="No orders yet." />
              </>
            )}
          </Panel>
        </div>
        <div className="col-lg-6">
          <Panel title={`Top ${REPORT_TOP} states by orders`} state={states} testId="report-states-top">
            {(d) => (
              <>
                <BarChart title="Top states by orders" bars={toBars(d.top, 'orders')} testId="chart-states-top" empty="No orders with a shipping state yet." />
                <p className="small text-secondary mt-2 mb-0">
                  {d.states} {d.states === 1 ? 'state' : 'states'} with orders; {d.orders_without_state} without a state.
                </p>
              </>
            )}
          </Panel>
        </div>
        <div className="col-lg-6">
          <Panel title={`Bottom ${REPORT_TOP} states by orders`} state={states} testId="report-states-bottom">
            {(d) => <BarChart title="Bottom states by orders" bars={toBars(d.bottom, 'orders')} testId="chart-states-bottom" empty="No orders with a shipping state yet." />}
          </Panel>
        </div>
        <div className="col-lg-6">
          <Panel title={`Top ${REPORT_TOP} products by orders`} state={products} testId="report-products-orders">
            {(d) => <BarChart title="Top products by orders" bars={toBars(d.by_orders, 'orders')} testId="chart-products-orders" empty="No orders yet." />}
          </Panel>
        </div>
        <div className="col-lg-6">
          <Panel title={`Top ${REPORT_TOP} products by revenue`} state={products} testId="report-products-revenue">
            {(d) => <BarChart title="Top products by revenue" bars={toBars(d.by_revenue, 'revenue')} testId="chart-products-revenue" empty="No orders yet." />}
          </Panel>
        </div>
      </div>
    </>
  );
}
