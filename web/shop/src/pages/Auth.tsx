import { useEffect, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { api } from '../api/client';
import { ApiError, errorMessage, type FieldErrors } from '../api/errors';
import { takeLoginMessage, useAuth } from '../auth';
import { ErrorAlert, FieldError } from '../components/ui';
import { useTitle } from '../lib/title';

/** The API's password rule (8 to 128 characters, counted as code points); null when it holds. */
export function passwordProblem(password: string): string | null {
  const length = [...password].length;
  if (length < 8) return 'Use at least 8 characters.';
  if (length > 128) return 'Use at most 128 characters.';
  return null;
}

interface LocState {
  from?: string;
  message?: string;
}

export function Login() {
  const { login } = useAuth();
  const navigate = useNavigate();
  const loc = useLocation();
  const state = (loc.state ?? {}) as LocState;
  const [notice, setNotice] = useState(() => {
    const flash = takeLoginMessage();
    return state.message && state.message !== 'Please log in to continue.' ? state.message : flash ?? state.message ?? null;
  });
  useTitle('Log in');
  // The notice ("You have been logged out.") is about what just happened:
  // it is dropped from the history entry, so Back does not bring it back…
  useEffect(() => {
    if (state.message) navigate(loc.pathname + loc.search, { replace: true, state: state.from ? { from: state.from } : null });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  // … and goes with the user's next action on the page.
  const edit = (set: (v: string) => void) => (e: React.ChangeEvent<HTMLInputElement>) => {
    setNotice(null);
    set(e.target.value);
  };
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setNotice(null);
    setBusy(true);
    setError(null);
    setFields({});
    try {
      await login(username, password);
      navigate(state.from ?? '/', { replace: true });
    } catch (err) {
      setError(errorMessage(err));
      if (err instanceof ApiError) setFields(err.fieldErrors);
      setBusy(false);
    }
  };

  return (
    <div className="mx-auto" style={{ maxWidth: 420 }}>
      <h1 className="h3 mb-3">Log in</h1>
      {notice && <div className="alert alert-info">{notice}</div>}
      <ErrorAlert message={error} />
      <form onSubmit={submit} noValidate>
        <div className="mb-3">
          <label className="form-label" htmlFor="username">Username</label>
          <input id="username" className="form-control" autoComplete="username" required value={username} onChange={edit(setUsername)} />
          <FieldError errors={fields} name="username" />
        </div>
        <div className="mb-3">
          <label className="form-label" htmlFor="password">Password</label>
          <input id="password" type="password" className="form-control" autoComplete="current-password" required value={password} onChange={edit(setPassword)} />
          <FieldError errors={fields} name="password" />
        </div>
        <button className="btn btn-primary w-100" disabled={busy || !username || !password}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p className="mt-3">
        New here? <Link to="/register">Create an account</Link>
      </p>
    </div>
  );
}

export function Register() {
  useTitle('Register');
  const { login } = useAuth();
  const navigate = useNavigate();
  const [form, setForm] = useState({ username: '', email: '', password: '', confirm: '' });
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [k]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setFields({});
    const local: FieldErrors = {};
    if (!form.username.trim()) local.username = ['Enter a username.'];
    if (!/^\S+@\S+\.\S+$/.test(form.email)) local.email = ['Enter a valid email address.'];
    const weak = passwordProblem(form.password);
    if (weak) local.password = [weak];
    if (form.password !== form.confirm) local.confirm = ['Passwords do not match.'];
    if (Object.keys(local).length) {
      setFields(local);
      return;
    }
    setBusy(true);
    try {
      await api.request('/account/register/', {
        method: 'POST',
        json: { username: form.username.trim(), email: form.email.trim(), password: form.password },
        auth: false,
      });
      // Register returns an access token only; log in for the refresh token too.
      await login(form.username.trim(), form.password);
      navigate('/', { replace: true });
    } catch (err) {
      setError(errorMessage(err));
      if (err instanceof ApiError) setFields(err.fieldErrors);
      setBusy(false);
    }
  };

  const cls = (n: string) => `form-control${fields[n] ? ' is-invalid' : ''}`;
  return (
    <div className="mx-auto" style={{ maxWidth: 420 }}>
      <h1 className="h3 mb-3">Create an account</h1>
      <ErrorAlert message={error} />
      <form onSubmit={submit} noValidate>
        <div className="mb-3">
          <label className="form-label" htmlFor="r-username">Username</label>
          <input id="r-username" className={cls('username')} autoComplete="username" maxLength={150} value={form.username} onChange={set('username')} />
          <FieldError errors={fields} name="username" />
        </div>
        <div className="mb-3">
          <label className="form-label" htmlFor="r-email">Email</label>
          <input id="r-email" type="email" className={cls('email')} autoComplete="email" value={form.email} onChange={set('email')} />
          <FieldError errors={fields} name="email" />
        </div>
        <div className="mb-3">
          <label className="form-label" htmlFor="r-password">Password</label>
          <input id="r-password" type="password" className={cls('password')} autoComplete="new-password" value={form.password} onChange={set('password')} />
          <FieldError errors={fields} name="password" />
        </div>
        <div className="mb-3">
          <label className="form-label" htmlFor="r-confirm">Confirm password</label>
          <input id="r-confirm" type="password" className={cls('confirm')} autoComplete="new-password" value={form.confirm} onChange={set('confirm')} />
          <FieldError errors={fields} name="confirm" />
        </div>
        <button className="btn btn-primary w-100" disabled={busy}>
          {busy ? 'Creating…' : 'Register'}
        </button>
      </form>
      <p className="mt-3">
        Already registered? <Link to="/login">Log in</Link>
      </p>
    </div>
  );
}
