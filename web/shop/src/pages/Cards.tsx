import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { ApiError, errorMessage, type FieldErrors } from '../api/errors';
import type { Card } from '../api/types';
import { Empty, ErrorAlert, FieldError, Spinner } from '../components/ui';
import { maskCard } from '../lib/format';
import { useApi } from '../lib/useApi';
import { useTitle } from '../lib/title';

const EDITABLE = [
  ['name_on_card', 'Name on card'],
  ['exp_month', 'Expiry month'],
  ['exp_year', 'Expiry year'],
  ['address_city', 'City'],
  ['address_state', 'State'],
  ['address_country', 'Country'],
  ['address_zip', 'ZIP / PIN'],
] as const;

function CardEditor({ card, onDone }: { card: Card; onDone(): void }) {
  const [form, setForm] = useState<Record<string, string>>(Object.fromEntries(EDITABLE.map(([k]) => [k, card[k] ?? ''])));
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post('/payments/update-card/', { card_id: card.card_id, customer_id: card.customer_id ?? '', ...form });
      onDone();
    } catch (err) {
      setError(errorMessage(err));
      if (err instanceof ApiError) setFields(err.fieldErrors);
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} className="mt-2">
      <ErrorAlert message={error} />
      <div className="row g-2">
        {EDITABLE.map(([k, label]) => (
          <div className="col-sm-6" key={k}>
            <label className="form-label small mb-1" htmlFor={`c-${card.id}-${k}`}>{label}</label>
            <input id={`c-${card.id}-${k}`} className={`form-control${fields[k] ? ' is-invalid' : ''}`} value={form[k]} onChange={(e) => setForm({ ...form, [k]: e.target.value })} />
            <FieldError errors={fields} name={k} />
          </div>
        ))}
      </div>
      <button className="btn btn-primary btn-sm mt-2 me-2" disabled={busy}>Save card</button>
      <button className="btn btn-link btn-sm mt-2" type="button" onClick={onDone}>Cancel</button>
    </form>
  );
}

export function Cards() {
  useTitle('My cards');
  const { data, error, loading, reload } = useApi<Card[]>('/account/stripe-cards/');
  const [editing, setEditing] = useState<number | null>(null);
  const [opError, setOpError] = useState<string | null>(null);
  const remove = async (c: Card) => {
    if (!window.confirm(`Delete the card ending ${c.card_number}?`)) return;
    setOpError(null);
    try {
      await api.post('/payments/delete-card/', { id: c.id, card_id: c.card_id });
      reload();
    } catch (e) {
      setOpError(errorMessage(e));
    }
  };
  return (
    <>
      <h1 className="h3 mb-3">Saved cards</h1>
      <ErrorAlert message={error ?? opError} />
      {loading && !data && <Spinner />}
      {data && data.length === 0 && <Empty>No saved cards. Tick “Save this card” at checkout to keep one.</Empty>}
      {data?.map((c) => (
        <div className="card card-body mb-2" key={c.id} data-testid="saved-card">
          <div className="d-flex flex-wrap justify-content-between gap-2">
            <span>
              <strong>{maskCard(c.card_number)}</strong> · expires {c.exp_month}/{c.exp_year} · {c.name_on_card || 'Name not set'}
              <br />
              <span className="small text-secondary">
                {[c.address_city, c.address_state, c.address_country, c.address_zip].filter(Boolean).join(', ') || 'Billing address not set'}
              </span>
            </span>
            <span>
              <button className="btn btn-sm btn-outline-secondary me-2" onClick={() => setEditing(editing === c.id ? null : c.id)}>Edit</button>
              <button className="btn btn-sm btn-outline-danger" onClick={() => remove(c)}>Delete</button>
            </span>
          </div>
          {editing === c.id && (
            <CardEditor
              card={c}
              onDone={() => {
                setEditing(null);
                reload();
              }}
            />
          )}
        </div>
      ))}
    </>
  );
}
