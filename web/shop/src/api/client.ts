// The HTTP client: bearer tokens, transparent refresh on 401, error mapping.
import { ApiError, toApiError } from './errors';

export interface SessionUser {
  id: number;
  username: string;
  email: string;
  admin: boolean;
}

export interface Session {
  access: string;
  refresh: string;
  user: SessionUser;
}

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const SESSION_KEY = 'tierstack.shop.session';
export const EXPIRED_MESSAGE = 'Your session has expired. Please log in again.';

type Listener = (s: Session | null) => void;

/** Keeps the session in storage and tells subscribers when it changes. */
export class SessionStore {
  private current: Session | null;
  private listeners = new Set<Listener>();

  constructor(private readonly storage: KeyValueStore | null) {
    this.current = null;
    try {
      const raw = storage?.getItem(SESSION_KEY);
      if (raw) {
        const s = JSON.parse(raw) as Session;
        if (s && typeof s.access === 'string' && s.user) this.current = s;
      }
    } catch {
      this.current = null;
    }
  }

  get(): Session | null {
    return this.current;
  }

  set(s: Session | null): void {
    this.current = s;
    try {
      if (s) this.storage?.setItem(SESSION_KEY, JSON.stringify(s));
      else this.storage?.removeItem(SESSION_KEY);
    } catch {
      /* storage full or unavailable: the session lives in memory */
    }
    for (const l of this.listeners) l(s);
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  form?: FormData;
  headers?: Record<string, string>;
  /** Send the bearer token (default true when logged in). */
  auth?: boolean;
  signal?: AbortSignal;
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

async function readBody(res: Response): Promise<unknown> {
  if (res.status === 204) return null;
  const text = await res.text();
  if (!text) return null;
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json') || /^[[{"]/.test(text.trim())) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

export class ApiClient {
  /** Called once when the session could not be renewed. */
  onSessionExpired: (message: string) => void = () => {};
  private refreshing: Promise<boolean> | null = null;

  constructor(
    readonly session: SessionStore,
    private readonly fetchImpl: FetchLike = (i, init) => fetch(i, init),
    private readonly base = '',
  ) {}

  private async send(path: string, opts: RequestOptions, access: string | null): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json', ...(opts.headers ?? {}) };
    let body: BodyInit | undefined;
    if (opts.form) body = opts.form;
    else if (opts.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    if (access) headers['Authorization'] = `Bearer ${access}`;
    try {
      return await this.fetchImpl(this.base + path, {
        method: opts.method ?? (body ? 'POST' : 'GET'),
        headers,
        body,
        signal: opts.signal,
      });
    } catch (e) {
      if ((e as Error)?.name === 'AbortError') throw e;
      throw toApiError(0, null);
    }
  }

  /** Exchanges the refresh token for new tokens; one exchange at a time. */
  refresh(): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = (async () => {
        const s = this.session.get();
        if (!s?.refresh) return false;
        let res: Response;
        try {
          res = await this.send('/account/token/refresh/', { method: 'POST', json: { refresh: s.refresh } }, null);
        } catch {
          return false;
        }
        if (!res.ok) return false;
        const data = (await readBody(res)) as { access?: string; refresh?: string } | null;
        if (!data?.access) return false;
        const now = this.session.get();
        if (!now) return false;
        this.session.set({ ...now, access: data.access, refresh: data.refresh ?? now.refresh });
        return true;
      })().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  async request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const useAuth = opts.auth !== false;
    const s = useAuth ? this.session.get() : null;
    let res = await this.send(path, opts, s?.access ?? null);
    if (res.status === 401 && s) {
      // Another request may already have renewed the token.
      const latest = this.session.get();
      let renewed = latest !== null && latest.access !== s.access;
      if (!renewed) renewed = await this.refresh();
      if (renewed) {
        res = await this.send(path, opts, this.session.get()?.access ?? null);
      } else {
        if (this.session.get()) {
          // Navigate first, so protected pages never see a null session.
          this.onSessionExpired(EXPIRED_MESSAGE);
          this.session.set(null);
        }
        throw new ApiError(401, EXPIRED_MESSAGE);
      }
    }
    const body = await readBody(res);
    if (!res.ok) throw toApiError(res.status, body);
    return body as T;
  }

  get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>(path, { signal });
  }
  post<T>(path: string, json?: unknown, headers?: Record<string, string>): Promise<T> {
    return this.request<T>(path, { method: 'POST', json: json ?? {}, headers });
  }
  put<T>(path: string, json: unknown): Promise<T> {
    return this.request<T>(path, { method: 'PUT', json });
  }
  del<T>(path: string): Promise<T> {
    return this.request<T>(path, { method: 'DELETE' });
  }
}

const browserStorage: KeyValueStore | null = typeof window !== 'undefined' ? window.localStorage : null;
export const api = new ApiClient(new SessionStore(browserStorage));
