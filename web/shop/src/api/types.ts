export interface Product {
  id: number;
  name: string;
  description: string;
  price: string;
  stock: boolean;
  image: string | null;
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export interface Address {
  id: number;
  name: string;
  phone_number: string;
  pin_code: string;
  house_no: string;
  landmark: string;
  city: string;
  state: string;
  user?: number | null;
}

export type AddressInput = Omit<Address, 'id' | 'user'>;

export interface Order {
  id: number;
  name: string;
  ordered_item: string | null;
  card_number: string | null;
  address: string | null;
  paid_status: boolean;
  paid_at: string | null;
  total_price: string | null;
  is_delivered: boolean;
  delivered_at: string | null;
  user: number | null;
}

export interface Card {
  id: number;
  email: string | null;
  name_on_card: string | null;
  customer_id: string | null;
  card_number: string;
  exp_month: string;
  exp_year: string;
  card_id: string;
  address_city: string | null;
  address_country: string | null;
  address_state: string | null;
  address_zip: string | null;
  user: number;
}

export interface LoginResponse {
  refresh: string;
  access: string;
  id: number;
  username: string;
  email: string;
  admin: boolean;
  token: string;
}

export interface User {
  id: number;
  username: string;
  email: string;
  admin: boolean;
}
