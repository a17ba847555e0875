// Prices arrive as decimal strings with two places ("124999.99"); the store
// sells in Indian rupees, as the original did.
export const CURRENCY = 'INR';
const LOCALE = 'en-IN';

const formatter = new Intl.NumberFormat(LOCALE, {
  style: 'currency',
  currency: CURRENCY,
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

/** "124999.99" → "₹1,24,999.99"; null/invalid → "—". */
export function formatPrice(price: string | number | null | undefined): string {
  if (price === null || price === undefined || price === '') return '—';
  const n = typeof price === 'number' ? price : Number(String(price).trim());
  if (!Number.isFinite(n)) return '—';
  return formatter.format(n);
}

/** ISO timestamps (or the original's free text like "29 June 2021") for display; null → fallback. */
export function formatDate(value: string | null | undefined, fallback = '—'): string {
  if (!value) return fallback;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' });
}

/** Mask for a saved card's last four digits. */
export function maskCard(last4: string | null | undefined): string {
  return last4 ? `•••• •••• •••• ${last4.slice(-4)}` : '—';
}

/** An Idempotency-Key: random, works outside secure contexts too. */
export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
