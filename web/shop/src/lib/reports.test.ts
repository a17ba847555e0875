import { describe, expect, it } from 'vitest';
import { fraction, groupLabel, monthLabel, niceMax, reportQuery, toBars } from './reports';

describe('toBars', () => {
  const states = [
    { state: 'Kerala', orders: 3, revenue_cents: 123456, revenue: '1234.56' },
    { state: '', orders: 1, revenue_cents: 50, revenue: '0.50' },
  ];
  it('maps orders with a readable count', () => {
    const b = toBars(states, 'orders');
    expect(b.map((x) => [x.label, x.value, x.display])).toEqual([
      ['Kerala', 3, '3 orders'],
      ['(none)', 1, '1 order'],
    ]);
  });
  it('maps revenue in rupees, formatted like prices', () => {
    const b = toBars(states, 'revenue');
    expect(b[0].value).toBe(1234.56);
    expect(b[0].display).toBe('₹1,234.56');
    expect(b[1].display).toBe('₹0.50');
  });
  it('labels products by name and months by month name, with unique keys', () => {
    const b = toBars(
      [
        { product_id: null, name: 'Lamp', orders: 1, revenue_cents: 100, revenue: '1.00' },
        { product_id: null, name: 'Lamp', orders: 1, revenue_cents: 100, revenue: '1.00' },
      ],
      'orders',
    );
    expect(b[0].label).toBe('Lamp');
    expect(new Set(b.map((x) => x.key)).size).toBe(2);
    expect(groupLabel({ month: '2024-03', orders: 0, revenue_cents: 0, revenue: '0.00' })).toBe('Mar 2024');
  });
  it('treats missing rows as empty', () => {
    expect(toBars(undefined, 'orders')).toEqual([]);
    expect(toBars(null, 'revenue')).toEqual([]);
  });
});

describe('chart scale', () => {
  it('rounds the axis up to 1, 2 or 5 × 10^k', () => {
    expect(niceMax([])).toBe(1);
    expect(niceMax([0])).toBe(1);
    expect(niceMax([3])).toBe(5);
    expect(niceMax([7, 12])).toBe(20);
    expect(niceMax([1234.56])).toBe(2000);
    expect(niceMax([100])).toBe(100);
  });
  it('gives bar fractions within 0..1', () => {
    expect(fraction(5, 10)).toBe(0.5);
    expect(fraction(-1, 10)).toBe(0);
    expect(fraction(20, 10)).toBe(1);
    expect(fraction(3, 0)).toBe(0);
  });
});

describe('monthLabel and reportQuery', () => {
  it('keeps unknown month text', () => {
    expect(monthLabel('2021-12')).toBe('Dec 2021');
    expect(monthLabel('29 June')).toBe('29 June');
    expect(monthLabel('')).toBe('—');
  });
  it('builds the query', () => {
    expect(reportQuery(false)).toBe('');
    expect(reportQuery(true)).toBe('?paid_only=true');
    expect(reportQuery(true, 5)).toBe('?top=5&paid_only=true');
  });
});
