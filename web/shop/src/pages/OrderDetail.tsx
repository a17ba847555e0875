import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../api/client';
import { ApiError, errorMessage } from '../api/errors';
import type { Order, Page } from '../api/types';
import { ErrorAlert, Spinner } from '../components/ui';
import { formatDate, formatPrice } from '../lib/format';
import { findOrder } from '../lib/orders';
import { SITE_NAME, useTitle } from '../lib/title';

/** /order/:id — one order as a receipt that prints cleanly (see the print rules in styles.css). */
export function OrderDetail() {
  const { id = '' } = useParams();
  // undefined: loading; null: not among the orders this user may see.
  const [order, setOrder] = useState<Order | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const number = /^\d{1,15}$/.test(id) ? Number(id) : NaN;

  useEffect(() => {
    const ctl = new AbortController();
    setOrder(undefined);
    setError(null);
    // The list answers only with the user's own orders (an admin's: all), so
    // someone else's order is simply not found.
    findOrder(number, (page, size) => api.get<Page<Order>>(`/account/all-orders-list/?page=${page}&page_size=${size}`, ctl.signal))
      .then(setOrder)
      .catch((e) => {
        if ((e as Error)?.name === 'AbortError') return;
        // "Invalid page.": the list shrank while searching it.
        if (e instanceof ApiError && e.status === 404) setOrder(null);
        else setError(errorMessage(e));
      });
    return () => ctl.abort();
  }, [number, attempt]);

  useTitle(order ? `Order #${order.id}` : order === null ? 'Order not found' : 'Order');

  if (error)
    return (
      <>
        <ErrorAlert message={error} />
        <button className="btn btn-outline-secondary" onClick={() => setAttempt((a) => a + 1)}>
          Retry
        </button>
      </>
    );
  if (order === undefined) return <Spinner />;
  if (order === null)
    return (
      <div className="text-center py-5" data-testid="order-not-found">
        <h1 className="h3">Order not found</h1>
        <p className="text-secondary">There is no order #{id} among your orders.</p>
        <Link className="btn btn-primary" to="/orders">
          Back to your orders
        </Link>
      </div>
    );

  return (
    <article className="receipt card mx-auto" data-testid="receipt">
      <div className="card-body p-4">
        <div className="d-flex flex-wrap justify-content-between align-items-start gap-2 mb-3">
          <div>
            <div className="text-secondary small text-uppercase">{SITE_NAME}</div>
            <h1 className="h3 mb-0">Order #{order.id}</h1>
          </div>
          <div className="d-print-none d-flex gap-2">
            <button className="btn btn-primary" onClick={() => window.print()}>
              Print
            </button>
            <Link className="btn btn-outline-secondary" to="/orders">
              All orders
            </Link>
          </div>
        </div>
        <p className="mb-3">
          <span className={`badge ${order.paid_status ? 'text-bg-success' : 'text-bg-warning'} me-1`}>{order.paid_status ? 'Paid' : 'Not paid'}</span>
          <span className={`badge ${order.is_delivered ? 'text-bg-success' : 'text-bg-secondary'}`}>{order.is_delivered ? 'Delivered' : 'Not delivered'}</span>
        </p>
        <table className="table receipt-items mb-4">
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col" className="text-end">
                Price
              </th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td className="text-break">{order.ordered_item ?? '—'}</td>
              <td className="text-end text-nowrap">{formatPrice(order.total_price)}</td>
            </tr>
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total</th>
              <td className="text-end text-nowrap fw-bold" data-testid="receipt-total">
                {formatPrice(order.total_price)}
              </td>
            </tr>
          </tfoot>
        </table>
        <dl className="row mb-0 receipt-facts">
          <dt className="col-sm-4">Customer</dt>
          <dd className="col-sm-8">{order.name || '—'}</dd>
          <dt className="col-sm-4">Payment</dt>
          <dd className="col-sm-8">
            {order.paid_status ? `Paid ${formatDate(order.paid_at, '')}` : 'Not paid'}
            {order.card_number ? ` with the card ending ${order.card_number}` : ''}
          </dd>
          <dt className="col-sm-4">Delivery address</dt>
          <dd className="col-sm-8 text-break">{order.address ?? '—'}</dd>
          <dt className="col-sm-4">Delivery</dt>
          <dd className="col-sm-8" data-testid="receipt-delivery">
            {order.is_delivered ? `Delivered ${order.delivered_at ?? ''}` : 'Not delivered yet'}
          </dd>
        </dl>
      </div>
    </article>
  );
}
