import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router';
import { api, type Session, type SessionUser } from './api/client';
import type { LoginResponse } from './api/types';

interface AuthValue {
  session: Session | null;
  user: SessionUser | null;
  login(username: string, password: string): Promise<void>;
  logout(message?: string): Promise<void>;
  updateUser(u: SessionUser): void;
}

// The message for the login page survives a redirect that drops router state.
let loginMessage: string | null = null;
function setLoginMessage(m: string) {
  loginMessage = m;
}
export function takeLoginMessage(): string | null {
  const m = loginMessage;
  loginMessage = null;
  return m;
}

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(api.session.get());
  const navigate = useNavigate();

  useEffect(() => api.session.subscribe(setSession), []);
  useEffect(() => {
    api.onSessionExpired = (message) => {
      setLoginMessage(message);
      navigate('/login', { state: { message } });
    };
    // Other tabs: follow their login/logout.
    const onStorage = () => setSession(api.session.get());
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, [navigate]);

  const value: AuthValue = {
    session,
    user: session?.user ?? null,
    async login(username, password) {
      const r = await api.request<LoginResponse>('/account/login/', {
        method: 'POST',
        json: { username, password },
        auth: false,
      });
      api.session.set({
        access: r.access,
        refresh: r.refresh,
        user: { id: r.id, username: r.username, email: r.email, admin: r.admin },
      });
    },
    async logout(message = 'You have been logged out.') {
      const s = api.session.get();
      if (s) {
        try {
          await api.request('/account/logout/', { method: 'POST', json: { refresh: s.refresh } });
        } catch {
          /* the token may already be invalid; log out locally anyway */
        }
      }
      setLoginMessage(message);
      navigate('/login', { state: { message } });
      api.session.set(null);
    },
    updateUser(u) {
      const s = api.session.get();
      if (s) api.session.set({ ...s, user: u });
    },
  };
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}
