import { useState, type FormEvent } from 'react';
import { Link, NavLink, Outlet, useNavigate, useSearchParams } from 'react-router';
import { useAuth } from '../auth';

export function Layout() {
  const { user, logout } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [q, setQ] = useState(params.get('q') ?? '');
  const [open, setOpen] = useState(false);

  const search = (e: FormEvent) => {
    e.preventDefault();
    const t = q.trim();
    navigate(t ? `/?q=${encodeURIComponent(t)}` : '/');
    setOpen(false);
  };
  const close = () => setOpen(false);

  return (
    <>
      <nav className="navbar navbar-expand-lg navbar-dark bg-dark d-print-none">
        {/* Expanded from 992 px; one line up from there (an admin's nine items included). */}
        <div className="container-xxl">
          <Link className="navbar-brand" to="/" onClick={close}>
            tierstack shop
          </Link>
          <button className="navbar-toggler" type="button" aria-label="Menu" aria-expanded={open} onClick={() => setOpen(!open)}>
            <span className="navbar-toggler-icon" />
          </button>
          <div className={`collapse navbar-collapse${open ? ' show' : ''}`}>
            <ul className="navbar-nav me-auto">
              <li className="nav-item">
                <NavLink className="nav-link" to="/" end onClick={close}>
                  Products
                </NavLink>
              </li>
              {user && (
                <li className="nav-item">
                  <NavLink className="nav-link" to="/orders" onClick={close}>
                    Orders
                  </NavLink>
                </li>
              )}
              {user?.admin && (
                <li className="nav-item">
                  <NavLink className="nav-link" to="/admin/products/new" onClick={close}>
                    Add product
                  </NavLink>
                </li>
              )}
              {user?.admin && (
                <li className="nav-item">
                  <NavLink className="nav-link" to="/admin/reports" onClick={close}>
                    Reports
                  </NavLink>
                </li>
              )}
            </ul>
            <form className="d-flex my-2 my-lg-0 me-lg-3 navbar-search" role="search" onSubmit={search}>
              <input className="form-control me-2" type="search" placeholder="Search products" aria-label="Search products" value={q} onChange={(e) => setQ(e.target.value)} />
              <button className="btn btn-outline-light" type="submit">
                Search
              </button>
            </form>
            <ul className="navbar-nav">
              {user ? (
                <>
                  <li className="nav-item">
                    <NavLink className="nav-link" to="/profile" onClick={close}>
                      {user.username}
                    </NavLink>
                  </li>
                  <li className="nav-item">
                    <NavLink className="nav-link" to="/addresses" onClick={close}>
                      Addresses
                    </NavLink>
                  </li>
                  <li className="nav-item">
                    <NavLink className="nav-link" to="/cards" onClick={close}>
                      Cards
                    </NavLink>
                  </li>
                  <li className="nav-item">
                    <button
                      className="btn btn-link nav-link"
                      onClick={async () => {
                        close();
                        await logout();
                      }}
                    >
                      Logout
                    </button>
                  </li>
                </>
              ) : (
                <>
                  <li className="nav-item">
                    <NavLink className="nav-link" to="/login" onClick={close}>
                      Login
                    </NavLink>
                  </li>
                  <li className="nav-item">
                    <NavLink className="nav-link" to="/register" onClick={close}>
                      Register
                    </NavLink>
                  </li>
                </>
              )}
            </ul>
          </div>
        </div>
      </nav>
      <main className="container-xxl py-3">
        <Outlet />
      </main>
    </>
  );
}
