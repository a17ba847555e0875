import { describe, expect, it } from 'vitest';
import { formatDate, formatPrice, maskCard, newIdempotencyKey } from './format';

describe('formatPrice', () => {
  it('formats decimal strings in rupees with Indian grouping', () => {
    expect(formatPrice('124999.99')).toBe('₹1,24,999.99');
    expect(formatPrice('400')).toBe('₹400.00');
    expect(formatPrice(0.5)).toBe('₹0.50');
  });
  it('shows a dash for missing or invalid prices', () => {
    expect(formatPrice(null)).toBe('—');
    expect(formatPrice(undefined)).toBe('—');
    expect(formatPrice('abc')).toBe('—');
  });
});

describe('formatDate', () => {
  it('formats ISO timestamps and survives null and free text', () => {
    expect(formatDate('2021-06-29T21:33:10.030860+05:30')).toBe('29 June 2021');
    expect(formatDate(null)).toBe('—');
    expect(formatDate('Not Delivered')).toBe('Not Delivered');
  });
});

describe('helpers', () => {
  it('masks cards', () => {
    expect(maskCard('4242')).toBe('•••• •••• •••• 4242');
  });
  it('makes distinct idempotency keys', () => {
    const a = newIdempotencyKey();
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(newIdempotencyKey()).not.toBe(a);
  });
});
