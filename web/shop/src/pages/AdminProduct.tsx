import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate, useParams } from 'react-router';
import { api } from '../api/client';
import { ApiError, errorMessage, type FieldErrors } from '../api/errors';
import type { Product } from '../api/types';
import { ErrorAlert, FieldError, NotFound, Spinner } from '../components/ui';
import { useTitle } from '../lib/title';
import { useApi } from '../lib/useApi';

export const PRICE_PATTERN = /^\d{1,8}(\.\d{1,2})?$/;

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
export const IMAGE_ERROR = 'Upload a valid image: JPEG, PNG, GIF or WebP.';

/** The form's own check of a picked file (the API checks the bytes as well). */
export function imageProblem(file: Pick<File, 'type' | 'size'>): string | null {
  if (!IMAGE_TYPES.includes(file.type)) return IMAGE_ERROR;
  if (file.size === 0) return 'The file is empty.';
  return null;
}

export function NewProduct() {
  return <ProductForm product={null} />;
}

export function EditProduct() {
  const { id } = useParams();
  const { data, error, loading, status } = useApi<Product>(`/api/product/${encodeURIComponent(id ?? '')}/`);
  if (loading) return <Spinner />;
  if (status === 404) return <NotFound what="product" />;
  if (error || !data) return <ErrorAlert message={error ?? 'Not found.'} />;
  return <ProductForm product={data} />;
}

function ProductForm({ product }: { product: Product | null }) {
  const navigate = useNavigate();
  const [name, setName] = useState(product?.name ?? '');
  const [description, setDescription] = useState(product?.description ?? '');
  const [price, setPrice] = useState(product?.price ?? '');
  const [stock, setStock] = useState(product?.stock ?? true);
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(product?.image ?? null);
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useTitle(product ? `Edit ${product.name}` : 'Add a product');

  // A new pick replaces the last one's verdict: its error (the form's or the
  // API's) goes, and a file the form can tell is wrong gets its error at once.
  const pick = (f: File | null) => {
    const problem = f ? imageProblem(f) : null;
    setFields(({ image: _old, ...rest }) => (problem ? { ...rest, image: [problem] } : rest));
    setError(null);
    setFile(problem ? null : f);
    if (!f || problem) setPreview(product?.image ?? null);
  };

  useEffect(() => {
    if (!file) return;
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const local: FieldErrors = {};
    if (!product && !name.trim()) local.name = ['This field may not be blank.'];
    if (name.length > 200) local.name = ['Ensure this field has no more than 200 characters.'];
    if ((price || !product) && !PRICE_PATTERN.test(price.trim())) local.price = ['A valid number is required.'];
    if (fields.image && !file) local.image = fields.image;
    setFields(local);
    if (Object.keys(local).length) return;
    const fd = new FormData();
    fd.append('name', name.trim());
    fd.append('description', description);
    fd.append('price', price.trim());
    fd.append('stock', stock ? 'true' : 'false');
    if (file) fd.append('image', file, file.name);
    else fd.append('image', '');
    setBusy(true);
    try {
      const saved = product
        ? await api.request<Product>(`/api/product-update/${product.id}/`, { method: 'PUT', form: fd })
        : await api.request<Product>('/api/product-create/', { method: 'POST', form: fd });
      navigate(`/product/${saved.id}`);
    } catch (err) {
      // Field errors are shown by their fields, once; the alert is for the rest.
      const byField = err instanceof ApiError ? err.fieldErrors : {};
      const shown = ['name', 'description', 'price', 'stock', 'image'];
      setFields(byField);
      setError(Object.keys(byField).some((k) => shown.includes(k)) ? null : errorMessage(err));
      setBusy(false);
    }
  };

  const cls = (n: string) => `form-control${fields[n] ? ' is-invalid' : ''}`;
  return (
    <div style={{ maxWidth: 640 }}>
      <h1 className="h3 mb-3">{product ? `Edit “${product.name}”` : 'Add a product'}</h1>
      <ErrorAlert message={error} />
      <form onSubmit={submit} noValidate>
        <div className="mb-3">
          <label className="form-label" htmlFor="pf-name">Name</label>
          <input id="pf-name" className={cls('name')} maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
          <FieldError errors={fields} name="name" />
        </div>
        <div className="mb-3">
          <label className="form-label" htmlFor="pf-description">Description</label>
          <textarea id="pf-description" className={cls('description')} rows={4} value={description} onChange={(e) => setDescription(e.target.value)} />
          <FieldError errors={fields} name="description" />
        </div>
        <div className="mb-3">
          <label className="form-label" htmlFor="pf-price">Price (INR)</label>
          <input id="pf-price" className={cls('price')} inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} />
          <FieldError errors={fields} name="price" />
        </div>
        <div className="form-check mb-3">
          <input id="pf-stock" className="form-check-input" type="checkbox" checked={stock} onChange={(e) => setStock(e.target.checked)} />
          <label className="form-check-label" htmlFor="pf-stock">In stock</label>
        </div>
        <div className="mb-3">
          <label className="form-label" htmlFor="pf-image">Image (JPEG, PNG, GIF or WebP){product ? ' — leave empty to keep the current one' : ''}</label>
          <input id="pf-image" className={cls('image')} type="file" accept="image/jpeg,image/png,image/gif,image/webp" onChange={(e) => pick(e.target.files?.[0] ?? null)} />
          <FieldError errors={fields} name="image" />
          {preview && !fields.image && <img src={preview} alt="Preview" className="img-thumbnail mt-2" style={{ maxHeight: 200 }} data-testid="image-preview" />}
        </div>
        <button className="btn btn-primary" disabled={busy}>
          {busy ? 'Saving…' : product ? 'Save changes' : 'Create product'}
        </button>
      </form>
    </div>
  );
}
