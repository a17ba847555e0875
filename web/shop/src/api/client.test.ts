import { describe, expect, it, vi } from 'vitest';
import { ApiClient, EXPIRED_MESSAGE, SESSION_KEY, SessionStore, type KeyValueStore, type Session } from './client';
import { ApiError } from './errors';

function memoryStore(init: Record<string, string> = {}): KeyValueStore & { data: Record<string, string> } {
  const data = { ...init };
  return {
    data,
    getItem: (k) => (k in data ? data[k] : null),
    setItem: (k, v) => {
      data[k] = v;
    },
    removeItem: (k) => {
      delete data[k];
    },
  };
}

const session: Session = { access: 'a1', refresh: 'r1', user: { id: 7, username: 'u', email: 'u@x.io', admin: false } };

function json(status: number, body: unknown): Response {
  return new Response(body === null ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function setup(routes: (path: string, init: RequestInit) => Response | Promise<Response>) {
  const store = memoryStore({ [SESSION_KEY]: JSON.stringify(session) });
  const calls: { path: string; auth: string | null; body: unknown }[] = [];
  const fetchImpl = vi.fn(async (path: string, init: RequestInit = {}) => {
    const h = (init.headers ?? {}) as Record<string, string>;
    calls.push({ path, auth: h['Authorization'] ?? null, body: init.body ? JSON.parse(String(init.body)) : null });
    return routes(path, init);
  });
  const client = new ApiClient(new SessionStore(store), fetchImpl);
  return { client, store, calls };
}

describe('ApiClient token handling', () => {
  it('sends the access token', async () => {
    const { client, calls } = setup(() => json(200, [1]));
    expect(await client.get('/api/x/')).toEqual([1]);
    expect(calls[0].auth).toBe('Bearer a1');
  });

  it('refreshes on 401 and retries with the new access token', async () => {
    const { client, calls, store } = setup((path, init) => {
      const auth = (init.headers as Record<string, string>)['Authorization'];
      if (path === '/account/token/refresh/') return json(200, { access: 'a2', refresh: 'r2' });
      return auth === 'Bearer a2' ? json(200, { ok: true }) : json(401, { detail: 'Token is invalid or expired' });
    });
    expect(await client.get('/account/stripe-cards/')).toEqual({ ok: true });
    expect(calls.map((c) => c.path)).toEqual(['/account/stripe-cards/', '/account/token/refresh/', '/account/stripe-cards/']);
    expect(calls[1].body).toEqual({ refresh: 'r1' });
    expect(JSON.parse(store.data[SESSION_KEY])).toMatchObject({ access: 'a2', refresh: 'r2' });
  });

  it('refreshes once for concurrent 401s', async () => {
    let refreshes = 0;
    const { client } = setup(async (path, init) => {
      const auth = (init.headers as Record<string, string>)['Authorization'];
      if (path === '/account/token/refresh/') {
        refreshes++;
        await new Promise((r) => setTimeout(r, 5));
        return json(200, { access: 'a2', refresh: 'r2' });
      }
      return auth === 'Bearer a2' ? json(200, path) : json(401, { detail: 'expired' });
    });
    const r = await Promise.all([client.get('/a/'), client.get('/b/'), client.get('/c/')]);
    expect(r).toEqual(['/a/', '/b/', '/c/']);
    expect(refreshes).toBe(1);
  });

  it('clears the session and reports expiry when the refresh fails', async () => {
    const { client, store } = setup((path) =>
      path === '/account/token/refresh/' ? json(401, { detail: 'Token is blacklisted' }) : json(401, { detail: 'expired' }),
    );
    const expired = vi.fn();
    client.onSessionExpired = expired;
    const err = await client.get('/account/all-orders-list/').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(401);
    expect(expired).toHaveBeenCalledWith(EXPIRED_MESSAGE);
    expect(client.session.get()).toBeNull();
    expect(store.data[SESSION_KEY]).toBeUndefined();
  });

  it('does not refresh for anonymous requests', async () => {
    const { client, calls } = setup(() => json(401, { detail: 'No active account found with the given credentials' }));
    client.session.set(null);
    const err = await client.request('/account/login/', { method: 'POST', json: {}, auth: false }).catch((e) => e);
    expect(err.message).toBe('No active account found with the given credentials');
    expect(calls).toHaveLength(1);
  });

  it('maps a network failure to status 0', async () => {
    const client = new ApiClient(new SessionStore(memoryStore()), async () => {
      throw new TypeError('Failed to fetch');
    });
    const err = await client.get('/api/products/').catch((e) => e);
    expect(err.status).toBe(0);
  });

  it('returns null for 204', async () => {
    const { client } = setup(() => new Response(null, { status: 204 }));
    expect(await client.del('/api/product-delete/1/')).toBeNull();
  });
});
