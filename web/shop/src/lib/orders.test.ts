import { describe, expect, it } from 'vitest';
import type { Order, Page } from '../api/types';
import { findOrder } from './orders';

const order = (id: number): Order => ({ id, name: 'A', ordered_item: 'x', card_number: '4242', address: 'a', paid_status: true, paid_at: null, total_price: '1.00', is_delivered: false, delivered_at: null, user: 1 });

/** A list API over the given ids (ascending), counting the requests. */
function api(ids: number[]) {
  const calls: number[] = [];
  const fetch = async (page: number, size: number): Promise<Page<Order>> => {
    calls.push(page);
    const rows = ids.slice((page - 1) * size, page * size).map(order);
    if (!rows.length && page > 1) throw new Error('Invalid page.');
    return { count: ids.length, next: null, previous: null, results: rows };
  };
  return { fetch, calls };
}

describe('findOrder', () => {
  it('finds an order on the first page with one request', async () => {
    const a = api([3, 7, 9]);
    expect((await findOrder(7, a.fetch))?.id).toBe(7);
    expect(a.calls).toEqual([1]);
  });
  it('binary-searches the pages of a long list', async () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => 2 * i + 1); // odd ids only
    const a = api(ids);
    expect((await findOrder(15_001, a.fetch, 100))?.id).toBe(15_001);
    expect(a.calls.length).toBeLessThanOrEqual(9); // page 1, then log2(100) probes
    expect(await findOrder(15_000, api(ids).fetch, 100)).toBeNull(); // between two ids
    expect(await findOrder(19_999, api(ids).fetch, 100)).not.toBeNull(); // the last one
    expect(await findOrder(20_001, api(ids).fetch, 100)).toBeNull();
  });
  it('is null for ids that cannot be orders, without a request', async () => {
    const a = api([1]);
    for (const id of [0, -1, Number.NaN, 1.5]) expect(await findOrder(id, a.fetch)).toBeNull();
    expect(a.calls).toEqual([]);
    expect(await findOrder(2, api([]).fetch)).toBeNull();
  });
});
