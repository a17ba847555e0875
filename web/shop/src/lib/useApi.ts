import { useCallback, useEffect, useState } from 'react';
import { api } from '../api/client';
import { ApiError, errorMessage } from '../api/errors';

export interface ApiState<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  /** The HTTP status of the last failure (404: the thing does not exist), else null. */
  status: number | null;
  reload(): void;
}

/** GETs a path (null: nothing yet) and keeps loading/error state. */
export function useApi<T>(path: string | null): ApiState<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(path !== null);
  const [status, setStatus] = useState<number | null>(null);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    if (path === null) return;
    const ctl = new AbortController();
    setLoading(true);
    setError(null);
    setStatus(null);
    api
      .get<T>(path, ctl.signal)
      .then((d) => {
        setData(d);
        setLoading(false);
      })
      .catch((e) => {
        if ((e as Error)?.name === 'AbortError') return;
        setError(errorMessage(e));
        setStatus(e instanceof ApiError ? e.status : null);
        setLoading(false);
      });
    return () => ctl.abort();
  }, [path, tick]);

  return { data, error, loading, status, reload };
}
