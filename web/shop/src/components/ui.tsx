import type { ReactNode } from 'react';
import { Link, Navigate, useLocation } from 'react-router';
import { useAuth } from '../auth';
import { useTitle } from '../lib/title';

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="d-flex align-items-center gap-2 my-4 text-secondary" role="status">
      <div className="spinner-border spinner-border-sm" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function ErrorAlert({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <div className="alert alert-danger" role="alert">
      {message}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="text-secondary my-4 empty-state">{children}</p>;
}

export function FieldError({ errors, name }: { errors: Record<string, string[]>; name: string }) {
  const m = errors[name];
  if (!m?.length) return null;
  return <div className="invalid-feedback d-block">{m.join(' ')}</div>;
}

export function RequireAuth({ children, admin = false }: { children: ReactNode; admin?: boolean }) {
  const { user } = useAuth();
  const loc = useLocation();
  if (!user) return <Navigate to="/login" replace state={{ from: loc.pathname + loc.search, message: 'Please log in to continue.' }} />;
  if (admin && !user.admin) return <ErrorAlert message="This page is for administrators." />;
  return <>{children}</>;
}

export function Pager({ page, count, pageSize, onPage }: { page: number; count: number; pageSize: number; onPage(p: number): void }) {
  const pages = Math.max(1, Math.ceil(count / pageSize));
  if (pages <= 1) return null;
  return (
    <nav aria-label="Pages" className="d-flex align-items-center gap-2 my-3">
      <button className="btn btn-outline-secondary btn-sm" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        ‹ Previous
      </button>
      <span className="small" data-testid="page-info">
        Page {page} of {pages}
      </span>
      <button className="btn btn-outline-secondary btn-sm" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next ›
      </button>
    </nav>
  );
}

/** A page for something that does not exist, with a way back to the products. */
export function NotFound({ what = 'page' }: { what?: 'page' | 'product' }) {
  const title = what === 'product' ? 'Product not found' : 'Page not found';
  useTitle(title);
  return (
    <div className="text-center py-5" data-testid="not-found">
      <h1 className="h3">{title}</h1>
      <p className="text-secondary">
        {what === 'product' ? 'This product does not exist or is no longer sold.' : 'There is nothing at this address.'}
      </p>
      <Link className="btn btn-primary" to="/">
        Back to the products
      </Link>
    </div>
  );
}
