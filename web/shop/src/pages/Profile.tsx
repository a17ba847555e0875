import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api } from '../api/client';
import { ApiError, errorMessage, type FieldErrors } from '../api/errors';
import type { User } from '../api/types';
import { useAuth } from '../auth';
import { ErrorAlert, FieldError, Spinner } from '../components/ui';
import { useApi } from '../lib/useApi';
import { passwordProblem } from './Auth';
import { useTitle } from '../lib/title';

export function Profile() {
  useTitle('My account');
  const { user } = useAuth();
  const { data, error, loading } = useApi<User>(user ? `/account/user/${user.id}/` : null);
  if (loading) return <Spinner />;
  if (error || !data) return <ErrorAlert message={error ?? 'Not found.'} />;
  return (
    <>
      <h1 className="h3 mb-3">Your account</h1>
      <dl className="row">
        <dt className="col-sm-3">Username</dt>
        <dd className="col-sm-9" data-testid="profile-username">{data.username}</dd>
        <dt className="col-sm-3">Email</dt>
        <dd className="col-sm-9">{data.email}</dd>
        <dt className="col-sm-3">Administrator</dt>
        <dd className="col-sm-9">{data.admin ? 'Yes' : 'No'}</dd>
      </dl>
      <Link className="btn btn-primary me-2" to="/profile/edit">
        Update
      </Link>
      <Link className="btn btn-outline-danger" to="/profile/delete">
        Delete account
      </Link>
    </>
  );
}

export function EditProfile() {
  useTitle('Edit account');
  const { user, updateUser } = useAuth();
  const navigate = useNavigate();
  const [form, setForm] = useState({ username: user?.username ?? '', email: user?.email ?? '', password: '', confirm: '', current_password: '' });
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!user) return null;
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [k]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const local: FieldErrors = {};
    const weak = form.password ? passwordProblem(form.password) : null;
    if (weak) local.password = [weak];
    if (form.password !== form.confirm) local.confirm = ['Passwords do not match.'];
    if (!form.current_password) local.current_password = ['Enter your current password to confirm.'];
    setFields(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const r = await api.put<{ details: string; user: User; access?: string; refresh?: string }>(`/account/user_update/${user.id}/`, {
        username: form.username.trim(),
        email: form.email.trim(),
        password: form.password,
        current_password: form.current_password,
      });
      const u = { id: r.user.id, username: r.user.username, email: r.user.email, admin: r.user.admin };
      // A password change ends every session, this one too; the answer carries its successor.
      if (r.access && r.refresh) api.session.set({ access: r.access, refresh: r.refresh, user: u });
      else updateUser(u);
      navigate('/profile');
    } catch (err) {
      setError(errorMessage(err));
      if (err instanceof ApiError) setFields(err.fieldErrors);
      setBusy(false);
    }
  };
  const cls = (n: string) => `form-control${fields[n] ? ' is-invalid' : ''}`;
  return (
    <div style={{ maxWidth: 480 }}>
      <h1 className="h3 mb-3">Update account</h1>
      <ErrorAlert message={error} />
      <form onSubmit={submit} noValidate>
        {(
          [
            ['username', 'Username', 'text'],
            ['email', 'Email', 'email'],
            ['password', 'New password (blank keeps the current one)', 'password'],
            ['confirm', 'Confirm new password', 'password'],
            ['current_password', 'Current password', 'password'],
          ] as const
        ).map(([k, label, type]) => (
          <div className="mb-3" key={k}>
            <label className="form-label" htmlFor={`p-${k}`}>{label}</label>
            <input id={`p-${k}`} type={type} className={cls(k)} value={form[k]} onChange={set(k)} />
            <FieldError errors={fields} name={k} />
          </div>
        ))}
        <button className="btn btn-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
      </form>
    </div>
  );
}

export function DeleteAccount() {
  useTitle('Delete account');
  const { user } = useAuth();
  const navigate = useNavigate();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!user) return null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password !== confirm) {
      setError('Passwords do not match.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.post(`/account/user_delete/${user.id}/`, { password });
      api.session.set(null);
      navigate('/', { replace: true });
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return (
    <div style={{ maxWidth: 480 }}>
      <h1 className="h3 mb-3">Delete account</h1>
      <p>This deletes your account with its addresses, saved cards and orders. It cannot be undone.</p>
      <ErrorAlert message={error} />
      <form onSubmit={submit}>
        <div className="mb-3">
          <label className="form-label" htmlFor="d-password">Password</label>
          <input id="d-password" type="password" className="form-control" value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        <div className="mb-3">
          <label className="form-label" htmlFor="d-confirm">Confirm password</label>
          <input id="d-confirm" type="password" className="form-control" value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        </div>
        <button className="btn btn-danger" disabled={busy || !password}>
          Delete my account
        </button>
      </form>
    </div>
  );
}
