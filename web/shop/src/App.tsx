import { Link, Route, Routes } from 'react-router';
import { AuthProvider } from './auth';
import { Layout } from './components/Layout';
import { RequireAuth } from './components/ui';
import { EditProduct, NewProduct } from './pages/AdminProduct';
import { Addresses, EditAddress } from './pages/Addresses';
import { Login, Register } from './pages/Auth';
import { Cards } from './pages/Cards';
import { Checkout, PaymentResult } from './pages/Checkout';
import { Orders } from './pages/Orders';
import { ProductDetail } from './pages/ProductDetail';
import { Products } from './pages/Products';
import { DeleteAccount, EditProfile, Profile } from './pages/Profile';

// Route paths avoid the prefixes the web tier proxies to the shop
// (/api/, /account/, /payments/, /images/).
export function App() {
  const auth = (el: React.ReactNode, admin = false) => <RequireAuth admin={admin}>{el}</RequireAuth>;
  return (
    <AuthProvider>
      <Routes>
        <Route element={<Layout />}>
          <Route index element={<Products />} />
          <Route path="product/:id" element={<ProductDetail />} />
          <Route path="product/:id/checkout" element={auth(<Checkout />)} />
          <Route path="payment-result" element={auth(<PaymentResult />)} />
          <Route path="login" element={<Login />} />
          <Route path="register" element={<Register />} />
          <Route path="profile" element={auth(<Profile />)} />
          <Route path="profile/edit" element={auth(<EditProfile />)} />
          <Route path="profile/delete" element={auth(<DeleteAccount />)} />
          <Route path="addresses" element={auth(<Addresses />)} />
          <Route path="addresses/:id/edit" element={auth(<EditAddress />)} />
          <Route path="cards" element={auth(<Cards />)} />
          <Route path="orders" element={auth(<Orders />)} />
          <Route path="admin/products/new" element={auth(<NewProduct />, true)} />
          <Route path="admin/products/:id/edit" element={auth(<EditProduct />, true)} />
          <Route
            path="*"
            element={
              <>
                <h1 className="h3">Page not found</h1>
                <Link to="/">Back to the products</Link>
              </>
            }
          />
        </Route>
      </Routes>
    </AuthProvider>
  );
}
