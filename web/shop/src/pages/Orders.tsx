import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api/client';
import { errorMessage } from '../api/errors';
import type { Order, Page } from '../api/types';
import { useAuth } from '../auth';
import { Empty, ErrorAlert, Pager, Spinner } from '../components/ui';
import { formatDate, formatPrice } from '../lib/format';
import { useTitle } from '../lib/title';
import { useApi } from '../lib/useApi';

export const ORDER_PAGE_SIZE = 20;

/** "21 November 2026", as the original stored delivered_at. */
export function deliveredToday(now = new Date()): string {
  return now.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' });
}

export function Orders() {
  const { user } = useAuth();
  const admin = !!user?.admin;
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const q = params.get('q') ?? '';
  const delivered = params.get('delivered') ?? '';
  const paid = params.get('paid') ?? '';
  const qs = new URLSearchParams({ page: String(page), page_size: String(ORDER_PAGE_SIZE) });
  if (admin && q) qs.set('q', q);
  if (delivered) qs.set('delivered', delivered);
  if (paid) qs.set('paid', paid);
  const { data, error, loading, reload } = useApi<Page<Order>>(`/account/all-orders-list/?${qs}`);
  const [term, setTerm] = useState(q);
  const [opError, setOpError] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<number | null>(null);
  useTitle(admin ? 'All orders' : 'My orders');

  const update = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    if (k !== 'page') next.delete('page');
    setParams(next);
  };
  const search = (e: FormEvent) => {
    e.preventDefault();
    update('q', term.trim());
  };
  const mark = async (o: Order, value: boolean) => {
    setBusyId(o.id);
    setOpError(null);
    try {
      await api.put(`/account/change-order-status/${o.id}/`, { is_delivered: value, delivered_at: value ? deliveredToday() : null });
      reload();
    } catch (e) {
      setOpError(errorMessage(e));
    } finally {
      setBusyId(null);
    }
  };

  const markButton = (o: Order) => (
    <button className={`btn btn-sm ${o.is_delivered ? 'btn-outline-secondary' : 'btn-outline-success'}`} disabled={busyId === o.id} onClick={() => mark(o, !o.is_delivered)}>
      {o.is_delivered ? 'Mark undelivered' : 'Mark delivered'}
    </button>
  );

  return (
    <>
      <h1 className="h3 mb-3">{admin ? 'All orders' : 'My orders'}</h1>
      <div className="row g-2 mb-3 align-items-end">
        {admin && (
          <form className="col-md-5 d-flex" onSubmit={search} role="search">
            <input className="form-control me-2" type="search" placeholder="Customer, item or address" aria-label="Search orders" value={term} onChange={(e) => setTerm(e.target.value)} />
            <button className="btn btn-outline-primary">Search</button>
          </form>
        )}
        <div className="col-6 col-md-3">
          <select className="form-select" aria-label="Delivery" value={delivered} onChange={(e) => update('delivered', e.target.value)}>
            <option value="">Delivered or not</option>
            <option value="true">Delivered</option>
            <option value="false">Not delivered</option>
          </select>
        </div>
        <div className="col-6 col-md-3">
          <select className="form-select" aria-label="Payment" value={paid} onChange={(e) => update('paid', e.target.value)}>
            <option value="">Paid or not</option>
            <option value="true">Paid</option>
            <option value="false">Not paid</option>
          </select>
        </div>
      </div>
      <ErrorAlert message={error ?? opError} />
      {loading && !data && <Spinner />}
      {data && data.results.length === 0 && <Empty>No orders found.</Empty>}
      {data && data.results.length > 0 && (
        <>
          {/* Wide screens get a table, phones a card per order (no sideways scrolling). */}
          <div className="table-responsive d-none d-md-block">
            <table className="table table-sm align-middle" data-testid="orders-table">
              <thead>
                <tr>
                  <th>Order</th>
                  {admin && <th>Customer</th>}
                  <th>Item</th>
                  <th>Total</th>
                  <th>Card</th>
                  <th>Address</th>
                  <th>Paid</th>
                  <th>Delivered</th>
                  {admin && <th />}
                </tr>
              </thead>
              <tbody>
                {data.results.map((o) => (
                  <tr key={o.id} data-order-id={o.id}>
                    <td>
                      <Link to={`/order/${o.id}`} aria-label={`Order #${o.id}`}>
                        #{o.id}
                      </Link>
                    </td>
                    {admin && <td>{o.name}</td>}
                    <td>{o.ordered_item ?? '—'}</td>
                    <td className="text-nowrap">{formatPrice(o.total_price)}</td>
                    <td>{o.card_number ? `•••• ${o.card_number}` : '—'}</td>
                    <td className="small">{o.address ?? '—'}</td>
                    <td>{o.paid_status ? `Paid ${formatDate(o.paid_at, '')}` : 'Not paid'}</td>
                    <td className="delivery-status">{o.is_delivered ? `Delivered ${o.delivered_at ?? ''}` : 'Not delivered'}</td>
                    {admin && <td>{markButton(o)}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ul className="list-unstyled d-md-none" data-testid="order-cards">
            {data.results.map((o) => (
              <li key={o.id} className="card mb-2 order-card" data-order-id={o.id}>
                <div className="card-body p-3">
                  <div className="d-flex justify-content-between gap-2">
                    <Link to={`/order/${o.id}`} className="fw-semibold text-break">
                      #{o.id} · {o.ordered_item ?? '—'}
                    </Link>
                    <span className="fw-semibold text-nowrap">{formatPrice(o.total_price)}</span>
                  </div>
                  {admin && <div className="small">{o.name}</div>}
                  <div className="small text-secondary text-break">{o.address ?? '—'}</div>
                  <div className="small mt-1">
                    {o.paid_status ? `Paid ${formatDate(o.paid_at, '')}` : 'Not paid'}
                    {o.card_number ? ` · card •••• ${o.card_number}` : ''}
                  </div>
                  <div className="small delivery-status">{o.is_delivered ? `Delivered ${o.delivered_at ?? ''}` : 'Not delivered'}</div>
                  {admin && <div className="mt-2">{markButton(o)}</div>}
                </div>
              </li>
            ))}
          </ul>
          <Pager page={page} count={data.count} pageSize={ORDER_PAGE_SIZE} onPage={(p) => update('page', String(p))} />
        </>
      )}
    </>
  );
}
