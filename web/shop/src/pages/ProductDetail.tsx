import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../api/client';
import { errorMessage } from '../api/errors';
import type { Product } from '../api/types';
import { useAuth } from '../auth';
import { ErrorAlert, NotFound, Spinner } from '../components/ui';
import { formatPrice } from '../lib/format';
import { useTitle } from '../lib/title';
import { useApi } from '../lib/useApi';

export function ProductDetail() {
  const { id } = useParams();
  const { user } = useAuth();
  const navigate = useNavigate();
  const { data: p, error, loading, status } = useApi<Product>(`/api/product/${encodeURIComponent(id ?? '')}/`);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [delError, setDelError] = useState<string | null>(null);

  useTitle(p?.name);

  if (loading) return <Spinner />;
  if (status === 404) return <NotFound what="product" />;
  if (error || !p) return <ErrorAlert message={error ?? 'Not found.'} />;

  const remove = async () => {
    setBusy(true);
    setDelError(null);
    try {
      await api.del(`/api/product-delete/${p.id}/`);
      navigate('/', { state: { flash: `Deleted “${p.name}”.` } });
    } catch (e) {
      setDelError(errorMessage(e));
      setBusy(false);
    }
  };

  return (
    <div className="row g-4">
      <div className="col-md-6">
        {p.image ? <img src={p.image} alt={p.name} className="img-fluid rounded border" /> : <div className="bg-light border rounded p-5 text-center text-secondary">No image</div>}
      </div>
      <div className="col-md-6">
        <h1 className="h3">{p.name}</h1>
        <p className="fs-4 fw-semibold" data-testid="price">
          {formatPrice(p.price)}
        </p>
        <p style={{ whiteSpace: 'pre-wrap' }}>{p.description}</p>
        {p.stock ? (
          <Link className="btn btn-primary" to={`/product/${p.id}/checkout`}>
            Buy now
          </Link>
        ) : (
          <p className="text-danger fw-semibold">Out of stock</p>
        )}
        {user?.admin && (
          <div className="mt-4 border-top pt-3">
            <ErrorAlert message={delError} />
            <Link className="btn btn-outline-secondary me-2" to={`/admin/products/${p.id}/edit`}>
              Edit
            </Link>
            {confirming ? (
              <>
                <span className="me-2">Delete this product?</span>
                <button className="btn btn-danger me-2" disabled={busy} onClick={remove}>
                  Yes, delete
                </button>
                <button className="btn btn-link" onClick={() => setConfirming(false)}>
                  Cancel
                </button>
              </>
            ) : (
              <button className="btn btn-outline-danger" onClick={() => setConfirming(true)}>
                Delete
              </button>
            )}
          </div>
        )}
      </div>
    </div>
  );
}
