import { lazy, Suspense } from 'react';
import { Route, Routes } from 'react-router';
import { AuthProvider } from './auth';
import { Layout } from './components/Layout';
import { NotFound, RequireAuth, Spinner } from './components/ui';
import { Products } from './pages/Products';

// The product grid is the first page; everything else loads on demand.
const EditProduct = lazy(() => import('./pages/AdminProduct').then((m) => ({ default: m.EditProduct })));
const NewProduct = lazy(() => import('./pages/AdminProduct').then((m) => ({ default: m.NewProduct })));
const Addresses = lazy(() => import('./pages/Addresses').then((m) => ({ default: m.Addresses })));
const EditAddress = lazy(() => import('./pages/Addresses').then((m) => ({ default: m.EditAddress })));
const Login = lazy(() => import('./pages/Auth').then((m) => ({ default: m.Login })));
const Register = lazy(() => import('./pages/Auth').then((m) => ({ default: m.Register })));
const Cards = lazy(() => import('./pages/Cards').then((m) => ({ default: m.Cards })));
const Checkout = lazy(() => import('./pages/Checkout').then((m) => ({ default: m.Checkout })));
const PaymentResult = lazy(() => import('./pages/Checkout').then((m) => ({ default: m.PaymentResult })));
const Orders = lazy(() => import('./pages/Orders').then((m) => ({ default: m.Orders })));
const OrderDetail = lazy(() => import('./pages/OrderDetail').then((m) => ({ default: m.OrderDetail })));
const ProductDetail = lazy(() => import('./pages/ProductDetail').then((m) => ({ default: m.ProductDetail })));
const DeleteAccount = lazy(() => import('./pages/Profile').then((m) => ({ default: m.DeleteAccount })));
const EditProfile = lazy(() => import('./pages/Profile').then((m) => ({ default: m.EditProfile })));
const Reports = lazy(() => import('./pages/Reports').then((m) => ({ default: m.Reports })));
const Profile = lazy(() => import('./pages/Profile').then((m) => ({ default: m.Profile })));

// Route paths avoid the prefixes the web tier proxies to the shop
// (/api/, /account/, /payments/, /images/).
export function App() {
  const auth = (el: React.ReactNode, admin = false) => <RequireAuth admin={admin}>{el}</RequireAuth>;
  return (
    <AuthProvider>
      <Suspense fallback={<Spinner />}>
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
          <Route path="order/:id" element={auth(<OrderDetail />)} />
          <Route path="admin/products/new" element={auth(<NewProduct />, true)} />
          <Route path="admin/products/:id/edit" element={auth(<EditProduct />, true)} />
          <Route path="admin/reports" element={auth(<Reports />)} />
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
      </Suspense>
    </AuthProvider>
  );
}
