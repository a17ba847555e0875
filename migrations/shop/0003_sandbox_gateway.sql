-- The sandbox payment gateway's state (SHOP_PAYMENT_GATEWAY=sandbox, the
-- default; src/shop/storage/sandbox.cpp), the same on SQLite and PostgreSQL.
-- Kept in the shop's database so that every instance on it sees one test-mode
-- processor and saved cards still pay after a restart. Like a processor's
-- test mode it keeps what a card does when charged (its test behaviour),
-- brand, last four and expiry: never the number or the CVC. The stripe
-- gateway leaves these tables empty.
CREATE TABLE shop_sandbox_customers (
  id TEXT PRIMARY KEY,  -- cus_...
  email TEXT NOT NULL,
  created_at TEXT NOT NULL CHECK (length(created_at) = 27)
);

-- A tokenized card (token_id set, no customer) until it is attached to a
-- customer once (customer_id set, token_id NULL).
CREATE TABLE shop_sandbox_cards (
  id TEXT PRIMARY KEY,  -- card_...
  token_id TEXT UNIQUE,  -- tok_..., single use
  customer_id TEXT REFERENCES shop_sandbox_customers (id) ON DELETE CASCADE,
  behaviour TEXT NOT NULL CHECK (behaviour IN ('succeed', 'decline', 'insufficient_funds',
                                               'expired', 'incorrect_cvc', 'error')),
  brand TEXT NOT NULL CHECK (brand IN ('visa', 'mastercard', 'amex', 'discover', 'other')),
  last4 TEXT NOT NULL CHECK (length(last4) = 4),
  exp_month INTEGER NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
  exp_year INTEGER NOT NULL,
  name TEXT NOT NULL,
  address_city TEXT NOT NULL,
  address_country TEXT NOT NULL,
  address_state TEXT NOT NULL,
  address_zip TEXT NOT NULL,
  created_at TEXT NOT NULL CHECK (length(created_at) = 27),
  attached_at TEXT CHECK (length(attached_at) = 27),  -- the first attached is the default
  CHECK ((token_id IS NULL) = (customer_id IS NOT NULL))
);
CREATE INDEX shop_sandbox_cards_customer ON shop_sandbox_cards (customer_id, attached_at, id);

-- Charge attempts: every success, and each refused attempt that carried an
-- idempotency key (a retry with that key gets the first answer again).
-- No foreign keys: a processor keeps its charges after the card is gone.
CREATE TABLE shop_sandbox_charges (
  id TEXT PRIMARY KEY,  -- ch_...
  idempotency_key TEXT UNIQUE,
  customer_id TEXT NOT NULL,
  requested_card_id TEXT NOT NULL,  -- '' = the customer's default card
  amount_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  description TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed')),
  card_id TEXT,  -- the card charged (succeeded)
  brand TEXT,
  last4 TEXT CHECK (length(last4) = 4),
  created BIGINT,  -- Unix seconds (succeeded)
  error_kind TEXT CHECK (error_kind IN ('card', 'invalid_request', 'not_found', 'idempotency',
                                        'unavailable')),  -- (failed)
  error_code TEXT,
  error_message TEXT,
  error_param TEXT,
  recorded_at TEXT NOT NULL CHECK (length(recorded_at) = 27)
);
CREATE INDEX shop_sandbox_charges_recorded ON shop_sandbox_charges (recorded_at);
