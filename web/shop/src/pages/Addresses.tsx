import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../api/client';
import { ApiError, errorMessage, type FieldErrors } from '../api/errors';
import type { Address, AddressInput } from '../api/types';
import { Empty, ErrorAlert, FieldError, Spinner } from '../components/ui';
import { useApi } from '../lib/useApi';
import { useTitle } from '../lib/title';

const FIELDS: { key: keyof AddressInput; label: string; max: number; type?: string; auto?: string }[] = [
  { key: 'name', label: 'Full name', max: 200, auto: 'name' },
  { key: 'phone_number', label: 'Phone number', max: 10, type: 'tel', auto: 'tel' },
  { key: 'house_no', label: 'House / street', max: 300, auto: 'address-line1' },
  { key: 'landmark', label: 'Landmark', max: 120 },
  { key: 'city', label: 'City', max: 120, auto: 'address-level2' },
  { key: 'state', label: 'State', max: 120, auto: 'address-level1' },
  { key: 'pin_code', label: 'PIN code', max: 6, auto: 'postal-code' },
];

// The API's rule is a 10-character limit plus the pattern +?1?\d{9,15}; together
// they allow 9 or 10 digits, or + and 9 digits. The message says exactly that
// (the original's "Up to 15 digits allowed." could never be true in a field of 10).
export const PHONE_PATTERN = /^(\d{9,10}|\+\d{9})$/;
export const PHONE_MESSAGE = 'Phone number must be entered as 9 or 10 digits, or + and 9 digits (e.g. 9876543210).';

const EMPTY: AddressInput = { name: '', phone_number: '', pin_code: '', house_no: '', landmark: '', city: '', state: '' };

/** Mirrors the API's rules; the API's own field errors are shown as well. */
export function validateAddress(a: AddressInput, partial = false): FieldErrors {
  const e: FieldErrors = {};
  for (const f of FIELDS) {
    const v = a[f.key].trim();
    if (!v && !partial) e[f.key] = ['This field may not be blank.'];
    else if (v.length > f.max) e[f.key] = [`Ensure this field has no more than ${f.max} characters.`];
  }
  const phone = a.phone_number.trim();
  if (phone && !PHONE_PATTERN.test(phone)) e.phone_number = [PHONE_MESSAGE];
  return e;
}

export function addressLine(a: Address): string {
  return `${a.name}, ${a.house_no}, ${a.landmark}, ${a.city}, ${a.state} ${a.pin_code} · ${a.phone_number}`;
}

export function AddressForm({ initial, submitLabel, onSaved, onCancel, partial = false, save }: {
  initial?: AddressInput;
  submitLabel: string;
  onSaved(a: Address): void;
  onCancel?(): void;
  partial?: boolean;
  save(a: AddressInput): Promise<Address>;
}) {
  const [form, setForm] = useState<AddressInput>(initial ?? EMPTY);
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    e.stopPropagation();
    setError(null);
    const local = validateAddress(form, partial);
    setFields(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const saved = await save(form);
      setBusy(false);
      onSaved(saved);
    } catch (err) {
      setError(errorMessage(err));
      if (err instanceof ApiError) setFields(err.fieldErrors);
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate className="address-form">
      <ErrorAlert message={error} />
      <div className="row g-2">
        {FIELDS.map((f) => (
          <div className="col-sm-6" key={f.key}>
            <label className="form-label small mb-1" htmlFor={`addr-${f.key}`}>{f.label}</label>
            <input
              id={`addr-${f.key}`}
              name={f.key}
              className={`form-control${fields[f.key] ? ' is-invalid' : ''}`}
              type={f.type ?? 'text'}
              autoComplete={f.auto}
              maxLength={f.max}
              value={form[f.key]}
              onChange={(e) => setForm({ ...form, [f.key]: e.target.value })}
            />
            <FieldError errors={fields} name={f.key} />
          </div>
        ))}
      </div>
      <div className="mt-3">
        <button className="btn btn-primary me-2" type="submit" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
        {onCancel && (
          <button className="btn btn-link" type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

export const createAddress = (a: AddressInput) => api.post<Address>('/account/create-address/', a);

export function Addresses() {
  useTitle('My addresses');
  const { data, error, loading, reload } = useApi<Address[]>('/account/all-address-details/');
  const [adding, setAdding] = useState(false);
  const [opError, setOpError] = useState<string | null>(null);

  const remove = async (a: Address) => {
    if (!window.confirm(`Delete the address “${a.name}, ${a.city}”?`)) return;
    setOpError(null);
    try {
      await api.del(`/account/delete-address/${a.id}/`);
      reload();
    } catch (e) {
      setOpError(errorMessage(e));
    }
  };

  return (
    <>
      <h1 className="h3 mb-3">Addresses</h1>
      <ErrorAlert message={error ?? opError} />
      {loading && !data && <Spinner />}
      {data && data.length === 0 && !adding && <Empty>You have no saved addresses.</Empty>}
      {data && data.length > 0 && (
        <ul className="list-group mb-3" data-testid="address-list">
          {data.map((a) => (
            <li className="list-group-item d-flex flex-wrap justify-content-between align-items-center gap-2" key={a.id}>
              <span>{addressLine(a)}</span>
              <span>
                <Link className="btn btn-sm btn-outline-secondary me-2" to={`/addresses/${a.id}/edit`}>
                  Edit
                </Link>
                <button className="btn btn-sm btn-outline-danger" onClick={() => remove(a)}>
                  Delete
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
      {adding ? (
        <div className="card card-body">
          <h2 className="h5">New address</h2>
          <AddressForm
            submitLabel="Save address"
            save={createAddress}
            onSaved={() => {
              setAdding(false);
              reload();
            }}
            onCancel={() => setAdding(false)}
          />
        </div>
      ) : (
        <button className="btn btn-primary" onClick={() => setAdding(true)}>
          Add address
        </button>
      )}
    </>
  );
}

export function EditAddress() {
  useTitle('Edit address');
  const { id } = useParams();
  const navigate = useNavigate();
  const { data, error, loading } = useApi<Address>(`/account/address-details/${encodeURIComponent(id ?? '')}/`);
  if (loading) return <Spinner />;
  if (error || !data) return <ErrorAlert message={error ?? 'Not found.'} />;
  const { id: _id, user: _user, ...initial } = data;
  return (
    <>
      <h1 className="h3 mb-3">Edit address</h1>
      <AddressForm
        initial={initial}
        partial
        submitLabel="Save changes"
        save={(a) => api.put<Address>(`/account/update-address/${data.id}/`, a)}
        onSaved={() => navigate('/addresses')}
        onCancel={() => navigate('/addresses')}
      />
    </>
  );
}
