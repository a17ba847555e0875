import { Link, useSearchParams } from 'react-router';
import type { Page, Product } from '../api/types';
import { Empty, ErrorAlert, Pager, Spinner } from '../components/ui';
import { formatPrice } from '../lib/format';
import { useApi } from '../lib/useApi';
import { useTitle } from '../lib/title';

export const PRODUCT_PAGE_SIZE = 12;

export function Products() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const qs = new URLSearchParams({ page: String(page), page_size: String(PRODUCT_PAGE_SIZE) });
  if (q) qs.set('q', q);
  const { data, error, loading } = useApi<Page<Product>>(`/api/products/?${qs}`);
  useTitle(q ? `Search: ${q}` : 'Products');

  const goto = (p: number) => {
    const next = new URLSearchParams(params);
    next.set('page', String(p));
    setParams(next);
    window.scrollTo(0, 0);
  };

  return (
    <>
      <h1 className="h3 mb-3">{q ? <>Results for “{q}”</> : 'Products'}</h1>
      <ErrorAlert message={error} />
      {loading && !data && <Spinner />}
      {data && data.results.length === 0 && <Empty>{q ? 'No products match your search.' : 'No products yet.'}</Empty>}
      {data && data.results.length > 0 && (
        <>
          <p className="text-secondary small">{data.count} products</p>
          <div className="row row-cols-1 row-cols-sm-2 row-cols-lg-4 g-3" data-testid="product-grid">
            {data.results.map((p) => (
              <div className="col" key={p.id}>
                <div className="card h-100 product-card">
                  {p.image ? (
                    <img src={p.image} className="card-img-top product-img" alt={p.name} loading="lazy" />
                  ) : (
                    <div className="card-img-top product-img bg-light d-flex align-items-center justify-content-center text-secondary">No image</div>
                  )}
                  <div className="card-body">
                    <h2 className="h6 card-title">
                      <Link to={`/product/${p.id}`} className="stretched-link text-decoration-none">
                        {p.name}
                      </Link>
                    </h2>
                    <p className="card-text fw-semibold mb-0">{formatPrice(p.price)}</p>
                    {!p.stock && <span className="badge text-bg-secondary">Out of stock</span>}
                  </div>
                </div>
              </div>
            ))}
          </div>
          <Pager page={page} count={data.count} pageSize={PRODUCT_PAGE_SIZE} onPage={goto} />
        </>
      )}
    </>
  );
}
