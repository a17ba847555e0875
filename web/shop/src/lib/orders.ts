import type { Order, Page } from '../api/types';

export type OrderPageFetcher = (page: number, pageSize: number) => Promise<Page<Order>>;

/**
 * Finds one order with the paginated list the API already has (there is no
 * single-order endpoint). The list is in id order and holds only what the
 * user may see (their own orders; an admin's holds all), so a binary search
 * over its pages needs about log2(pages) requests: one for a customer with up
 * to `pageSize` orders. Null when the order is not in the list.
 */
export async function findOrder(id: number, fetchPage: OrderPageFetcher, pageSize = 100): Promise<Order | null> {
  if (!Number.isSafeInteger(id) || id < 1) return null;
  const first = await fetchPage(1, pageSize);
  const pages = Math.max(1, Math.ceil(first.count / pageSize));
  let lo = 1;
  let hi = pages;
  while (lo <= hi) {
    const mid = lo === 1 ? 1 : Math.floor((lo + hi) / 2);
    const page = mid === 1 ? first : await fetchPage(mid, pageSize);
    const rows = page.results;
    if (!rows.length) return null;
    if (id < rows[0].id) hi = mid - 1;
    else if (id > rows[rows.length - 1].id) lo = mid + 1;
    else return rows.find((o) => o.id === id) ?? null;
  }
  return null;
}
