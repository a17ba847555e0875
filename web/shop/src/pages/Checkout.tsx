import { useEffect, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { api } from '../api/client';
import { ApiError, errorMessage, type FieldErrors } from '../api/errors';
import type { Address, Card, Order, Product } from '../api/types';
import { ErrorAlert, FieldError, NotFound, Spinner } from '../components/ui';
import { expiryProblem, parseExpiry } from '../lib/card';
import { formatPrice, maskCard, newIdempotencyKey } from '../lib/format';
import { useTitle } from '../lib/title';
import { useApi } from '../lib/useApi';
import { AddressForm, addressLine, createAddress } from './Addresses';

export function Checkout() {
  const { id } = useParams();
  const navigate = useNavigate();
  const product = useApi<Product>(`/api/product/${encodeURIComponent(id ?? '')}/`);
  const addresses = useApi<Address[]>('/account/all-address-details/');
  const cards = useApi<Card[]>('/account/stripe-cards/');
  const [addressId, setAddressId] = useState<number | null>(null);
  const [addingAddress, setAddingAddress] = useState(false);
  const [payWith, setPayWith] = useState<'new' | number>('new');
  const [card, setCard] = useState({ number: '', expiry: '', cvc: '', name: '' });
  const [saveCard, setSaveCard] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);

  const [cardChosen, setCardChosen] = useState(false);
  useTitle('Checkout');

  useEffect(() => {
    if (addressId === null && addresses.data?.length) setAddressId(addresses.data[0].id);
  }, [addresses.data, addressId]);
  // A saved card is the likely choice: the newest one is preselected (once,
  // so the user's own choice is never overridden by a reload).
  useEffect(() => {
    if (cardChosen || !cards.data?.length) return;
    setPayWith(cards.data.reduce((a, b) => (b.id > a.id ? b : a)).id);
    setCardChosen(true);
  }, [cards.data, cardChosen]);

  if (product.loading || addresses.loading || cards.loading) return <Spinner />;
  if (product.status === 404) return <NotFound what="product" />;
  if (product.error || !product.data) return <ErrorAlert message={product.error ?? 'Not found.'} />;
  const p = product.data;
  if (!p.stock)
    return (
      <ErrorAlert message={`${p.name} is out of stock.`} />
    );

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setFields({});
    if (addressId === null) {
      setError('Choose or add a delivery address.');
      return;
    }
    const body: Record<string, unknown> = { product_id: p.id, address_id: addressId, expected_total: p.price };
    if (payWith === 'new') {
      const local: FieldErrors = {};
      const digits = card.number.replace(/[\s-]/g, '');
      if (!/^\d{12,19}$/.test(digits)) local.number = ['Enter the card number.'];
      const expiry = parseExpiry(card.expiry);
      const expiryError = expiryProblem(card.expiry);
      if (expiryError) local.expiry = [expiryError];
      if (!/^\d{3,4}$/.test(card.cvc)) local.cvc = ['3 or 4 digits.'];
      if (Object.keys(local).length) {
        setFields(local);
        return;
      }
      body.card = { number: digits, exp_month: String(expiry!.month), exp_year: String(expiry!.year), cvc: card.cvc, name: card.name };
      body.save_card = saveCard;
    } else {
      body.saved_card_id = payWith;
    }
    setBusy(true);
    try {
      // A new key per attempt: a retry of the same attempt could reuse it, a new attempt must not.
      const order = await api.post<Order>('/api/checkout/', body, { 'Idempotency-Key': newIdempotencyKey() });
      navigate('/payment-result', { state: { order, product: p } });
    } catch (err) {
      setError(errorMessage(err));
      if (err instanceof ApiError) {
        const f = { ...err.fieldErrors };
        // The API names the expiry's two parts; the form has one field for both.
        const exp = [...(f.exp_month ?? []), ...(f.exp_year ?? [])];
        if (exp.length) f.expiry = exp;
        // Card errors name the card fields; show them by the inputs too.
        setFields(f);
      }
      setBusy(false);
    }
  };

  const setC = (k: keyof typeof card) => (e: React.ChangeEvent<HTMLInputElement>) => setCard({ ...card, [k]: e.target.value });
  const cls = (n: string) => `form-control${fields[n] ? ' is-invalid' : ''}`;

  return (
    <>
      <h1 className="h3 mb-3">Checkout</h1>
      <div className="card card-body mb-3 d-flex flex-row justify-content-between align-items-center">
        <span>
          <Link to={`/product/${p.id}`}>{p.name}</Link>
        </span>
        <strong data-testid="checkout-total">{formatPrice(p.price)}</strong>
      </div>

      <h2 className="h5">Delivery address</h2>
      <ErrorAlert message={addresses.error} />
      {addresses.data && addresses.data.length > 0 && (
        <div className="list-group mb-2">
          {addresses.data.map((a) => (
            <label className="list-group-item d-flex gap-2" key={a.id}>
              <input className="form-check-input flex-shrink-0" type="radio" name="address" checked={addressId === a.id} onChange={() => setAddressId(a.id)} />
              <span>{addressLine(a)}</span>
            </label>
          ))}
        </div>
      )}
      {addresses.data?.length === 0 && !addingAddress && <p className="text-secondary">No saved address yet.</p>}
      {addingAddress ? (
        <div className="card card-body mb-3">
          <AddressForm
            submitLabel="Save address"
            save={createAddress}
            onSaved={(a) => {
              setAddingAddress(false);
              setAddressId(a.id);
              addresses.reload();
            }}
            onCancel={() => setAddingAddress(false)}
          />
        </div>
      ) : (
        <button className="btn btn-outline-secondary btn-sm mb-3" onClick={() => setAddingAddress(true)}>
          Add a new address
        </button>
      )}

      <form onSubmit={submit} noValidate>
        <h2 className="h5 mt-2">Payment</h2>
        <div className="list-group mb-3">
          {cards.data?.map((c) => (
            <label className="list-group-item d-flex gap-2" key={c.id}>
              <input className="form-check-input flex-shrink-0" type="radio" name="pay" checked={payWith === c.id} onChange={() => setPayWith(c.id)} />
              <span>
                Saved card {maskCard(c.card_number)} · expires {c.exp_month}/{c.exp_year}
                {c.name_on_card ? ` · ${c.name_on_card}` : ''}
              </span>
            </label>
          ))}
          <label className="list-group-item d-flex gap-2">
            <input className="form-check-input flex-shrink-0" type="radio" name="pay" checked={payWith === 'new'} onChange={() => setPayWith('new')} />
            <span>New card</span>
          </label>
        </div>
        {payWith === 'new' && (
          <div className="row g-2 mb-3">
            <div className="col-12">
              <label className="form-label small mb-1" htmlFor="card-number">Card number</label>
              <input id="card-number" className={cls('number')} inputMode="numeric" autoComplete="cc-number" value={card.number} onChange={setC('number')} />
              <FieldError errors={fields} name="number" />
            </div>
            <div className="col-6">
              <label className="form-label small mb-1" htmlFor="card-expiry">Expiry (MM/YY)</label>
              <input id="card-expiry" className={cls('expiry')} inputMode="numeric" autoComplete="cc-exp" placeholder="MM/YY" maxLength={9} value={card.expiry} onChange={setC('expiry')} />
              <FieldError errors={fields} name="expiry" />
            </div>
            <div className="col-6">
              <label className="form-label small mb-1" htmlFor="card-cvc">CVC</label>
              <input id="card-cvc" className={cls('cvc')} inputMode="numeric" autoComplete="cc-csc" value={card.cvc} onChange={setC('cvc')} />
              <FieldError errors={fields} name="cvc" />
            </div>
            <div className="col-12">
              <label className="form-label small mb-1" htmlFor="card-name">Name on card</label>
              <input id="card-name" className="form-control" autoComplete="cc-name" value={card.name} onChange={setC('name')} />
            </div>
            <div className="col-12 form-check ms-1">
              <input id="save-card" className="form-check-input" type="checkbox" checked={saveCard} onChange={(e) => setSaveCard(e.target.checked)} />
              <label className="form-check-label" htmlFor="save-card">Save this card for next time</label>
            </div>
          </div>
        )}
        <ErrorAlert message={error} />
        <button className="btn btn-success btn-lg w-100" disabled={busy || addressId === null}>
          {busy ? 'Paying…' : `Pay ${formatPrice(p.price)}`}
        </button>
      </form>
    </>
  );
}

export function PaymentResult() {
  const state = (useLocation().state ?? null) as { order?: Order; product?: Product } | null;
  const order = state?.order;
  useTitle(order ? 'Payment successful' : 'Payment');
  if (!order)
    return (
      <>
        <h1 className="h3">Payment</h1>
        <p>
          No payment in progress. See <Link to="/orders">your orders</Link>.
        </p>
      </>
    );
  return (
    <div className="text-center py-4">
      <h1 className="h3 text-success">Payment successful</h1>
      <p className="lead">
        Order #{order.id}: {order.ordered_item} — {formatPrice(order.total_price)}
      </p>
      <p>Paid with card ending {order.card_number}. Delivering to {order.address}.</p>
      <Link className="btn btn-primary me-2" to={`/order/${order.id}`}>
        Receipt
      </Link>
      <Link className="btn btn-outline-primary me-2" to="/orders">
        View your orders
      </Link>
      <Link className="btn btn-outline-secondary" to="/">
        Continue shopping
      </Link>
    </div>
  );
}
